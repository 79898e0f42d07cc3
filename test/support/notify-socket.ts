// A stand-in for systemd's notification socket: an AF_UNIX datagram socket (Node has none,
// so a small python3 process owns it) that records every message with the sender's pid
// (SO_PASSCRED, as PID 1 sees it). Received file descriptors (systemd-notify's BARRIER=1)
// are not accepted, so the kernel closes them and the sender's barrier completes, as it
// does when PID 1 processes the message.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RECEIVER = `
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": sys.argv[1]}), flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
    print(json.dumps({"text": msg.decode("utf-8", "replace"), "pid": pid}), flush=True)
`;

export interface NotifyMessage {
  /** The datagram: newline-separated assignments. */
  text: string;
  /** The sender's pid. */
  pid: number | null;
  /** When it arrived (performance.now()). */
  at: number;
}

export interface NotifySocket {
  path: string;
  messages: NotifyMessage[];
  /** Messages without systemd-notify's BARRIER=1 follow-ups. */
  assignments(): NotifyMessage[];
  waitFor(predicate: (m: NotifyMessage[]) => boolean, timeoutMs?: number): Promise<NotifyMessage[]>;
  close(): void;
}

export async function startNotifySocket(dir: string): Promise<NotifySocket> {
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: NotifyMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`notify receiver exited with ${code}`)));
    lines.on('line', (line) => {
      const m = JSON.parse(line) as { listening?: string; text?: string; pid?: number | null };
      if (m.listening) resolve();
      else messages.push({ text: m.text ?? '', pid: m.pid ?? null, at: performance.now() });
    });
  });
  const assignments = () => messages.filter((m) => m.text !== 'BARRIER=1');
  return {
    path,
    messages,
    assignments,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(assignments())) {
        if (Date.now() > deadline) {
          throw new Error(`timed out; got ${JSON.stringify(assignments().map((m) => m.text))}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return assignments();
    },
    close() {
      child.kill('SIGKILL');
    },
  };
}
