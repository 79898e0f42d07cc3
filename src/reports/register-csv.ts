// The guest-book register as CSV: one header row, then one row per visit in arrival order, the
// columns of the printed register. RFC 4180 with a UTF-8 byte order mark and CRLF, as the
// recap's CSV (csvField quotes and defuses formulas typed by guests' hands).
import type { GuestRegister } from '../domain/register.js';
import { csvField, type RecapLang } from './csv.js';
import { registerCells, registerHeads } from './register-labels.js';

export function registerToCsv(register: GuestRegister, lang: RecapLang = 'id'): string {
  const lines = [registerHeads(lang), ...register.rows.map((row) => registerCells(row, register, lang))];
  return `\uFEFF${lines.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('')}`;
}
