// The room controllers' command keys and the counters of their MACs (room-mac.ts).
//
// `<dataDir>/room-keys.json` (0600): one 32-byte key per room, written by `pintu mqtt-user add
// --role room`, read by the gateway (again whenever the file changes). A key never goes to a
// log, to MQTT or to HTTP: only its MACs do. A room with a key runs authenticated (its commands
// carry a MAC, its taps must); a room without one is a controller from before keys (a
// migration): it runs unauthenticated and /healthz calls it weak.
//
// `<dataDir>/room-counters.json` (0600): per room, the commands' counter and the last tap
// counter the gateway accepted, so neither repeats nor goes back across a restart. The
// command counter is reserved in blocks (one write per COMMAND_BLOCK commands; a restart skips
// what was reserved and not used), and a block starts at the time in ms when that is greater:
// with the clock right that alone keeps it above every counter sent before (commands average
// far under one per ms), also after a data folder restored from an older backup; the file is
// the floor for a clock that went back (a Pi without a real-time clock, at boot). The tap
// counter is saved at every accepted tap with the key it came with: a controller set up again
// (a new key) starts its taps from 1.
//
// The counters are decided in memory and written behind, on the thread pool, one write at a
// time (the latest state): a tap or a command never waits for the disk (DESIGN: the door path
// does no I/O). What a crash can lose is the last write in flight: a tap accepted in that
// instant could be replayed once after the restart; the command counter, only with the clock
// behind as well. A clean stop waits for the write (flush).
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../store/fsync.js';
import { ROOM_KEY_BYTES } from './room-mac.js';

interface KeysFile {
  version: 1;
  rooms: Record<string, { key: string; createdAt: number }>;
}

interface CountersFile {
  version: 1;
  /** tapKey: the key the tap counter belongs to (a new controller, with a new key, counts from 0). */
  rooms: Record<string, { cmd: number; tap: number; tapKey?: string }>;
}

export function roomKeysFile(dataDir: string): string {
  return join(dataDir, 'room-keys.json');
}

export function roomCountersFile(dataDir: string): string {
  return join(dataDir, 'room-counters.json');
}

/** Atomic and durable: a crash leaves the old file or the new one, never half of one. */
function writeDurably(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function readJson<T>(file: string, empty: T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : empty;
}

const RELOAD_MS = 1000;

export class RoomKeys {
  private keys = new Map<string, Buffer>();
  private stamp = '';
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly file: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.reload();
  }

  /**
   * Read the file again when it changed on disk (a key added while the gateway runs): looked at
   * at most once a second, so a burst of taps and commands costs one stat.
   */
  private reload(): void {
    const now = this.now();
    if (now - this.checkedAt < RELOAD_MS) return;
    this.checkedAt = now;
    let stamp = 'none';
    try {
      const st = statSync(this.file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    const doc = readJson<KeysFile>(this.file, { version: 1, rooms: {} });
    this.keys = new Map(Object.entries(doc.rooms).map(([room, r]) => [room, Buffer.from(r.key, 'hex')]));
  }

  /** The key of a room, or undefined: that room runs unauthenticated. */
  get(room: string): Buffer | undefined {
    this.reload();
    return this.keys.get(room);
  }

  /** A new key for a room, replacing its old one (a controller set up again); returned once. */
  static generate(file: string, room: string, now = Date.now()): Buffer {
    const doc = readJson<KeysFile>(file, { version: 1, rooms: {} });
    const key = randomBytes(ROOM_KEY_BYTES);
    doc.rooms[room] = { key: key.toString('hex'), createdAt: now };
    writeDurably(file, `${JSON.stringify(doc, null, 2)}\n`);
    return key;
  }
}

/** Reserved per write of the command counter. */
export const COMMAND_BLOCK = 1000;

export class RoomCounters {
  private readonly doc: CountersFile;
  /** Per room, the next command counter and the end of its reserved block. */
  private readonly cmd = new Map<string, { next: number; end: number }>();

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
    /** A write behind that failed (a full or missing folder): the next change writes again. */
    private readonly onWriteError: (err: unknown) => void = (err) =>
      process.emitWarning(`room counters not written: ${err instanceof Error ? err.message : String(err)}`),
  ) {
    this.doc = readJson<CountersFile>(file, { version: 1, rooms: {} });
  }

  private room(room: string): CountersFile['rooms'][string] {
    this.doc.rooms[room] ??= { cmd: 0, tap: 0 };
    return this.doc.rooms[room];
  }

  private writing: Promise<void> | undefined;
  private dirty = false;
  private saves = 0;

  /** Write the current state behind; a save asked during a write follows it with the latest. */
  private save(): void {
    this.dirty = true;
    if (this.writing) return;
    // Nobody awaits a write behind but flush(): its failure is reported here, never unhandled.
    this.writing = this.writeLoop()
      .catch(this.onWriteError)
      .finally(() => {
        this.writing = undefined;
      });
  }

  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const tmp = `${this.file}.${process.pid}.${++this.saves}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(this.doc)}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      // The rename is only durable once the folder is: a power cut must not bring back counters
      // a replayed tap would pass.
      await fsyncDir(dirname(this.file));
    }
  }

  /** The last state on disk (a clean stop). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The counter of the next command to a room: greater than every one sent before, restarts included. */
  nextCommand(room: string): number {
    let c = this.cmd.get(room);
    if (!c || c.next >= c.end) {
      const r = this.room(room);
      // Reserved on disk before use: after a crash, the counter resumes beyond the block.
      const next = Math.max(c?.next ?? r.cmd + 1, Math.floor(this.now()));
      r.cmd = next + COMMAND_BLOCK - 1;
      this.save();
      c = { next, end: r.cmd + 1 };
      this.cmd.set(room, c);
    }
    return c.next++;
  }

  /** The last tap counter accepted from a room's controller with this key (0: none yet). */
  lastTap(room: string, key: Buffer): number {
    const r = this.doc.rooms[room];
    return r && r.tapKey === keyId(key) ? r.tap : 0;
  }

  acceptTap(room: string, key: Buffer, ctr: number): void {
    const r = this.room(room);
    r.tap = ctr;
    r.tapKey = keyId(key);
    this.save();
  }
}

/** Names a key in the counters file without giving it away. */
function keyId(key: Buffer): string {
  return createHash('sha256').update('pintu-room-key-id').update(key).digest('hex').slice(0, 16);
}
