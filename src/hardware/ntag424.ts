// NTAG 424 DNA over ISO 7816-4 wrapped native commands (NXP NT4H2421Gx datasheet; AN12196):
// AuthenticateEV2First with AES-128 (mutual authentication, session keys) and ChangeKey in
// CommMode.Full (secure messaging: encrypted data, truncated CMAC). Every tap runs a fresh
// authentication with a random RndA: an answer recorded from another session decrypts to
// the wrong RndA' and is refused here.
//
// Byte order as AN12196 writes it: RndA, RndB and keys as byte strings, the command counter
// little-endian.
import { randomBytes } from 'node:crypto';
import { AES_BLOCK, aesCbc, aesCmac } from './aes-cmac.js';

/** Sends one APDU to the card and returns its answer with the status word (SW1 SW2) last. */
export type Transmit = (apdu: Buffer) => Promise<Buffer>;

/** ISO SELECT of the NTAG 424 DNA application by its DF name D2760000850101 (datasheet 10.9.1). */
export const SELECT_NDEF_APP = Buffer.from('00A4040C07D276000085010100', 'hex');

/** Why a card did not prove it holds the key: the gateway refuses it as `credential_invalid`. */
export class CardAuthError extends Error {
  constructor(
    message: string,
    /** The card's status word when it answered one (0x91AE: authentication error). */
    readonly sw?: number,
  ) {
    super(message);
    this.name = 'CardAuthError';
  }
}

/** An authenticated session with the card (AN12196 section 5.2 / 6.6). */
export interface Ev2Session {
  keyNo: number;
  /** Transaction identifier chosen by the card. */
  ti: Buffer;
  encKey: Buffer;
  macKey: Buffer;
  /** Commands sent in this session: the next command's CmdCtr. */
  cmdCtr: number;
  pdCap2: Buffer;
  pcdCap2: Buffer;
}

function sw(answer: Buffer): number {
  return answer.length >= 2 ? answer.readUInt16BE(answer.length - 2) : 0;
}

function body(answer: Buffer): Buffer {
  return answer.subarray(0, Math.max(0, answer.length - 2));
}

/** RndB' / RndA': the byte string rotated left by one byte. */
export function rotateLeft(b: Buffer): Buffer {
  return Buffer.concat([b.subarray(1), b.subarray(0, 1)]);
}

/** ISO/IEC 9797-1 padding method 2: 0x80 then zeros to a whole block (always at least one byte). */
export function padM2(data: Buffer): Buffer {
  const length = (Math.floor(data.length / AES_BLOCK) + 1) * AES_BLOCK;
  const out = Buffer.alloc(length);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

/** The session vectors SV1 (encryption) and SV2 (MAC) of AuthenticateEV2First (AN12196 table 14). */
export function sessionVectors(rndA: Buffer, rndB: Buffer): { sv1: Buffer; sv2: Buffer } {
  const mixed = Buffer.alloc(6);
  for (let i = 0; i < 6; i++) mixed[i] = rndA[2 + i]! ^ rndB[i]!;
  const tail = Buffer.concat([rndA.subarray(0, 2), mixed, rndB.subarray(6, 16), rndA.subarray(8, 16)]);
  return {
    sv1: Buffer.concat([Buffer.from('A55A00010080', 'hex'), tail]),
    sv2: Buffer.concat([Buffer.from('5AA500010080', 'hex'), tail]),
  };
}

/** The first command of AuthenticateEV2First: key number, no PCDcap2 (AN12196 table 14). */
export function authFirstCommand(keyNo: number): Buffer {
  return Buffer.from([0x90, 0x71, 0x00, 0x00, 0x02, keyNo, 0x00, 0x00]);
}

/** Part 2: E(K, RndA || RndB') with a zero IV, as an ISO-wrapped additional frame. */
export function authSecondCommand(
  key: Buffer,
  encRndB: Buffer,
  rndA: Buffer,
): { apdu: Buffer; rndB: Buffer } {
  const zero = Buffer.alloc(AES_BLOCK);
  const rndB = aesCbc(key, zero, encRndB, 'decrypt');
  const enc = aesCbc(key, zero, Buffer.concat([rndA, rotateLeft(rndB)]), 'encrypt');
  return {
    apdu: Buffer.concat([Buffer.from([0x90, 0xaf, 0x00, 0x00, 0x20]), enc, Buffer.from([0x00])]),
    rndB,
  };
}

/**
 * The card's last answer: E(K, TI || RndA' || PDcap2 || PCDcap2). Throws CardAuthError when
 * RndA' is not our RndA rotated (a wrong key, a clone, a replayed answer).
 */
export function authFinish(
  key: Buffer,
  keyNo: number,
  rndA: Buffer,
  rndB: Buffer,
  encAnswer: Buffer,
): Ev2Session {
  if (encAnswer.length !== 2 * AES_BLOCK)
    throw new CardAuthError(`the card answered ${encAnswer.length} bytes, not 32`);
  const plain = aesCbc(key, Buffer.alloc(AES_BLOCK), encAnswer, 'decrypt');
  if (!plain.subarray(4, 20).equals(rotateLeft(rndA)))
    throw new CardAuthError('the card did not return our challenge (wrong key, clone or replay)');
  const { sv1, sv2 } = sessionVectors(rndA, rndB);
  return {
    keyNo,
    ti: Buffer.from(plain.subarray(0, 4)),
    encKey: aesCmac(key, sv1),
    macKey: aesCmac(key, sv2),
    cmdCtr: 0,
    pdCap2: Buffer.from(plain.subarray(20, 26)),
    pcdCap2: Buffer.from(plain.subarray(26, 32)),
  };
}

/**
 * AuthenticateEV2First with `key` on key number `keyNo` (the application already selected):
 * two round trips. `rndA` is fresh randomness unless a test passes AN12196's.
 */
export async function authenticateEv2First(
  transmit: Transmit,
  keyNo: number,
  key: Buffer,
  rndA: Buffer = randomBytes(AES_BLOCK),
): Promise<Ev2Session> {
  const first = await transmit(authFirstCommand(keyNo));
  if (sw(first) !== 0x91af || body(first).length !== AES_BLOCK)
    throw new CardAuthError(
      `AuthenticateEV2First refused: ${first.toString('hex').toUpperCase()}`,
      sw(first),
    );
  const { apdu, rndB } = authSecondCommand(key, body(first), rndA);
  const second = await transmit(apdu);
  if (sw(second) !== 0x9100)
    throw new CardAuthError(`authentication failed: SW ${sw(second).toString(16).toUpperCase()}`, sw(second));
  return authFinish(key, keyNo, rndA, rndB, body(second));
}

function counter(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff);
  return b;
}

/** MACt: the CMAC's bytes at odd positions, 8 of 16 (AN12196 5.5: "truncated to even bytes", 1-based). */
export function truncateMac(mac: Buffer): Buffer {
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = mac[2 * i + 1]!;
  return out;
}

/** IV for command data in CommMode.Full: E(SesAuthENCKey, A5 5A || TI || CmdCtr || 0*8). */
export function commandIv(s: Ev2Session): Buffer {
  const iv = Buffer.concat([Buffer.from([0xa5, 0x5a]), s.ti, counter(s.cmdCtr), Buffer.alloc(8)]);
  return aesCbc(s.encKey, Buffer.alloc(AES_BLOCK), iv, 'encrypt');
}

/** CRC32 as the DESFire/NTAG family uses it: IEEE 802.3 without the final complement (JAMCRC). */
export function crc32Desfire(data: Buffer): Buffer {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32LE(crc >>> 0);
  return out;
}

/**
 * The ChangeKey APDU in CommMode.Full (AN12196 tables 26 and 27). Changing the key the
 * session was opened with sends NewKey || KeyVer; another key sends (NewKey XOR OldKey) ||
 * KeyVer || CRC32(NewKey), so the card can check the old key was known.
 */
export function changeKeyCommand(
  s: Ev2Session,
  keyNo: number,
  newKey: Buffer,
  version: number,
  oldKey?: Buffer,
): Buffer {
  let plain: Buffer;
  if (keyNo === s.keyNo) {
    plain = Buffer.concat([newKey, Buffer.from([version])]);
  } else {
    if (!oldKey)
      throw new RangeError(`changing key ${keyNo} from a session of key ${s.keyNo} needs its old key`);
    const x = Buffer.alloc(AES_BLOCK);
    for (let i = 0; i < AES_BLOCK; i++) x[i] = newKey[i]! ^ oldKey[i]!;
    plain = Buffer.concat([x, Buffer.from([version]), crc32Desfire(newKey)]);
  }
  const enc = aesCbc(s.encKey, commandIv(s), padM2(plain), 'encrypt');
  const header = Buffer.from([keyNo]);
  const mac = truncateMac(
    aesCmac(s.macKey, Buffer.concat([Buffer.from([0xc4]), counter(s.cmdCtr), s.ti, header, enc])),
  );
  const data = Buffer.concat([header, enc, mac]);
  return Buffer.concat([Buffer.from([0x90, 0xc4, 0x00, 0x00, data.length]), data, Buffer.from([0x00])]);
}

/** The MAC the card puts on a CommMode.Full/MAC answer: over RC || CmdCtr (already counted) || TI || data. */
export function responseMac(s: Ev2Session, data: Buffer): Buffer {
  return truncateMac(aesCmac(s.macKey, Buffer.concat([Buffer.from([0x00]), counter(s.cmdCtr), s.ti, data])));
}

/**
 * ChangeKey on the card. Changing the session's own key ends the session (the card answers
 * without a MAC); any other key answers with a MAC that is checked here.
 */
export async function changeKey(
  transmit: Transmit,
  s: Ev2Session,
  keyNo: number,
  newKey: Buffer,
  version: number,
  oldKey?: Buffer,
): Promise<void> {
  const answer = await transmit(changeKeyCommand(s, keyNo, newKey, version, oldKey));
  s.cmdCtr++;
  if (sw(answer) !== 0x9100)
    throw new CardAuthError(
      `ChangeKey ${keyNo} refused: SW ${sw(answer).toString(16).toUpperCase()}`,
      sw(answer),
    );
  if (keyNo === s.keyNo) return;
  const mac = body(answer);
  if (mac.length !== 8 || !mac.equals(responseMac(s, Buffer.alloc(0))))
    throw new CardAuthError(`ChangeKey ${keyNo}: the answer's MAC is wrong`);
}
