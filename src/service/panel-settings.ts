// Settings the administrator changes from the web panel at run time, kept in the data folder
// (`panel-settings.json`, mode 0600: it holds the webhook secret). The configuration file stays
// the source of defaults; these override them while the file exists.
import { join } from 'node:path';
import { readJsonIfPresent, writeFileAtomic } from '../store/durable-file.js';

export interface PanelSettings {
  /** How the panel is reached from the LAN (e.g. http://192.168.1.10:8080): used in host links. */
  publicUrl?: string;
  /** Outgoing webhook on "approval requested" (a visit waits for its host). */
  webhook?: { url: string; secret?: string };
  /** Overrides retention.guestDays of the configuration. */
  retentionGuestDays?: number;
}

export class PanelSettingsStore {
  private constructor(
    private readonly file: string,
    private data: PanelSettings,
  ) {}

  static async open(dataDir: string): Promise<PanelSettingsStore> {
    const file = join(dataDir, 'panel-settings.json');
    let data: PanelSettings | undefined;
    try {
      data = await readJsonIfPresent<PanelSettings>(file);
    } catch (err) {
      // A parse error does not say which file: the start's message must.
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    return new PanelSettingsStore(file, data === undefined ? {} : data);
  }

  get(): Readonly<PanelSettings> {
    return this.data;
  }

  /** Apply a change; `null` removes a setting. Durable when it resolves. */
  async update(patch: {
    publicUrl?: string | null;
    webhook?: { url: string; secret?: string } | null;
    retentionGuestDays?: number | null;
  }): Promise<PanelSettings> {
    const next: PanelSettings = { ...this.data };
    for (const key of ['publicUrl', 'webhook', 'retentionGuestDays'] as const) {
      if (!(key in patch)) continue;
      const v = patch[key];
      if (v === null || v === undefined) delete next[key];
      else (next as Record<string, unknown>)[key] = v;
    }
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    this.data = next;
    return next;
  }
}
