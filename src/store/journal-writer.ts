// The body of the journal's writer thread (journal-thread.ts starts it). It owns the open month
// file and does each batch's open, write and fdatasync synchronously, here, so that none of
// them waits in libuv's thread pool behind other work: password hashes filled that pool and
// held tap answers back for 38 s (issue 11). Requests are served one at a time, in order.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { errnoCode, fsyncDirSync, writeAllSync } from './fsync.js';

export type WriterRequest =
  /** Append `bytes` to `file` (opened first if it is not the open one) and fdatasync. */
  | { id: number; op: 'write'; file: string; bytes: Uint8Array }
  /** Cut `file` back to `size` and fdatasync, if it is the open file. */
  | { id: number; op: 'truncate'; file: string; size: number }
  | { id: number; op: 'close' };

/** A system error as it crosses threads: a cloned Error would keep only its message. */
export interface WriterError {
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
}

export type WriterStage = 'open' | 'write' | 'sync' | 'truncate' | 'close';

/**
 * `opened`: the request opened its file, which then had this many bytes (reported even when
 * the write after the open failed). id 0 is the thread's "ready" when it starts.
 */
export type WriterReply =
  | { id: number; ok: true; opened?: number }
  | { id: number; ok: false; stage: WriterStage; error: WriterError; opened?: number };

const FILE_MODE = 0o640;

let current: { file: string; fd: number } | undefined;

function errorOf(err: unknown): WriterError {
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, code: errnoCode(e), syscall: e.syscall, path: e.path };
}

/** Open `file` for appending (creating it durably), close the previous one; its size. */
function openFile(file: string): number {
  const previous = current;
  current = undefined;
  if (previous) closeSync(previous.fd);
  let fd: number;
  let created = true;
  try {
    fd = openSync(file, 'ax', FILE_MODE);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    created = false;
    fd = openSync(file, 'a', FILE_MODE);
  }
  try {
    // Also when it was there already: a process killed between creating it and this fsync left
    // an entry that is not durable, and appends made durable here would go with it at a power cut.
    // Once per month file and start.
    fsyncDirSync(path.dirname(file));
    const size = created ? 0 : fstatSync(fd).size;
    current = { file, fd };
    return size;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // The open's own error is the one to report.
    }
    throw err;
  }
}

function write(id: number, file: string, bytes: Uint8Array): WriterReply {
  let opened: number | undefined;
  let fd: number;
  try {
    if (current?.file !== file) opened = openFile(file);
    fd = current!.fd;
  } catch (err) {
    return { id, ok: false, stage: 'open', error: errorOf(err) };
  }
  try {
    writeAllSync(fd, bytes);
  } catch (err) {
    return { id, ok: false, stage: 'write', error: errorOf(err), opened };
  }
  try {
    fdatasyncSync(fd);
  } catch (err) {
    return { id, ok: false, stage: 'sync', error: errorOf(err), opened };
  }
  return { id, ok: true, opened };
}

function serve(req: WriterRequest): WriterReply {
  const { id } = req;
  switch (req.op) {
    case 'write':
      return write(id, req.file, req.bytes);
    case 'truncate':
      try {
        if (current?.file === req.file) {
          ftruncateSync(current.fd, req.size);
          fdatasyncSync(current.fd);
        }
        return { id, ok: true };
      } catch (err) {
        return { id, ok: false, stage: 'truncate', error: errorOf(err) };
      }
    case 'close':
      try {
        const fd = current?.fd;
        current = undefined;
        if (fd !== undefined) closeSync(fd);
        return { id, ok: true };
      } catch (err) {
        return { id, ok: false, stage: 'close', error: errorOf(err) };
      }
    default:
      // A request this thread does not know is a bug: crash, so the journal breaks loudly.
      throw new Error(`journal writer: unknown request ${JSON.stringify(req)}`);
  }
}

const port = parentPort;
if (!port) throw new Error('journal-writer runs only as the journal writer thread (journal-thread.ts)');
port.on('message', (req: WriterRequest) => port.postMessage(serve(req)));
port.postMessage({ id: 0, ok: true } satisfies WriterReply);
