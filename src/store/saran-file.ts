// The survey's suggestions (saran) on disk: free text a guest typed, which may name a person,
// so it is kept out of the append-only journal (which is never rewritten) and here instead, one
// file per month (<dir>/saran-YYYY-MM.jsonl, the archive's month files: appends fdatasync'd,
// a torn tail cut, rewrites atomic with the folder fsync'd). The retention sweep rewrites a
// month without the records past retention; no backup copy keeps them.
import { Archive } from './archive.js';

export interface SaranRecord {
  /** Random; the journal's answer names it (payload.saranRef), never the visit. */
  id: string;
  /** Epoch ms the answer came. */
  at: number;
  text: string;
}

export class SaranFile {
  readonly #months: Archive<SaranRecord>;

  constructor(dir: string) {
    this.#months = new Archive<SaranRecord>(dir, { prefix: 'saran-' });
  }

  /** Resolves once the record is durable in its month's file. */
  add(month: string, record: SaranRecord): Promise<void> {
    return this.#months.append(month, [record]);
  }

  /** A month's records in the order they came; none without a file. */
  read(month: string): Promise<SaranRecord[]> {
    return this.#months.readMonth(month);
  }

  /**
   * Take every record that came before `cutoff` (epoch ms) off the disk. Only the months that
   * hold one are written, and only the months up to `cutoff`'s can. Returns how many went.
   */
  async eraseBefore(cutoff: number, cutoffMonth: string): Promise<number> {
    let erased = 0;
    for (const month of await this.#months.months()) {
      if (month > cutoffMonth) break;
      await this.#months.rewriteMonth(month, (records) => {
        const kept = records.filter((r) => r.at >= cutoff);
        erased += records.length - kept.length;
        return kept.length === records.length ? records : kept;
      });
    }
    return erased;
  }
}
