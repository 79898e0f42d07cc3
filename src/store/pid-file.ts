// The claim of a data folder by a running gateway: `<dataDir>/pintu.pid` holds the pid, the boot
// and the process's start time. A pid alone is not enough: a power cut may keep a part of the
// file ("13" of "1346"), and after a reboot the old pid names some other process; either would
// keep the gateway from starting ("another gateway runs"). The file is only ever for this boot,
// so it is not fsynced; a line that is not whole names no one.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'pintu.pid');
}

/** `<boot id> <start time in clock ticks since boot>` of a process; '-' where /proc is not. */
async function identity(pid: number): Promise<string> {
  try {
    const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    // The main thread's entry, not `/proc/<pid>/stat`: qemu-user answers a process's reads of
    // its own `/proc/<pid>/stat` with a made-up line (another start time), so under emulation
    // the gateway and the CLI read different times for the same process and the CLI found no
    // gateway (pi-check). The kernel's task entry is the same line, and qemu leaves it alone.
    const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the name in field 2 may hold spaces and ')', so count from its end.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start ? `${boot} ${start}` : '-';
  } catch {
    return '-';
  }
}

/** Whether a process `pid` exists (EPERM: it does, owned by another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the gateway running on this data folder, if the file names a live one. */
export async function runningPid(dataDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (.+)\n$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  const recorded = m[2]!;
  // Without /proc (a laptop that is not Linux) the live pid is all there is to go by.
  if (recorded === '-') return pid;
  return (await identity(pid)) === recorded ? pid : undefined;
}

/** Claim the folder for this process; throws when another live gateway holds it. */
export async function claimPidFile(dataDir: string): Promise<void> {
  const other = await runningPid(dataDir);
  if (other && other !== process.pid) {
    throw new Error(`another gateway (pid ${other}) runs on ${dataDir}; stop it first`);
  }
  await rm(pidFilePath(dataDir), { force: true });
  await writeFile(pidFilePath(dataDir), `${process.pid} ${await identity(process.pid)}\n`, { mode: 0o644 });
}
