// The serial binding the readers use: serialport's own Linux binding (open, termios, poller,
// write, close), with one change on the hot path. Stock serialport reads each chunk with
// fs.read, a round trip through libuv's thread pool after the poller has already said the
// descriptor is readable; on a 2-core Pi that hop is most of a line's latency and all of its
// tail. The descriptor is non-blocking (serialport opens it O_NONBLOCK), so reading it on the
// event loop with readSync costs a system call and can never block: it returns what is there
// or EAGAIN, on which we wait for the poller as the stock reader does.
//
// End of file (read returns 0) on a tty means it hung up: a pty whose other end went away, a
// carrier lost. Stock serialport retries that forever, at full speed; here it is a disconnect,
// which closes the port (`close` with `disconnected`) so the reader's reopen takes over.
import { readSync } from 'node:fs';
import {
  autoDetect,
  type BindingInterface,
  BindingsError,
  LinuxBinding,
  type LinuxOpenOptions,
  type LinuxPortBinding,
} from '@serialport/bindings-cpp';

type ReadResult = { buffer: Buffer; bytesRead: number };

/** errno codes after which the descriptor is dead (unplugged, closed under us). */
const GONE = new Set(['EBADF', 'ENXIO', 'EIO', 'ENODEV', 'UNKNOWN']);
const AGAIN = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

function readable(port: LinuxPortBinding): Promise<void> {
  return new Promise((resolve, reject) => {
    port.poller.once('readable', (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

function disconnect(message: string, cause?: unknown): Error {
  const err = new Error(message, { cause }) as Error & { disconnect: boolean };
  err.disconnect = true;
  return err;
}

/** One read from the event loop: what the descriptor holds, waiting on the poller if nothing. */
async function readNow(
  port: LinuxPortBinding,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<ReadResult> {
  for (;;) {
    const fd = port.fd;
    if (fd === null) throw new BindingsError('Port is not open', { canceled: true });
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, buffer, offset, length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (AGAIN.has(code)) {
        await readable(port);
        continue;
      }
      if (GONE.has(code)) throw disconnect(`serial read failed: ${code}`, err);
      throw err;
    }
    if (bytesRead > 0) return { buffer, bytesRead };
    throw disconnect('serial device hung up (end of file)');
  }
}

function readOnEventLoop(port: LinuxPortBinding): LinuxPortBinding {
  port.read = (buffer: Buffer, offset: number, length: number) => {
    if (buffer.length < offset + length) return Promise.reject(new Error('buffer is too small'));
    return readNow(port, buffer, offset, length);
  };
  return port;
}

/** serialport's Linux binding with reads on the event loop; elsewhere the stock binding. */
export const readerBinding: BindingInterface =
  process.platform === 'linux'
    ? {
        list: () => LinuxBinding.list(),
        open: async (options: LinuxOpenOptions) => readOnEventLoop(await LinuxBinding.open(options)),
      }
    : autoDetect();
