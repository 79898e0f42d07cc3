// The bounds of the HTTP edge that are not routes: how many sockets one address and all of
// them may hold, how long a socket may dawdle, and how big and deep a JSON body may be. Each
// bound is a key under http.limits; an attacker on the LAN must not be able to hold the file
// handles the journal and MQTT need, nor the main thread the doors need.
import type { Server } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { AddressRate } from '../service/address-rate.js';

export type HttpLimits = Config['http']['limits'];

/** Options for http.createServer: the timeouts Node checks itself. */
export function serverOptions(limits: HttpLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks both timeouts on this period (30 s by default): a tenth of the header
    // timeout keeps it close to what is configured, for a walk of the open sockets.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 10))),
  };
}

/** The reverse proxies of http.trustProxy, which carry many clients on one address. */
function proxyList(trustProxy: false | readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of trustProxy || []) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** "::ffff:10.0.0.5" and "10.0.0.5" are one client. */
function plainAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/**
 * Caps open sockets overall (Node closes the one over `maxConnections` itself), and per remote
 * address both open sockets and new ones a second (closed here, before a byte is read). A
 * socket over a cap is destroyed without an answer: writing one would be work done for the
 * attacker.
 */
export function capConnections(
  server: Server,
  limits: HttpLimits,
  trustProxy: false | readonly string[],
): void {
  server.maxConnections = limits.maxConnections;
  const proxies = proxyList(trustProxy);
  const open = new Map<string, number>();
  const rate = new AddressRate(limits.connectionRatePerAddress);
  server.on('connection', (socket: Socket) => {
    const address = plainAddress(socket);
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) && proxies.check(address, family)) return;
    const n = (open.get(address) ?? 0) + 1;
    if (n > limits.maxConnectionsPerAddress || !rate.take(address)) {
      socket.destroy();
      return;
    }
    open.set(address, n);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/**
 * The depth of the deepest object or array in a JSON text, stopping as soon as it passes
 * `max`: a linear scan that allocates nothing, so a deep body costs no more than its bytes.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

export class BodyTooDeep extends Error {
  readonly statusCode = 400;
  readonly code = 'body_too_deep';
}

/**
 * JSON bodies: at most `bodyBytes` (fastify answers 413 before reading further) and at most
 * `jsonDepth` levels, checked before JSON.parse; then fastify's own parser, which refuses
 * `__proto__` and `constructor` keys.
 */
export function boundJsonBodies(app: FastifyInstance, limits: HttpLimits): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: limits.bodyBytes },
    (req: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonDepthExceeds(text, limits.jsonDepth)) {
        done(
          new BodyTooDeep(`the JSON body is nested deeper than http.limits.jsonDepth (${limits.jsonDepth})`),
          undefined,
        );
        return;
      }
      parse(req, text, done);
    },
  );
}

/**
 * A request no route matches is answered 404 in onRequest, before its body is read or
 * parsed: an unknown path costs the headers only.
 */
export function notFoundBeforeBody(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.routeOptions.url !== undefined) return;
    // The unread rest of a body is not worth reading: the socket closes after the answer.
    if (req.headers['content-length'] || req.headers['transfer-encoding'])
      reply.header('connection', 'close');
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}
