/** One thing wrong with the configuration, at a key path (`http.port`, `readers[2].door`). */
export interface ConfigProblem {
  /** Key path; '' for the whole document (or a problem not tied to a key). */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/**
 * The configuration cannot be used. `problems` lists every problem found, each as
 * `<key path>: <reason>`; the message repeats them one a line, so printing it is enough.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** Where the configuration came from: a file path or "embedded defaults". */
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `Invalid configuration (${source}): ${problems[0]}`
        : `Invalid configuration (${source}), ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
