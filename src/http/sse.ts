// Server-Sent Events for the live feeds (the journal's and a host's): the headers, the
// heartbeat, the clean-up when the client goes, and the cap on streams held open at once by
// one user, token or host link (http.limits.sseStreamsPerUser). A stream holds a socket and a
// bus listener for as long as the client likes, so one login must not open thousands.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from './auth.js';

/** Comments every 15 s keep proxies and browsers from timing an idle feed out. */
const HEARTBEAT_MS = 15_000;

export interface SseStream {
  /** One event; `id` is what the client sends back as Last-Event-ID. */
  send(id: number, event: string, data: unknown): void;
  readonly raw: ServerResponse;
  /** Runs once when the client goes (or the server closes). */
  onClose(fn: () => void): void;
}

export class SseStreams {
  /** principal key -> streams open now. */
  private readonly open = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  /** Streams open now for one principal (for tests and metrics). */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /**
   * Opens a stream for the caller, or answers 429 and returns undefined when the caller
   * already holds `perUser` of them.
   */
  start(req: FastifyRequest, reply: FastifyReply): SseStream | undefined {
    const { actor } = principalOf(req);
    const key = `${actor.kind}:${actor.id}`;
    const n = this.count(key);
    if (n >= this.perUser) {
      void reply.code(429).send({
        error: 'too_many_streams',
        message: `${n} live feeds are open for this login (http.limits.sseStreamsPerUser): close one first`,
      });
      return undefined;
    }
    this.open.set(key, n + 1);
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    raw.once('close', () => {
      clearInterval(heartbeat);
      const left = this.count(key) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    });
    raw.write('retry: 2000\n\n');
    return {
      raw,
      send: (id, event, data) => raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      onClose: (fn) => raw.once('close', fn),
    };
  }
}
