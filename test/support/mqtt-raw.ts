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
