// The satisfaction survey (Survei Kepuasan Masyarakat): a visit's one-time token, given to the
// desk tablet at checkout or printed as a QR link, and the anonymous answer it lets in.
//
// Anonymous but one per visit: the token is `<key>.<until>.<mac>`, where `key` is a keyed hash
// of the visit id (the same visit always gets the same key, so asking twice gives the same
// token) and `mac` signs key and end. The answer is journaled with the key only, never the
// visit or guest id; linking the two back needs the gateway's secret key and the visit ids.
// The computation (IKM) is domain/survey.ts; the recap reads the journal's answers.
//
// A suggestion (saran) is free text that may name someone: it goes to the saran file
// (store/saran-file.ts), durable before the answer is journaled, and leaves the disk after
// retention.saranDays; the journal's answer only points at it. Answers journaled before the
// saran file carry their saran themselves: the journal is never rewritten, so those are read
// as they are, and hidden from the recaps past the same retention.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { SurveyAnswered } from '../domain/events.js';
import {
  checkSurveyAnswers,
  type SurveyAnswers,
  type SurveyRecap,
  SurveyTally,
  surveyRecap,
} from '../domain/survey.js';
import { isValidMonth } from '../domain/time.js';
import { isValidYear, monthsOf } from '../domain/yearly-recap.js';
import type { Journal } from '../store/journal.js';
import type { SaranFile } from '../store/saran-file.js';
import type { Core } from './core.js';

export interface SurveyLimits {
  /** config survey.tokenDays */
  tokenDays: number;
  /** config survey.saranMaxChars */
  saranMaxChars: number;
  /** config survey.tabulationMaxRespondents */
  tabulationMaxRespondents: number;
}

export interface SurveyToken {
  token: string;
  /** Epoch ms: answers are taken until then. */
  until: number;
}

const DAY = 86_400_000;

export interface SaranKeeping {
  file: SaranFile;
  /** config retention.saranDays; 0 keeps them forever. */
  days: number;
}

export class SurveyService {
  private readonly key: Buffer;

  constructor(
    private readonly core: Core,
    secret: Buffer,
    private readonly limits: SurveyLimits,
    private readonly saran: SaranKeeping,
  ) {
    // A key of its own, derived: a survey token never verifies as anything else.
    this.key = createHmac('sha256', secret).update('pintu survey v1').digest();
  }

  get saranMaxChars(): number {
    return this.limits.saranMaxChars;
  }

  /** The token of a visit (open, or closed lately): always the same for the same visit. */
  tokenFor(visitId: string): SurveyToken {
    const v = this.core.state.visits.get(visitId) ?? this.core.state.closedRecently(visitId);
    if (!v) throw new DomainError('not_found', 'visit not found');
    const until = v.createdAt + this.limits.tokenDays * DAY;
    if (until <= this.core.now()) {
      throw new DomainError('conflict', 'the survey of this visit has ended (survey.tokenDays)', undefined, {
        state: 'ended',
      });
    }
    const key = this.mac(`id\n${visitId}`);
    return { token: `${key}.${until.toString(36)}.${this.mac(`token\n${key}\n${until}`)}`, until };
  }

  /**
   * What a token may still do: not_found when it is not one of ours, conflict `answered` when
   * its visit answered already, conflict `ended` when it is past its end.
   */
  check(token: string): { key: string; until: number } {
    const parts = token.split('.');
    const [key, end, mac] = parts;
    const until = end && /^[0-9a-z]{1,12}$/.test(end) ? Number.parseInt(end, 36) : Number.NaN;
    if (parts.length !== 3 || !key || !mac || !Number.isSafeInteger(until) || !this.verify(key, until, mac)) {
      throw new DomainError('not_found', 'survey link not valid');
    }
    if (this.core.state.surveysAnswered.has(key)) {
      throw new DomainError('conflict', 'this visit has answered the survey already', undefined, {
        state: 'answered',
      });
    }
    if (until <= this.core.now()) {
      throw new DomainError('conflict', 'this survey link has ended', undefined, { state: 'ended' });
    }
    return { key, until };
  }

  /**
   * Take one answer; the token is spent in the same write (a second one is refused). A saran is
   * durable in its file first: an answer is never journaled pointing at nothing, and a saran
   * whose answer lost a race is never read (the recap reads the saran its answers point at).
   */
  async answer(
    token: string,
    input: { ratings: Readonly<Record<string, number>>; saran?: string },
  ): Promise<void> {
    this.check(token);
    const { ratings, saran } = checkSurveyAnswers(input, this.limits.saranMaxChars);
    let saranRef: { month: string; id: string } | undefined;
    if (saran) {
      const at = this.core.now();
      saranRef = { month: this.core.monthOf(at), id: randomUUID() };
      await this.saran.file.add(saranRef.month, { id: saranRef.id, at, text: saran });
    }
    return this.core.transact({ kind: 'system', id: 'survey' }, () => {
      // Checked again in the queue: two answers racing with one token, only the first is written.
      const { key, until } = this.check(token);
      const event: SurveyAnswered = {
        type: 'survey.answered',
        payload: { key, until, ratings, ...(saranRef ? { saranRef } : {}) },
      };
      return { events: [event], result: () => undefined };
    });
  }

  /** Erase the suggestions past retention.saranDays (the daily retention sweep). Returns how many. */
  sweep(): Promise<number> {
    if (this.saran.days === 0) return Promise.resolve(0);
    const cutoff = this.keptFrom();
    return this.saran.file.eraseBefore(cutoff, this.core.monthOf(cutoff));
  }

  /** The satisfaction survey of a month (YYYY-MM) or a year (YYYY): a tally, not every answer. */
  recap(period: string): Promise<SurveyRecap> {
    return surveyFromJournal(this.core.journal, this.saran.file, period, this.keptFrom());
  }

  /**
   * The answers of a month or a year one by one (the regulation's tabulation, respondents x
   * U1..U9), at most survey.tabulationMaxRespondents: past that it stops reading and refuses.
   */
  async tabulation(period: string): Promise<{ recap: SurveyRecap; answers: SurveyAnswers[] }> {
    const max = this.limits.tabulationMaxRespondents;
    const answers: SurveyAnswers[] = [];
    for (const month of periodMonths(period)) {
      answers.push(...(await answersOf(this.core.journal, this.saran.file, month, this.keptFrom())));
      if (answers.length > max) {
        throw new DomainError(
          'invalid',
          `the survey of ${period} has more than ${max} respondents, the most its tabulation is drawn for (survey.tabulationMaxRespondents): ask for one month, or CSV`,
          'period',
        );
      }
    }
    const tally = new SurveyTally();
    for (const a of answers) tally.add(a);
    return { recap: surveyRecap(period, tally), answers };
  }

  private keptFrom(): number {
    return saranKeptFrom(this.core.now(), this.saran.days);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest().subarray(0, 16).toString('base64url');
  }

  private verify(key: string, until: number, mac: string): boolean {
    const want = Buffer.from(this.mac(`token\n${key}\n${until}`));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

/** Epoch ms from which a saran is still kept at `now`, with retention.saranDays `days` (0: all). */
export function saranKeptFrom(now: number, days: number): number {
  return days === 0 ? 0 : now - days * DAY;
}

/** The months of a period, YYYY-MM or YYYY. */
function periodMonths(period: string): string[] {
  if (isValidMonth(period)) return [period];
  if (isValidYear(period)) return monthsOf(period);
  throw new DomainError('invalid', 'period must be YYYY-MM or YYYY', 'period');
}

/**
 * Every answer of a month, in the order they came, with the saran kept from `keptFrom` on: one
 * pass over the month's journal, then the saran files its answers point at (another month's,
 * for an answer journaled just after midnight at a month's end).
 */
async function answersOf(
  journal: Journal,
  saranFile: SaranFile,
  month: string,
  keptFrom: number,
): Promise<SurveyAnswers[]> {
  const out: (SurveyAnswers & { ref?: { month: string; id: string } })[] = [];
  for await (const batch of journal.readBatches({ month, types: ['survey.answered'] })) {
    for (const e of batch) {
      if (e.type !== 'survey.answered') continue;
      const { ratings, saranRef, saran } = e.payload;
      if (saranRef) out.push({ ratings, ref: saranRef });
      else if (saran && e.at >= keptFrom) out.push({ ratings, saran });
      else out.push({ ratings });
    }
  }
  const texts = new Map<string, string>();
  for (const m of new Set(out.flatMap((a) => (a.ref ? [a.ref.month] : [])))) {
    for (const r of await saranFile.read(m)) if (r.at >= keptFrom) texts.set(r.id, r.text);
  }
  return out.map(({ ratings, ref, saran }) => {
    const text = ref ? texts.get(ref.id) : saran;
    return text === undefined ? { ratings } : { ratings, saran: text };
  });
}

/**
 * The survey of a month or a year from the journal and the saran files, a month at a time: the
 * gateway's reports and the CLI's (which reads while the gateway runs) share it.
 */
export async function surveyFromJournal(
  journal: Journal,
  saranFile: SaranFile,
  period: string,
  keptFrom: number,
): Promise<SurveyRecap> {
  const tally = new SurveyTally();
  for (const month of periodMonths(period)) {
    for (const a of await answersOf(journal, saranFile, month, keptFrom)) tally.add(a);
  }
  return surveyRecap(period, tally);
}
