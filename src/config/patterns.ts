// The string patterns of the configuration schema and their wording for a person. A module of
// their own: the checks at start (validate.ts) need the wording, not TypeBox, which only
// building the schema needs (schema.ts; kept off the door path).

/** Lower-case slug: door, reader and host ids (they appear in MQTT topics and URLs). */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** Local wall-clock time, 24 h. */
export const HHMM_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** An MQTT topic prefix without wildcards, empty levels or leading/trailing slash. */
export const TOPIC_PATTERN = '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$';
/** Bytes in hex without separators (reader escape commands). */
export const HEX_BYTES_PATTERN = '^([0-9A-Fa-f]{2})+$';

/** An Ed25519 public key, raw 32 bytes as base64url (a JWK's `x`): what `pintu fleet key` prints. */
export const ED25519_PUBLIC_KEY_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** Human wording for the schema patterns, used when a value does not match. */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [SLUG_PATTERN]: 'must be a slug: lower-case letters, digits and "-", starting with a letter or digit',
  [HHMM_PATTERN]: 'must be a time "HH:MM" (00:00 to 23:59)',
  [TOPIC_PATTERN]: 'must be a topic prefix such as "pintu" or "site/pintu" (no "+", "#", empty levels)',
  '^(mqtts?|wss?|tcp|ssl)://':
    'must be a broker URL starting with mqtt://, mqtts://, ws://, wss://, tcp:// or ssl://',
  [ED25519_PUBLIC_KEY_PATTERN]:
    'must be an Ed25519 public key: 43 characters of base64url, as `pintu fleet key` prints it',
  [HEX_BYTES_PATTERN]: 'must be bytes in hex, e.g. "FF0040A80402010101" (an even number of 0-9, A-F)',
};
