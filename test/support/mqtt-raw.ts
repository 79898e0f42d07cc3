// MQTT 3.1.1 packets written by hand, for clients that misbehave on purpose (the siege's
// attackers, the MQTT edge tests): a client library would not send a header that lies about
// its length, nor stop reading its socket.
import net from 'node:net';

/** The variable-length "remaining length" of a fixed header (1 to 4 bytes, at most 268,435,455). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const utf8 = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** CONNECT, clean session, with a user name and password. */
export function connectPacket(o: {
  clientId: string;
  username: string;
  password: string;
  keepalive?: number;
}) {
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepalive ?? 60);
  const variable = Buffer.concat([utf8('MQTT'), Buffer.from([4, 0b1100_0010]), keepalive]);
  const payload = Buffer.concat([utf8(o.clientId), utf8(o.username), utf8(o.password)]);
  const body = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** SUBSCRIBE to one filter or several, all at `qos`. */
export function subscribePacket(id: number, filters: string | string[], qos: 0 | 1 | 2): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  const each = (Array.isArray(filters) ? filters : [filters]).map((f) =>
    Buffer.concat([utf8(f), Buffer.from([qos])]),
  );
  const body = Buffer.concat([pid, ...each]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/**
 * A socket to host:port (from localAddress when given) that has sent `first`; resolves with
 * the first byte answered (0x20 = CONNACK; its return code is byte 3), or undefined when the
 * socket closed, failed or timed out first. The socket is ended either way unless keep.
 */
export function connectOnce(o: {
  port: number;
  host?: string;
  localAddress?: string;
  packet: Buffer;
  timeoutMs: number;
  keep?: (socket: net.Socket) => void;
}): Promise<{ connack: boolean; code?: number }> {
  return new Promise((resolve) => {
    const socket = net.connect({
      port: o.port,
      host: o.host ?? '127.0.0.1',
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    let done = false;
    const finish = (r: { connack: boolean; code?: number }, keep = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (keep && o.keep) o.keep(socket);
      else socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ connack: false }), o.timeoutMs);
    socket.on('error', () => finish({ connack: false }));
    socket.on('close', () => finish({ connack: false }));
    socket.on('connect', () => socket.write(o.packet));
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got[0] === 0x20) finish({ connack: true, code: got[3]! }, got[3] === 0);
    });
  });
}

/** CONNECT of MQTT 3.1.1 with each field a device may set (a last will, the clean-session flag). */
export function connect311(o: {
  clientId: string;
  username?: string;
  password?: string;
  keepalive: number;
  clean: boolean;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean };
}): Buffer {
  let flags = o.clean ? 0x02 : 0;
  if (o.will) flags |= 0x04 | (o.will.qos << 3) | (o.will.retain ? 0x20 : 0);
  if (o.password !== undefined) flags |= 0x40;
  if (o.username !== undefined) flags |= 0x80;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepalive);
  const body = Buffer.concat([
    utf8('MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    utf8(o.clientId),
    ...(o.will ? [utf8(o.will.topic), utf8(o.will.payload)] : []),
    ...(o.username !== undefined ? [utf8(o.username)] : []),
    ...(o.password !== undefined ? [utf8(o.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** PUBLISH; `id` is required for QoS 1 and 2. */
export function publishPacket(o: {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  id?: number;
}): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(o.id ?? 0);
  const body = Buffer.concat([utf8(o.topic), ...(o.qos > 0 ? [pid] : []), Buffer.from(o.payload, 'utf8')]);
  const first = 0x30 | (o.qos << 1) | (o.retain ? 1 : 0);
  return Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);
}

/** A two-byte acknowledgement: PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70. */
export function ackPacket(first: 0x40 | 0x50 | 0x62 | 0x70, id: number): Buffer {
  return Buffer.from([first, 2, id >> 8, id & 0xff]);
}

export const PINGREQ = Buffer.from([0xc0, 0]);

/** A packet as it came off the wire: its type (high nibble), flags (low nibble) and body. */
export interface RawPacket {
  type: number;
  flags: number;
  body: Buffer;
}

/** The topic, packet id (QoS > 0), QoS, retain flag and payload of a PUBLISH. */
export function decodePublish(p: RawPacket): {
  topic: string;
  id?: number;
  qos: number;
  retain: boolean;
  payload: string;
} {
  const len = p.body.readUInt16BE(0);
  const topic = p.body.subarray(2, 2 + len).toString('utf8');
  const qos = (p.flags >> 1) & 3;
  const at = 2 + len;
  return {
    topic,
    qos,
    retain: (p.flags & 1) === 1,
    ...(qos > 0 ? { id: p.body.readUInt16BE(at) } : {}),
    payload: p.body.subarray(qos > 0 ? at + 2 : at).toString('utf8'),
  };
}

/**
 * A client that speaks MQTT byte by byte: what it sends is exactly what the test wrote; what
 * it receives is split into packets, read in order with `next` (which fails once the broker
 * closes the connection, so a test that waits for an answer learns it was cut off).
 */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly queue: RawPacket[] = [];
  private waiter: (() => void) | undefined;
  /** Every packet received, in order. */
  readonly received: RawPacket[] = [];
  /** Called on each packet as it arrives (a device's immediate answers, such as its acks). */
  readonly listeners: Array<(p: RawPacket) => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.data(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(...packets: Buffer[]): void {
    for (const p of packets) this.socket.write(p);
  }

  /** The next packet received that `match` accepts (the others before it are skipped). */
  async next(what: string, match: (p: RawPacket) => boolean): Promise<RawPacket> {
    for (;;) {
      const i = this.queue.findIndex(match);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`the broker closed the connection before ${what}`);
      await new Promise<void>((r) => {
        this.waiter = r;
      });
      this.waiter = undefined;
    }
  }

  /** The next PUBLISH on this topic. */
  async nextPublish(topic: string): Promise<ReturnType<typeof decodePublish>> {
    const p = await this.next(
      `a PUBLISH on ${topic}`,
      (x) => x.type === 3 && decodePublish(x).topic === topic,
    );
    return decodePublish(p);
  }

  /** The next packet of this type answering packet id `id` (PUBACK, PUBREC, PUBCOMP, SUBACK). */
  nextAck(type: number, id: number): Promise<RawPacket> {
    return this.next(
      `packet type ${type} for id ${id}`,
      (x) => x.type === type && x.body.readUInt16BE(0) === id,
    );
  }

  end(): void {
    this.socket.destroy();
  }

  private data(d: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, d]);
    for (;;) {
      if (this.buffered.length < 2) break;
      let len = 0;
      let mul = 1;
      let i = 1;
      let complete = false;
      while (i < this.buffered.length && i <= 4) {
        const b = this.buffered[i]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        i++;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || this.buffered.length < i + len) break;
      const first = this.buffered[0]!;
      const packet = { type: first >> 4, flags: first & 0x0f, body: this.buffered.subarray(i, i + len) };
      this.buffered = this.buffered.subarray(i + len);
      this.received.push(packet);
      this.queue.push(packet);
      for (const l of this.listeners) l(packet);
    }
    this.waiter?.();
  }
}
