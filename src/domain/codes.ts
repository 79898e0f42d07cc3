// Keypad access codes (SOP step 6: the room's access code is the host's right). A code is
// issued only for an accepted visit and only for rooms the host granted; it dies with the
// visit (checkout, cancel, window end). Only a keyed hash is kept; see service/codes.ts for
// the key. Generation takes its randomness and hash as arguments to stay pure.

export interface CodeIssuer {
  /** Uniform random integer in [0, max). */
  randomInt(max: number): number;
  /** Keyed hash of a code, hex. */
  hash(code: string): string;
}

/**
 * A fresh numeric code of `length` digits whose hash no active code shares (`taken`), and
 * that is not trivially guessable (all one digit, or a straight run like 123456).
 */
export function issueCode(
  length: number,
  taken: (hash: string) => boolean,
  issuer: CodeIssuer,
): { code: string; hash: string } {
  for (let attempt = 0; attempt < 1000; attempt++) {
    let code = '';
    for (let i = 0; i < length; i++) code += String(issuer.randomInt(10));
    if (isTrivial(code)) continue;
    const hash = issuer.hash(code);
    if (!taken(hash)) return { code, hash };
  }
  throw new Error('no free access code: too many active codes for this length');
}

export function isTrivial(code: string): boolean {
  if (/^(\d)\1*$/.test(code)) return true;
  const digits = [...code].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10));
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}
