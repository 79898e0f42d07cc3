// The journal's side of its writer thread (journal-writer.ts): start it, send it requests and
// match the replies, stop it, and say loudly when it died. The thread only keeps the process
// alive while a request is in flight; an idle or stopped journal never holds it up.
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FROM_SOURCES, packageFile } from '../package-root.js';
import type { WriterError, WriterReply, WriterRequest } from './journal-writer.js';

/** Distributive Omit: a request as the journal makes it, before it gets its id. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;
export type ThreadRequest = Unnumbered<WriterRequest>;

/** The error a writer thread reported, rebuilt with its errno fields. */
export function systemError(e: WriterError): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(e.message);
  if (e.code !== undefined) err.code = e.code;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  return err;
}

/**
 * The thread's module: dist/journal-writer.js once built (an entry of the bundle). From the
 * sources (tests, benchmarks, the CLI in development) it is journal-writer.ts beside this one,
 * which a worker loads only once tsx's loader is registered in it: a worker does not take it
 * from the parent, nor, on Node 20, from `--import` in its execArgv.
 */
function workerSource(): { script: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!FROM_SOURCES) return { script: pathToFileURL(packageFile('dist', 'journal-writer.js')), eval: false };
  const body = JSON.stringify(new URL('./journal-writer.ts', here).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return { script: `import(${tsx}).then((tsx) => { tsx.register(); return import(${body}); });`, eval: true };
}

interface Waiter {
  resolve: (reply: WriterReply) => void;
  reject: (err: Error) => void;
}

export class JournalThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  // Why the thread died (an uncaught error in it), reported with its exit.
  #crash: Error | undefined;
  #exited = false;
  #stopping: Promise<void> | undefined;
  #onCrash: (err: Error) => void = () => {};

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /**
   * Start the thread and wait until it serves requests, so that a thread that cannot start
   * fails the journal's open. `onCrash` is told once if the thread dies before stop().
   */
  static start(onCrash: (err: Error) => void): Promise<JournalThread> {
    const source = workerSource();
    const worker = new Worker(source.script, { name: 'pintu-journal-writer', eval: source.eval });
    const thread = new JournalThread(worker);
    return new Promise((resolve, reject) => {
      const settle = () => {
        worker.off('message', ready);
        worker.off('error', failed);
        worker.off('exit', exited);
      };
      const failed = (err: Error) => {
        settle();
        void worker.terminate();
        reject(new Error(`the journal writer thread did not start: ${err.message}`, { cause: err }));
      };
      const exited = (code: number) => failed(new Error(`exit code ${code}`));
      const ready = (reply: WriterReply) => {
        if (reply.id !== 0) return;
        settle();
        thread.#listen(onCrash);
        worker.unref();
        resolve(thread);
      };
      worker.on('message', ready);
      worker.on('error', failed);
      worker.on('exit', exited);
    });
  }

  #listen(onCrash: (err: Error) => void): void {
    this.#onCrash = onCrash;
    this.#worker.on('message', (reply: WriterReply) => {
      const waiter = this.#waiting.get(reply.id);
      if (!waiter) return;
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      waiter.resolve(reply);
    });
    this.#worker.on('error', (err) => {
      this.#crash = err;
    });
    this.#worker.on('messageerror', (err) => {
      this.#crash = err;
      void this.#worker.terminate();
    });
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      const err = new Error(
        `the journal writer thread ${this.#crash ? `crashed: ${this.#crash.message}` : `exited (code ${code})`}`,
        { cause: this.#crash },
      );
      for (const waiter of this.#waiting.values()) waiter.reject(err);
      this.#waiting.clear();
      if (this.#stopping === undefined) this.#onCrash(err);
    });
  }

  /** Serve one request; rejected only if the thread dies (or has died) before it answers. */
  request(req: ThreadRequest): Promise<WriterReply> {
    if (this.#exited || this.#stopping) {
      return Promise.reject(new Error('the journal writer thread is stopped'));
    }
    return this.#post(req);
  }

  #post(req: ThreadRequest): Promise<WriterReply> {
    const id = this.#nextId++;
    return new Promise<WriterReply>((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      // A write's bytes move to the thread rather than being copied (the caller made them
      // for this request alone).
      const transfer = req.op === 'write' ? [req.bytes.buffer as ArrayBuffer] : [];
      this.#worker.postMessage({ ...req, id }, transfer);
    });
  }

  /**
   * Close the file and end the thread (what was written is durable already). Rejects if
   * closing the file failed; the thread is ended either way. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#exited) return;
    let closeError: Error | undefined;
    try {
      const reply = await this.#post({ op: 'close' });
      if (!reply.ok) closeError = systemError(reply.error);
    } catch {
      // The thread died on the way out: it has nothing open any more.
    }
    await this.#worker.terminate();
    if (closeError) throw closeError;
  }
}
