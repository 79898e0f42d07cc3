// The satisfaction survey (Survei Kepuasan Masyarakat): a visit's one-time token, given to the
// desk tablet at checkout or printed as a QR link, and the anonymous answer it lets in.
//
// Anonymous but one per visit: the token is `<key>.<until>.<mac>`, where `key` is a keyed hash
// of the visit id (the same visit always gets the same key, so asking twice gives the same
// token) and `mac` signs key and end. The answer is journaled with the key only, never the
// visit or guest id; linking the two back needs the gateway's secret key and the visit ids.
// The computation (IKM) is domain/survey.ts; the recap reads the journal's answers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { SurveyAnswered } from '../domain/events.js';
import { checkSurveyAnswers } from '../domain/survey.js';
import type { Core } from './core.js';

export interface SurveyLimits {
  /** config survey.tokenDays */
  tokenDays: number;
  /** config survey.saranMaxChars */
  saranMaxChars: number;
}

export interface SurveyToken {
  token: string;
  /** Epoch ms: answers are taken until then. */
  until: number;
}

const DAY = 86_400_000;

export class SurveyService {
  private readonly key: Buffer;

  constructor(
    private readonly core: Core,
    secret: Buffer,
    private readonly limits: SurveyLimits,
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

  /** Take one answer; the token is spent in the same write (a second one is refused). */
  answer(token: string, input: { ratings: Readonly<Record<string, number>>; saran?: string }): Promise<void> {
    this.check(token);
    const answers = checkSurveyAnswers(input, this.limits.saranMaxChars);
    return this.core.transact({ kind: 'system', id: 'survey' }, () => {
      // Checked again in the queue: two answers racing with one token, only the first is written.
      const { key, until } = this.check(token);
      const event: SurveyAnswered = { type: 'survey.answered', payload: { key, until, ...answers } };
      return { events: [event], result: () => undefined };
    });
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
