// What a data folder was written, told from two walks of it (before and after an operation
// that has become durable): bytes and whole-file rewrites by file. Used by the wear benchmark
// (bench/wear.ts) and the test that a tap rewrites nothing but the journal.
//   - a file with a new inode (written to a tmp file and renamed over it) or changed in place
//     without growing counts as a rewrite: its whole size was written;
//   - a file on the same inode that grew (the journal, an archive month) wrote its growth;
//   - a name for a file that was already there (state.json.bak, a hard link: the same inode,
//     size and mtime) wrote nothing.
// Metadata (inodes, directories, the file system's own journal) is not counted.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface FileStat {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

/** Every regular file under `dir`, by path relative to it. */
export async function walkFiles(
  dir: string,
  rel = '',
  out = new Map<string, FileStat>(),
): Promise<Map<string, FileStat>> {
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    if (e.isDirectory()) await walkFiles(dir, p, out);
    else if (e.isFile()) {
      const s = await stat(path.join(dir, p), { bigint: true });
      out.set(p, { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs });
    }
  }
  return out;
}

/** The name a file is counted under: the months of the journal and of the archive together. */
export function fileGroup(rel: string): string {
  const top = rel.split(path.sep)[0]!;
  return top === 'journal' || top === 'archive' ? `${top}/*` : rel;
}

/** Bytes written and whole-file rewrites, by file group. */
export type WriteTally = Map<string, { bytes: number; rewrites: number }>;

const identity = (s: FileStat) => `${s.ino}:${s.size}:${s.mtimeNs}`;

/** Add what changed between two walks to `into`; returns the bytes. */
export function tallyWrites(
  before: ReadonlyMap<string, FileStat>,
  after: ReadonlyMap<string, FileStat>,
  into: WriteTally,
): number {
  // A file seen before under another name: same inode, size and mtime (an inode freed during
  // the operation and reused for new data has a new mtime).
  const known = new Set<string>([...before.values()].map(identity));
  let total = 0;
  for (const [rel, s] of after) {
    const b = before.get(rel);
    let bytes: number;
    let rewrite = false;
    if (b && b.ino === s.ino) {
      if (b.mtimeNs === s.mtimeNs && b.size === s.size) continue;
      if (s.size > b.size) bytes = Number(s.size - b.size);
      else {
        bytes = Number(s.size);
        rewrite = true;
      }
    } else if (known.has(identity(s))) continue;
    else {
      bytes = Number(s.size);
      // A month file that appears is an append to a new file, not a rewrite.
      rewrite = b !== undefined || !rel.includes(path.sep);
    }
    const key = fileGroup(rel);
    const t = into.get(key) ?? { bytes: 0, rewrites: 0 };
    t.bytes += bytes;
    if (rewrite) t.rewrites++;
    into.set(key, t);
    total += bytes;
  }
  return total;
}
