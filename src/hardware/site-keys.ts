// The site keys of the data folder (issue 12): the current master key `keys/site.key` and the
// keys it replaced, `keys/site-<generation>.old.key` (0600, like the current one). A rotation
// keeps the old key: the badges personalised under it still open with their old diversified
// keys until they come back to the desk and are re-personalised. A door tries the one key of
// the badge's recorded generation, never every key.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SITE_KEY_FILE, SiteKey } from './secure-badge.js';

const OLD_KEY = /^site-([1-9][0-9]{0,5})\.old\.key$/;

/** The file of the site key of `generation` once it is no longer the current one. */
export function oldKeyFile(generation: number): string {
  return join('keys', `site-${generation}.old.key`);
}

export class SiteKeyRing {
  /** The generation of each badge's keys (UID -> generation), given by the gateway's pool. */
  private generationOf: (uid: string) => number | undefined = () => undefined;

  private constructor(
    readonly current: SiteKey,
    private readonly old: ReadonlyMap<number, SiteKey>,
  ) {}

  /**
   * The keys of `<dataDir>/keys`: the old ones, and the current one (made at first start).
   * The current key's generation is one more than the newest old key's (1 without any).
   */
  static open(dataDir: string): SiteKeyRing {
    const old = new Map<number, SiteKey>();
    let names: string[] = [];
    try {
      names = readdirSync(join(dataDir, 'keys'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const name of names) {
      const m = OLD_KEY.exec(name);
      if (!m) continue;
      const generation = Number(m[1]);
      const file = join(dataDir, 'keys', name);
      old.set(generation, SiteKey.read(file, readFileSync(file, 'utf8'), generation));
    }
    const newest = Math.max(0, ...old.keys());
    return new SiteKeyRing(SiteKey.open(dataDir, newest + 1), old);
  }

  /**
   * Rotates the site key of a data folder no gateway runs on: the current key becomes
   * `site-<generation>.old.key` and a new key is made. Returns the new generation.
   */
  static rotate(dataDir: string): number {
    if (!existsSync(join(dataDir, SITE_KEY_FILE)))
      throw new Error(
        `${join(dataDir, SITE_KEY_FILE)}: no site key to rotate (a start or the installer makes it)`,
      );
    const ring = SiteKeyRing.open(dataDir);
    const from = ring.current.generation;
    const fresh = join(dataDir, 'keys', 'site.key.new');
    // One a rotation that died before its renames left behind: never used, so never needed.
    rmSync(fresh, { force: true });
    writeFileSync(fresh, SiteKey.newText(), { mode: 0o600, flag: 'wx' });
    // The old key moves first: a crash between the renames leaves no site.key, and the next
    // start makes a new one of the same next generation, so no badge is left without its key.
    renameSync(join(dataDir, SITE_KEY_FILE), join(dataDir, oldKeyFile(from)));
    renameSync(fresh, join(dataDir, SITE_KEY_FILE));
    return from + 1;
  }

  /** Every key, oldest first (the backup takes them all). */
  all(): SiteKey[] {
    return [...[...this.old.values()].sort((a, b) => a.generation - b.generation), this.current];
  }

  /** The key of `generation` (absent: no longer kept). */
  get(generation: number): SiteKey | undefined {
    return generation === this.current.generation ? this.current : this.old.get(generation);
  }

  /** Where the pool says which generation each badge's keys are of. */
  trackGenerations(generationOf: (uid: string) => number | undefined): void {
    this.generationOf = generationOf;
  }

  /**
   * The key a door challenges the badge `uid` (hex) with: its recorded generation's, the
   * current one for a badge the pool does not know as personalised (it fails either way).
   */
  forBadge(uid: string): SiteKey {
    const generation = this.generationOf(uid);
    return (generation !== undefined ? this.get(generation) : undefined) ?? this.current;
  }
}
