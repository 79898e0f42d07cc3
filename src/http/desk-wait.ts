// The HTTP side of a wait for a desk tap (GET /desk/next-tap, POST /visits/:id/badge with
// nextTap): the reader the request names, the caller as a desk, the bound on waits held open at
// once per login and overall (http.limits.deskWaitsPerUser, http.limits.deskWaits), and the
// answer for each way a wait ends. A wait holds a socket for up to two minutes, so one login
// must not open hundreds; which screen gets a tap is the service's rule (service/desk-taps.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeskRead } from '../service/desk-taps.js';
import type { Gateway } from '../service/gateway.js';
import { sha256 } from '../service/passwords.js';
import { principalOf, SESSION_COOKIE } from './auth.js';

export interface DeskWaitLimits {
  deskWaitsPerUser: number;
  deskWaits: number;
}

export class DeskWaits {
  /** principal key -> waits open now. */
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly gateway: Gateway,
    private readonly limits: DeskWaitLimits,
  ) {}

  /**
   * The next tap on the reader `readerParam` names (or the only desk reader), or undefined
   * once an error answer is sent: 408 no tap in time, 409 reader_busy (another desk waits on
   * it) or superseded (this client asked again), 429 over a bound. Bad readers throw (field
   * `reader`) before anything waits.
   */
  async next(
    req: FastifyRequest,
    reply: FastifyReply,
    readerParam: string | undefined,
    seconds: number,
  ): Promise<DeskRead | undefined> {
    const desk = this.gateway.access.desk;
    const readerId = desk.resolve(readerParam);
    const p = principalOf(req);
    const user = `${p.actor.kind}:${p.actor.id}`;
    // One browser session (or one token) is one desk; the secret itself is not kept.
    const auth = req.headers.authorization;
    const secret = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (req.cookies?.[SESSION_COOKIE] ?? '');
    const client = { key: sha256(`${user}\u0000${secret}`), name: p.username ?? p.actor.id };
    const mine = this.open.get(user) ?? 0;
    // A desk asking again on its own reader replaces its wait: no more are open after it.
    const over = mine >= this.limits.deskWaitsPerUser || this.total >= this.limits.deskWaits;
    if (over && !desk.heldBy(readerId, client.key)) {
      const key = mine >= this.limits.deskWaitsPerUser ? 'deskWaitsPerUser' : 'deskWaits';
      void reply.code(429).send({
        error: 'too_many_waits',
        message: `too many waits for a desk tap ${key === 'deskWaits' ? 'on this gateway' : 'for this login'} (${key === 'deskWaits' ? this.total : mine} open, http.limits.${key}): close one first`,
      });
      return undefined;
    }
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    const start = desk.wait(readerId, client, seconds * 1000, abort.signal);
    if (start.kind === 'busy') {
      void reply.code(409).send({
        error: 'reader_busy',
        message: `desk reader "${readerId}" is in use by another desk (${start.by}, waiting for a tap since ${new Date(start.since).toISOString()}): choose this desk's own reader, or wait until that desk is done`,
        field: 'reader',
      });
      return undefined;
    }
    this.open.set(user, mine + 1);
    this.total++;
    try {
      const end = await start.end;
      if (end.kind === 'read') return end.read;
      if (end.kind === 'superseded') {
        void reply.code(409).send({
          error: 'superseded',
          message: `a newer request of this desk waits on desk reader "${readerId}" instead`,
          field: 'reader',
        });
      } else {
        // (aborted: the client is gone and reads nothing; the answer is only for form's sake)
        void reply
          .code(408)
          .send({ error: 'timeout', message: `no badge was tapped on desk reader "${readerId}"` });
      }
      return undefined;
    } finally {
      this.total--;
      const left = (this.open.get(user) ?? 1) - 1;
      if (left > 0) this.open.set(user, left);
      else this.open.delete(user);
    }
  }
}
