// Password and token hashing. Passwords: scrypt (N=2^14, r=8, p=5, 16-byte salt, 32-byte
// key), stored as `scrypt$N$r$p$salt$hash`; verification is constant-time. N=2^14, r=8, p=5 is
// one of the OWASP Password Storage Cheat Sheet's minimum settings (equivalent to N=2^17, p=1):
// its lanes run one after another in the same 16 MiB, where the N=2^15, p=1 used before needed
// 32 MiB and was below that minimum. A hash stored with other parameters verifies with its own. Tokens and session
// ids are 32 random bytes, so a plain sha256 of them is what is stored.
//
// scrypt runs on a thread of its own (scryptSync in one worker), never on libuv's thread pool:
// the pool is where the journal's fdatasync and every file write wait, and a flood of failed
// logins must not queue in front of them (issue 11). One thread: hashes run one at a time,
// leaving the other core to the event loop; how many may wait is the gate's business
// (password-gate.ts), before anything is hashed.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const N = 2 ** 14;
const R = 8;
const P = 5;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;
/** The parameters new hashes get, as node:crypto's scrypt takes them (benchmarks, tests). */
export const SCRYPT_PARAMS = { N, r: R, p: P, maxmem: MAXMEM } as const;

// Plain CommonJS evaluated in the worker: no module file to find under tsx or in dist/.
// On Linux the thread lowers its own priority to the lowest (nice 19): setpriority() on a
// thread id affects that thread only, so a flood of logins uses the CPU the door path leaves.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) require('node:os').setPriority(tid, 19);
} catch {}
parentPort.on('message', (job) => {
  try {
    const key = scryptSync(job.password, Buffer.from(job.salt), job.keylen, {
      N: job.n, r: job.r, p: job.p, maxmem: job.maxmem,
    });
    parentPort.postMessage({ id: job.id, key: new Uint8Array(key) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) });
  }
});
`;

interface Job {
  resolve: (key: Buffer) => void;
  reject: (err: Error) => void;
}

/**
 * The hashing thread: started by the first hash and stopped after `idleMs` without one, so an
 * idle gateway holds no isolate for it (about 12 MiB resident; issue 16), never keeping a
 * process up. A login after a quiet spell pays the thread's start, a few ms beside scrypt's own.
 */
class HashThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  idleMs = 30_000;

  get running(): boolean {
    return this.worker !== undefined;
  }

  derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      if (this.jobs.size === 1) worker.ref();
      worker.postMessage({
        id,
        password: password.normalize('NFKC'),
        salt: new Uint8Array(salt),
        n,
        r,
        p,
        keylen: KEYLEN,
        maxmem: MAXMEM,
      });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'pintu-scrypt' });
    worker.unref();
    worker.on('message', (m: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (this.jobs.size === 0) {
        worker.unref();
        this.stopWhenIdle(worker);
      }
      if (m.key) job.resolve(Buffer.from(m.key.buffer, m.key.byteOffset, m.key.byteLength));
      else job.reject(new Error(m.error ?? 'scrypt failed'));
    });
    const fail = (err: Error) => {
      // A dead thread fails what it had; the next hash starts a new one. A thread stopped
      // when idle had nothing, and the jobs now waiting are its successor's.
      if (this.worker !== worker) return;
      this.worker = undefined;
      const jobs = [...this.jobs.values()];
      this.jobs.clear();
      for (const j of jobs) j.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`scrypt thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.jobs.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

const thread = new HashThread();

/** How long the hashing thread stays up after its last hash (auth.hashThreadIdleSeconds). */
export function setHashThreadIdle(ms: number): void {
  thread.idleMs = ms;
}

/** Is the hashing thread up (tests: it is stopped when idle)? */
export function hashThreadRunning(): boolean {
  return thread.running;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await thread.derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await thread.derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a password nobody has, so an unknown user costs the same time as a wrong password. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEYLEN).toString('base64')}`;

export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A readable one-time password: 4 groups of 4 from an alphabet without look-alikes. */
export function newOneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += alphabet[randomInt(alphabet.length)];
  }
  return out;
}
