// Files kept per month: <dir>/<prefix>YYYY-MM.jsonl. Sorted by name = sorted by time.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './fsync.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isMonth(month: string): boolean {
  return MONTH.test(month);
}

export function assertMonth(month: string): void {
  if (!isMonth(month)) throw new RangeError(`not a month (YYYY-MM): ${JSON.stringify(month)}`);
}

export function monthFile(dir: string, month: string, prefix = ''): string {
  assertMonth(month);
  return path.join(dir, `${prefix}${month}.jsonl`);
}

/** Months that have a file, oldest first; none if the directory does not exist. */
export async function listMonths(dir: string, prefix = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const months: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.jsonl')) continue;
    const month = name.slice(prefix.length, -'.jsonl'.length);
    if (isMonth(month)) months.push(month);
  }
  return months.sort();
}
