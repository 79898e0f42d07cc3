// The watchlist (daftar perhatian): people security wants to screen in person before they go
// further than the desk. An arrival matches an entry by the keyed hash of its document number,
// or by a close name together with the same institution. A match only raises a flag: the
// decision stays with security (SOP step 2, screening), so a false match costs a look, and a
// missed one is what the fuzzy name match is for. Pure: hashing (keyed) and storage belong to
// the service.
import { DomainError } from './errors.js';

export interface WatchlistEntry {
  id: string;
  name: string;
  institution: string;
  /** Keyed hash of the normalised document number (the same hash as an arrival's). */
  documentKey?: string;
  reason: string;
  /** Epoch ms; the entry matches nothing from then on and the retention sweep purges it. */
  validUntil: number;
  createdAt: number;
  createdBy: string;
}

/** What an arrival brings for the check. */
export interface WatchlistProbe {
  name: string;
  institution: string;
  documentKey?: string;
}

export interface WatchlistMatch {
  entryId: string;
  by: 'document' | 'name';
}

export interface WatchlistRules {
  /** Typing slips tolerated per name token of five characters or more. */
  nameMaxEdits: number;
  /** Longest validity of an entry, in days from its creation or change. */
  maxDays: number;
}

/** A token shorter than this must match exactly: "Adi" and "Ari" are two people. */
const MIN_TOKEN_FOR_EDITS = 5;

/**
 * Honorifics and academic titles written around Indonesian names ("Drs. H. Ahmad, M.Si."):
 * they change with the writer, not the person, so they are not part of the name compared.
 */
const NAME_TITLES = new Set([
  'bapak',
  'bpk',
  'pak',
  'ibu',
  'bu',
  'sdr',
  'sdri',
  'tn',
  'ny',
  'nn',
  'h',
  'hj',
  'kh',
  'dr',
  'drs',
  'dra',
  'ir',
  'prof',
  'sh',
  'se',
  'st',
  'mm',
  'mh',
  'msi',
  'mpd',
  'spd',
  'skom',
  'mkom',
  'ssi',
  'ssos',
  'sip',
  'ak',
  'phd',
]);

/** Legal forms around an institution's name: "PT Maju Jaya Tbk" is "maju jaya". */
const INSTITUTION_FORMS = new Set(['pt', 'cv', 'tbk', 'persero', 'perum', 'ud', 'yayasan']);

/** Lower case, accents off, dotted abbreviations joined ("M.Si." is "msi"), punctuation to spaces. */
function words(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/(?<!\p{L})(?:\p{L}{1,3}\.){2,}/gu, (dotted) => dotted.replaceAll('.', ''))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter(Boolean);
}

/**
 * Spellings from before EYD (1972) that names keep: "Soeharto" is "Suharto", "Djoko" is
 * "Joko", "Tjahjo" is "Cahjo". Both sides are rewritten, so the rule only has to be consistent.
 */
const OLD_SPELLING: readonly [RegExp, string][] = [
  [/oe/g, 'u'],
  [/dj/g, 'j'],
  [/tj/g, 'c'],
  [/nj/g, 'ny'],
  [/sj/g, 'sy'],
  [/ch/g, 'kh'],
];

/** The tokens of a name as compared: no titles, case, accents, punctuation, or old spelling. */
export function nameTokens(name: string): string[] {
  return words(name)
    .filter((w) => !NAME_TITLES.has(w))
    .map((w) => OLD_SPELLING.reduce((t, [from, to]) => t.replace(from, to), w));
}

/** An institution as compared: its words without legal forms, joined by single spaces. */
export function normaliseInstitution(institution: string): string {
  return words(institution)
    .filter((w) => !INSTITUTION_FORMS.has(w))
    .join(' ');
}

/** A document number as hashed: no spaces, dots or dashes, upper case (as it is masked). */
export function normaliseDocumentNumber(raw: string): string {
  return raw.replace(/[\s.-]/g, '').toUpperCase();
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), by code point, and
 * gives up past `limit` (returns limit + 1): names are short, but the check runs on every
 * arrival against every entry.
 */
export function editDistance(a: string, b: string, limit: number): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return Math.min(prev[t.length]!, limit + 1);
}

function tokensClose(a: string, b: string, maxEdits: number): boolean {
  if (a === b) return true;
  if (Math.min([...a].length, [...b].length) < MIN_TOKEN_FOR_EDITS) return false;
  return editDistance(a, b, maxEdits) <= maxEdits;
}

/**
 * Two names are close when every token of the shorter one pairs with its own token of the
 * other (in any order, each within the edit tolerance), and the shorter one has two tokens or
 * more, or both are single names. "Budi Santoso" is close to "Santoso, Budi" and to "Budi
 * Santoso Wijaya"; "Budi" alone is not close to "Budi Santoso" (too common to flag on).
 */
export function namesClose(a: string, b: string, maxEdits: number): boolean {
  const x = nameTokens(a);
  const y = nameTokens(b);
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (short.length === 0) return false;
  if (short.length === 1 && long.length > 1) return false;
  // Bipartite matching (Kuhn's augmenting paths): a greedy pairing can miss a valid one when
  // a token is close to two tokens of the other name.
  const owner: (number | undefined)[] = new Array(long.length).fill(undefined);
  const tryPair = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < long.length; j++) {
      if (seen[j] || !tokensClose(short[i]!, long[j]!, maxEdits)) continue;
      seen[j] = true;
      const held = owner[j];
      if (held === undefined || tryPair(held, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  return short.every((_, i) => tryPair(i, new Array(long.length).fill(false)));
}

/** Entries still in force at `now`. */
export function activeEntries(entries: Iterable<WatchlistEntry>, now: number): WatchlistEntry[] {
  return [...entries].filter((e) => e.validUntil > now);
}

/** Entries the retention sweep removes: past their valid-until. */
export function dueForPurge(entries: Iterable<WatchlistEntry>, now: number): WatchlistEntry[] {
  return [...entries].filter((e) => e.validUntil <= now);
}

/**
 * The entries an arrival matches: by document (same keyed hash) first, else by a close name
 * with the same institution (both given). Expired entries match nothing.
 */
export function matchWatchlist(
  entries: Iterable<WatchlistEntry>,
  probe: WatchlistProbe,
  now: number,
  rules: Pick<WatchlistRules, 'nameMaxEdits'>,
): WatchlistMatch[] {
  const institution = normaliseInstitution(probe.institution);
  const matches: WatchlistMatch[] = [];
  for (const e of activeEntries(entries, now)) {
    if (e.documentKey !== undefined && e.documentKey === probe.documentKey) {
      matches.push({ entryId: e.id, by: 'document' });
    } else if (
      institution !== '' &&
      normaliseInstitution(e.institution) === institution &&
      namesClose(e.name, probe.name, rules.nameMaxEdits)
    ) {
      matches.push({ entryId: e.id, by: 'name' });
    }
  }
  return matches;
}

export interface WatchlistEntryInput {
  name: string;
  institution: string;
  reason: string;
  validUntil: number;
}

/**
 * Checks an entry as security writes it: a name with at least one token once titles are
 * dropped, a reason, and a valid-until in the future but not beyond `maxDays` (an entry is
 * personal data and must not be kept open-ended). Throws DomainError('invalid') naming the field.
 */
export function checkWatchlistEntry(
  input: WatchlistEntryInput,
  now: number,
  rules: Pick<WatchlistRules, 'maxDays'>,
): WatchlistEntryInput {
  const name = input.name.trim();
  if (nameTokens(name).length === 0) {
    throw new DomainError('invalid', 'a watchlist entry needs a name', 'name', {
      rule: 'watchlist_name',
    });
  }
  const reason = input.reason.trim();
  if (reason === '') {
    throw new DomainError('invalid', 'a watchlist entry needs a reason', 'reason', {
      rule: 'watchlist_reason',
    });
  }
  if (!(input.validUntil > now) || input.validUntil > now + rules.maxDays * 86_400_000) {
    throw new DomainError(
      'invalid',
      `valid-until must be after now and within ${rules.maxDays} days`,
      'validUntil',
      { rule: 'watchlist_valid_until' },
    );
  }
  return { name, institution: input.institution.trim(), reason, validUntil: input.validUntil };
}
