// The AsyncAPI parser (@asyncapi/parser 3.x: the AsyncAPI 3.0 JSON Schema and its default
// Spectral rules) as the tests ask it: what it finds wrong in a document.
import { Parser } from '@asyncapi/parser';

/** Spectral's severities, in the order the parser numbers them. */
const SEVERITY = ['error', 'warning', 'info', 'hint'] as const;

/**
 * What the parser may still say about the Pintu document, each with why (README, MQTT, says
 * the same):
 * - asyncapi-latest-version (info): the document is AsyncAPI 3.0.0, the version issue 15 asks
 *   for and the one the most tools read; 3.1.0 adds nothing this contract needs.
 */
const ACCEPTED = new Set<string>(['asyncapi-latest-version']);

export async function asyncApiProblems(text: string): Promise<{ errors: string[]; others: string[] }> {
  const { document, diagnostics } = await new Parser().parse(text);
  const line = (d: (typeof diagnostics)[number]) =>
    `${SEVERITY[d.severity] ?? d.severity} ${String(d.code)} ${d.path.join('/')}: ${d.message}`;
  return {
    errors: [...(document ? [] : ['no document']), ...diagnostics.filter((d) => d.severity === 0).map(line)],
    others: diagnostics.filter((d) => d.severity !== 0 && !ACCEPTED.has(String(d.code))).map(line),
  };
}
