// The embedded broker (aedes): TCP on mqtt.host:port (loopback by default), TLS and MQTT
// over WebSocket when configured. Every client authenticates with its own credentials
// (users.ts); acl.ts decides what it may publish, subscribe and receive (a publication it
// may not make is acknowledged and dropped, as Mosquitto does; a flood of them disconnects). No anonymous
// client, no `$`-topic published, no retained command; drainTimeout, maxTopicLevels,
// queueLimit, a connection cap and a keepalive limit keep one frozen or hostile client
// from stalling the rest. The gateway itself connects in process, through a stream pair,
// with a secret made at start.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import {
  Aedes,
  type AedesPublishPacket,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../service/metrics.js';
import type { GateRefusal, PasswordGate } from '../service/password-gate.js';
import { TokenBuckets } from '../service/token-buckets.js';
import { Acl, COMMAND_KINDS, type Principal } from './acl.js';
import { guardPacketSize } from './packet-guard.js';
import type { Rejections, RejectReason } from './rejects.js';
import { filterMatches, type Topics } from './topics.js';
import type { MqttUsers } from './users.js';

/** The user name of the gateway's own in-process client (not a valid user name of the file). */
export const GATEWAY_USERNAME = '$pintu-gateway';

export interface BrokerOptions {
  config: Config['mqtt'];
  topics: Topics;
  users: MqttUsers;
  log: Logger;
  metrics: Metrics['mqtt'];
  rejections: Rejections;
  /** The gateway's password throttles (shared with HTTP logins): applied before any hash. */
  gate: PasswordGate;
}

export interface Listening {
  kind: 'tcp' | 'tls' | 'ws' | 'wss';
  host: string;
  port: number;
}

function duplexPair(): [Duplex, Duplex] {
  let a: Duplex | undefined;
  let b: Duplex | undefined;
  const make = (other: () => Duplex | undefined) =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        other()?.push(chunk);
        cb();
      },
      final(cb) {
        other()?.push(null);
        cb();
      },
      destroy(err, cb) {
        const o = other();
        if (o && !o.destroyed) o.destroy();
        cb(err);
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

export class EmbeddedBroker {
  readonly aedes: Aedes;
  readonly listening: Listening[] = [];
  private readonly servers: Array<net.Server | http.Server> = [];
  private readonly wss: WebSocketServer[] = [];
  private readonly principals = new Map<Client, Principal>();
  private readonly secret = randomBytes(32).toString('base64url');
  /** Server ends of the in-process connections: only these may log in as the gateway. */
  private readonly internal = new WeakSet<object>();
  /**
   * The peer address of each connection, taken when it is accepted: a WebSocket stream has
   * none of its own, so it is the upgrade request's socket address (never a forwarded header).
   */
  private readonly addresses = new WeakMap<object, string>();
  /** Open client connections per peer address (mqtt.limits.connectionsPerAddress). */
  private readonly perAddress = new Map<string, number>();
  /** The last will each connecting client asked for, checked once its login is known. */
  private readonly wills = new WeakMap<Client, { topic: string; retain: boolean }>();
  private readonly acl: Acl;
  /** Who published each facilities command, for the journal: FIFO per topic and payload. */
  private readonly publishers: Array<{ topic: string; payload: string; principal: Principal; at: number }> =
    [];
  /**
   * Publications refused by the ACL but acknowledged: aedes acks a packet once authorizePublish
   * passes it, and routes it through aedes.publish, which lets these through to nobody.
   */
  private readonly dropped = new WeakSet<object>();
  /** Refused publications per client id: mqtt.limits.refusedPublishesPerMinute, as many at once. */
  private readonly refusedRate: TokenBuckets;

  private constructor(
    private readonly opts: BrokerOptions,
    aedes: Aedes,
  ) {
    this.aedes = aedes;
    this.acl = new Acl(opts.topics);
    const perMinute = opts.config.limits.refusedPublishesPerMinute;
    this.refusedRate = new TokenBuckets({ burst: perMinute, perSecond: perMinute / 60 }, Date.now, 10_000);
  }

  static async start(opts: BrokerOptions): Promise<EmbeddedBroker> {
    const c = opts.config;
    const aedes = await Aedes.createBroker({
      drainTimeout: c.limits.drainTimeoutMs,
      maxTopicLevels: c.limits.maxTopicLevels,
      queueLimit: c.limits.queueLimit,
      connectTimeout: c.limits.connectTimeoutMs,
      keepaliveLimit: c.limits.keepaliveLimitSeconds,
      maxClientsIdLength: 64,
    });
    const broker = new EmbeddedBroker(opts, aedes);
    broker.hook();
    try {
      await broker.listen();
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  /** Credentials of the gateway's in-process client. */
  get gatewayCredentials(): { username: string; password: string } {
    return { username: GATEWAY_USERNAME, password: this.secret };
  }

  /** A new in-process connection for the gateway's client. */
  connectInternal(): Duplex {
    const [client, server] = duplexPair();
    this.internal.add(server);
    this.aedes.handle(server);
    return client;
  }

  /**
   * The client that published a facilities command with this topic and payload (the oldest
   * not yet claimed, within 5 s). Messages of one topic reach the gateway in order.
   */
  publisherOf(topic: string, payload: string): Principal | undefined {
    const now = Date.now();
    while (this.publishers.length && now - this.publishers[0]!.at > 5000) this.publishers.shift();
    const i = this.publishers.findIndex((p) => p.topic === topic && p.payload === payload);
    if (i < 0) return undefined;
    return this.publishers.splice(i, 1)[0]!.principal;
  }

  /** Clients connected now, by principal (tests, diagnostics). */
  clients(): Array<{ id: string; username: string; role: string }> {
    return [...this.principals].map(([c, p]) => ({ id: c.id, username: p.username, role: p.role }));
  }

  private hook(): void {
    const { aedes, opts } = this;
    const { rejections, metrics, log, users, config } = opts;
    const addr = (client: Client) => this.addresses.get(client.conn) ?? 'local';

    // aedes has no "acknowledge but do not route": its publish handler acks the packet, then
    // hands it to aedes.publish (subscribers, the retained store, the `publish` event). A packet
    // authorizePublish marked as dropped ends here, acknowledged and delivered to no one.
    const route = aedes.publish.bind(aedes) as (...args: unknown[]) => void;
    (aedes as unknown as { publish: (...args: unknown[]) => void }).publish = (...args: unknown[]) => {
      const packet = args[0];
      const done = args.at(-1);
      if (typeof packet === 'object' && packet !== null && this.dropped.has(packet)) {
        this.dropped.delete(packet);
        if (typeof done === 'function') done();
        return;
      }
      route(...args);
    };

    aedes.preConnect = (client, packet, done) => {
      if (packet.will)
        this.wills.set(client, { topic: packet.will.topic, retain: packet.will.retain === true });
      done(null, true);
    };

    aedes.authenticate = (client, username, password, done) => {
      const refuse = (why: string, code: 2 | 3 | 4 | 5, reason: RejectReason = 'auth') => {
        rejections.reject(reason, 'connect', {
          address: addr(client),
          username: username ?? null,
          detail: why,
        });
        const err = new Error(why) as AuthenticateError;
        (err as { returnCode: number }).returnCode = code;
        done(err, false);
      };
      if (username === undefined || password === undefined)
        return refuse('no credentials (anonymous clients are refused)', 5);
      const pw = password.toString('utf8');
      if (username === GATEWAY_USERNAME) {
        const a = Buffer.from(pw);
        const b = Buffer.from(this.secret);
        const ok = a.length === b.length && timingSafeEqual(a, b) && this.internal.has(client.conn);
        if (!ok) return refuse('bad user name or password', 4);
        this.principals.set(client, { role: 'gateway', username });
        return done(null, true);
      }
      // Refusals that cost nothing come before any look at the password.
      // The client id is bound to the login: the user name itself or `<user name>-...`, so no
      // login can take over (and so cut off) another device's session or the gateway's, even
      // while that device is offline.
      if (!clientIdBound(username, client.id) || client.id.startsWith('pintu-gateway')) {
        return refuse(
          `client id "${client.id.slice(0, 64)}" is not bound to this login (use "${username}" or "${username}-...")`,
          2,
          'client_id',
        );
      }
      // The gateway's own connections are not counted: a full broker never shuts it out.
      const others = [...this.principals].filter(([c, p]) => p.role !== 'gateway' && c !== client);
      if (others.length >= config.limits.maxClients) {
        return refuse('too many clients (mqtt.limits.maxClients)', 3, 'connections');
      }
      const from = addr(client);
      const admit = (principal: Principal) => {
        // One login, a few connections: a reconnect under the same client id replaces its
        // session and is not counted.
        const held = [...this.principals].filter(
          ([c, p]) => c !== client && c.id !== client.id && p.username === principal.username,
        ).length;
        if (held >= config.limits.connectionsPerUser) {
          return refuse(
            'too many connections of this login (mqtt.limits.connectionsPerUser)',
            3,
            'connections',
          );
        }
        // A last will is a publication made later, when the connection drops: it must be one
        // the login may make, and never a command (a LOCKDOWN or UNLOCK left to fire at will).
        const will = this.wills.get(client);
        if (will) {
          const route = opts.topics.parse(will.topic);
          if (
            (route && COMMAND_KINDS.has(route.kind)) ||
            !this.acl.canPublish(principal, will.topic, will.retain).ok
          ) {
            return refuse(`last will on "${will.topic.slice(0, 120)}" refused`, 5, 'will');
          }
        }
        this.principals.set(client, principal);
        done(null, true);
      };
      // A refusal the gate makes now costs nothing more: no look at the user file, no hash. A
      // device that logged in before is not held back by it (below, once the file is fresh).
      const early = users.known(username, pw) ? undefined : opts.gate.refuses(from, username);
      // Busy: CONNACK 3 (server unavailable, try later); throttled: 5 (not authorised).
      const gated = (reason: GateRefusal) =>
        reason === 'busy'
          ? refuse('too many logins at once', 3)
          : refuse('too many failed logins from this address', 5);
      if (early) return gated(early.reason);
      users
        .refresh()
        .then(async (gone) => {
          this.dropUsers(gone);
          // A device that logged in before reconnects without a hash, ahead of the throttles:
          // a flood of wrong passwords does not keep the real controllers out.
          const known = users.known(username, pw);
          if (known) return admit(known);
          let principal: Principal | undefined;
          const r = await opts.gate.attempt(from, username, async () => {
            principal = await users.verify(username, pw);
            return principal !== undefined;
          });
          if (r.outcome === 'ok' && principal) return admit(principal);
          if (r.outcome === 'refused') return gated(r.reason);
          return refuse('bad user name or password', 4);
        })
        .catch((err: unknown) => {
          log.error({ err }, 'mqtt: user file unreadable');
          refuse('user file unreadable', 5);
        });
    };

    aedes.authorizePublish = (client, packet, done) => {
      const p = client ? this.principals.get(client) : undefined;
      if (!client || !p) return done(new Error('not authenticated'));
      const route = opts.topics.parse(packet.topic);
      const verdict = this.acl.canPublish(p, packet.topic, packet.retain);
      if (!verdict.ok) {
        rejections.reject(verdict.reason, route?.kind ?? 'other', {
          username: p.username,
          topic: packet.topic.slice(0, 120),
          retain: packet.retain,
        });
        // As Mosquitto does: acknowledged (PUBACK, or PUBREC then PUBCOMP) and dropped, so a
        // device that publishes one stray topic (ESPHome's discover_ip) is not cut off and
        // reconnecting in a loop. Only a flood of them is abuse, and closes the connection.
        if (!this.refusedRate.take(client.id)) {
          rejections.reject('rate', 'publish', {
            username: p.username,
            client: client.id,
            detail: `more than ${config.limits.refusedPublishesPerMinute} refused publications a minute (mqtt.limits.refusedPublishesPerMinute): disconnected`,
          });
          return done(new Error(`publish refused: ${verdict.reason}, too many refused publications`));
        }
        this.dropped.add(packet);
        return done(null);
      }
      if ((route?.kind === 'door.set' || route?.kind === 'door.ha_set') && p.role !== 'gateway') {
        this.publishers.push({
          topic: packet.topic,
          payload: Buffer.from(packet.payload).toString('utf8'),
          principal: p,
          at: Date.now(),
        });
        if (this.publishers.length > 1000) this.publishers.shift();
      }
      done(null);
    };

    aedes.authorizeSubscribe = (client, sub: Subscription, done) => {
      const p = this.principals.get(client);
      if (!p) return done(new Error('not authenticated'));
      const verdict = this.acl.canSubscribe(p, sub.topic);
      if (!verdict.ok) {
        rejections.reject(verdict.reason, 'subscribe', {
          username: p.username,
          filter: sub.topic.slice(0, 120),
        });
        return done(null, null); // SUBACK 0x80 for this filter, the connection stays
      }
      done(null, sub);
    };

    aedes.authorizeForward = (client, packet: AedesPublishPacket) => {
      const p = this.principals.get(client);
      if (!p || !this.acl.canReceive(p, packet.topic)) return null;
      // A client that does not read (its socket full, waiting for a drain) is sent nothing more
      // until it drains. aedes completes a message only when every delivery is written, and runs
      // a bounded number of messages at once: each delivery to a frozen reader would hold a slot
      // until drainTimeoutMs, and a few hundred of them queue every tap and unlock behind it.
      // This way it holds one at most; drainTimeoutMs then disconnects it.
      if (p.role !== 'gateway' && (client.conn as Duplex).writableNeedDrain) {
        rejections.reject('slow', 'deliver', { username: p.username, client: client.id });
        return null;
      }
      // aedes sends a retained message (the ones a new subscription gets) at the message's own
      // QoS unless a subscription on exactly its topic is lower, so a QoS 0 wildcard
      // subscription got QoS 1. [MQTT-3.3.5-1]: the lower of the message's QoS and the
      // subscription's (of the client's subscriptions that match, the highest).
      if (packet.retain && packet.qos > 0) {
        const granted = grantedQos(client, packet.topic);
        if (granted !== undefined && granted < packet.qos) return { ...packet, qos: granted };
      }
      return packet;
    };

    aedes.on('clientReady', () => metrics.brokerClients.set(aedes.connectedClients));
    aedes.on('clientDisconnect', (client) => {
      this.principals.delete(client);
      metrics.brokerClients.set(aedes.connectedClients);
    });
    aedes.on('clientError', (client, err) => {
      log.debug({ client: client?.id, err: err.message }, 'mqtt broker: client error');
      if (client && !client.connected) this.principals.delete(client);
    });
    aedes.on('connectionError', (client, err) => {
      log.debug({ client: client?.id, err: err.message }, 'mqtt broker: connection error');
      if (client) this.principals.delete(client);
    });
  }

  /** Close the sessions of users removed from the file. */
  private dropUsers(gone: string[]): void {
    if (!gone.length) return;
    for (const [client, p] of this.principals) {
      if (gone.includes(p.username)) {
        this.opts.log.info({ username: p.username }, 'mqtt: user removed, session closed');
        client.close();
        this.principals.delete(client);
      }
    }
  }

  private async listen(): Promise<void> {
    const c = this.opts.config;
    const max = c.limits.maxPacketBytes;
    // Every client connection goes through here (never the gateway's in-process ones): its
    // address is noted and its packets are held to mqtt.limits.maxPacketBytes.
    const handle = (conn: Duplex, address: string | undefined, req?: http.IncomingMessage) => {
      const peer = address ?? 'unknown';
      // An address the password gate refuses now (throttled, or failed and its checks in flight
      // already) would only be refused after its CONNECT: close it at once, before aedes spends
      // a parser, a client and a CONNACK on it.
      if (address && this.opts.gate.refusesAddress(address)) {
        this.opts.rejections.reject('auth', 'connect', {
          address: peer,
          detail: 'too many failed logins from this address (auth.addressFailures, auth.perAddressPending)',
        });
        conn.destroy();
        return;
      }
      const open = this.perAddress.get(peer) ?? 0;
      if (open >= c.limits.connectionsPerAddress) {
        // Before aedes sees it: no parser, no timer, the file handle back at once.
        this.opts.rejections.reject('connections', 'connect', {
          address: peer,
          detail: 'too many connections from this address (mqtt.limits.connectionsPerAddress)',
        });
        conn.destroy();
        return;
      }
      this.perAddress.set(peer, open + 1);
      conn.once('close', () => {
        const left = (this.perAddress.get(peer) ?? 1) - 1;
        if (left > 0) this.perAddress.set(peer, left);
        else this.perAddress.delete(peer);
      });
      if (address) this.addresses.set(conn, address);
      this.aedes.handle(conn, req);
      guardPacketSize(conn, max, (claimed) => {
        this.opts.rejections.reject('too_large', 'packet', {
          address: address ?? 'unknown',
          detail: `a packet of ${Number.isFinite(claimed) ? claimed : 'malformed'} bytes (mqtt.limits.maxPacketBytes: ${max})`,
        });
        conn.destroy(new Error('packet too large'));
      });
    };
    const onSocket = (socket: net.Socket) => handle(socket, socket.remoteAddress);
    const tlsFiles =
      c.tls.cert && c.tls.key
        ? {
            cert: readFileSync(c.tls.cert),
            key: readFileSync(c.tls.key),
            ...(c.tls.ca ? { ca: readFileSync(c.tls.ca) } : {}),
          }
        : undefined;

    await this.serve(net.createServer(onSocket), 'tcp', c.host, c.port);
    if (tlsFiles)
      await this.serve(
        tls.createServer({ ...tlsFiles, minVersion: 'TLSv1.2' }, onSocket),
        'tls',
        c.tls.host ?? c.host,
        c.tls.port,
      );
    if (c.websocket.port !== undefined) {
      const secure = c.websocket.tls;
      if (secure && !tlsFiles) throw new Error('mqtt.websocket.tls needs mqtt.tls.cert and mqtt.tls.key');
      const server =
        secure && tlsFiles ? https.createServer({ ...tlsFiles, minVersion: 'TLSv1.2' }) : http.createServer();
      server.on('request', (_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
      });
      const wss = new WebSocketServer({ server, path: c.websocket.path, maxPayload: 64 * 1024 });
      wss.on('connection', (ws, req) => handle(createWebSocketStream(ws), req.socket.remoteAddress, req));
      this.wss.push(wss);
      await this.serve(server, secure ? 'wss' : 'ws', c.websocket.host ?? c.host, c.websocket.port);
    }
  }

  private serve(
    server: net.Server | http.Server,
    kind: Listening['kind'],
    host: string,
    port: number,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? 'the address is in use (another broker? set mqtt.port, or mqtt.mode external or off)'
            : err.message;
        reject(new Error(`mqtt broker: cannot listen (${kind}) on ${host}:${port}: ${why}`));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        const a = server.address() as net.AddressInfo;
        this.listening.push({ kind, host: a.address, port: a.port });
        this.servers.push(server);
        this.opts.log.info({ kind, host: a.address, port: a.port }, 'mqtt broker listening');
        resolve();
      });
    });
  }

  /** Publish as the broker itself (no client): tests and diagnostics only. */
  publish(packet: Pick<PublishPacket, 'topic' | 'payload' | 'qos' | 'retain'>): Promise<void> {
    return new Promise((resolve, reject) =>
      this.aedes.publish({ cmd: 'publish', dup: false, ...packet } as PublishPacket, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    // Let what was just published (the gateway's "offline") reach the clients first.
    const deadline = Date.now() + 500;
    await new Promise((r) => setTimeout(r, 20));
    while (
      Date.now() < deadline &&
      [...this.principals.keys()].some((c) => (c.conn as net.Socket).writableLength > 0)
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const w of this.wss) {
      for (const ws of w.clients) ws.terminate();
      w.close();
    }
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            (s as http.Server).closeAllConnections?.();
            s.close(() => resolve());
          }),
      ),
    );
    this.principals.clear();
    this.opts.metrics.brokerClients.set(0);
  }
}

/** The highest QoS of the client's subscriptions that match this topic (none: undefined). */
function grantedQos(client: Client, topic: string): 0 | 1 | 2 | undefined {
  // Client.subscriptions (filter -> {qos}) is aedes's, left out of its type declarations.
  const subs = (client as unknown as { subscriptions?: Record<string, { qos: 0 | 1 | 2 }> }).subscriptions;
  let best: 0 | 1 | 2 | undefined;
  for (const [filter, sub] of Object.entries(subs ?? {}))
    if (filterMatches(filter, topic) && (best === undefined || sub.qos > best)) best = sub.qos;
  return best;
}

/** Is this client id bound to this login: the user name itself, or `<user name>-` and more? */
export function clientIdBound(username: string, clientId: string): boolean {
  return clientId === username || clientId.startsWith(`${username}-`);
}
