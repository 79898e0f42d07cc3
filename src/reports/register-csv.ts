// The guest-book register as CSV: one header row, then one row per visit in arrival order, the
// columns of the printed register. RFC 4180 with a UTF-8 byte order mark and CRLF, as the
// recap's CSV, or for Excel set to Indonesian (csvText: ';', d/m/y dates); csvField quotes and
// defuses formulas typed by guests' hands.
import type { GuestRegister } from '../domain/register.js';
import { localParts } from '../domain/time.js';
import { type Cell, type CsvDialect, csvText } from './csv.js';
import type { RecapLang } from './labels.js';
import { registerCells, registerHeads } from './register-labels.js';

export function registerToCsv(
  register: GuestRegister,
  lang: RecapLang = 'id',
  dialect: CsvDialect = 'rfc4180',
): string {
  const rows = register.rows.map((row): Cell[] => {
    const cells: Cell[] = registerCells(row, register, lang);
    // The number, the date and a time out on another day as values, so Excel sorts them.
    cells[0] = row.no;
    cells[1] = { date: row.date };
    if (row.timeOut !== null) {
      const out = localParts(row.timeOut, register.timezone);
      if (out.date !== row.date) cells[3] = { date: out.date, time: String(cells[3]).slice(-5) };
    }
    return cells;
  });
  return csvText([registerHeads(lang), ...rows], dialect);
}
