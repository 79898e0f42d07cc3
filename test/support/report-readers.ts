// Readers of the report files outside this project: Python's standard library reads the CSVs
// (its csv module, with the dialect's separator) and the XLSX (zipfile + xml, every cell with its
// number format, a date cell as its date). Shared by the tests of the report files.

/** Every cell of every sheet as Python's standard library reads the file. */
export const XLSX_READER = String.raw`
import json, re, sys, zipfile, datetime
import xml.etree.ElementTree as ET
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
      'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'}
BUILTIN = {0: 'General', 1: '0', 2: '0.00', 9: '0%', 10: '0.00%', 14: 'mm-dd-yy', 15: 'd-mmm-yy',
           16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm',
           21: 'h:mm:ss', 22: 'm/d/yy h:mm', 45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 49: '@'}
z = zipfile.ZipFile(sys.argv[1])
styles = ET.fromstring(z.read('xl/styles.xml'))
custom = {int(n.get('numFmtId')): n.get('formatCode') for n in styles.iterfind('m:numFmts/m:numFmt', NS)}
xfs = [int(x.get('numFmtId', 0)) for x in styles.iterfind('m:cellXfs/m:xf', NS)]
shared = []
if 'xl/sharedStrings.xml' in z.namelist():
    for si in ET.fromstring(z.read('xl/sharedStrings.xml')).iterfind('m:si', NS):
        shared.append(''.join(t.text or '' for t in si.iter('{%s}t' % NS['m'])))
rels = {r.get('Id'): r.get('Target') for r in ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}
out = []
for sheet in ET.fromstring(z.read('xl/workbook.xml')).iterfind('m:sheets/m:sheet', NS):
    target = rels[sheet.get('{%s}id' % NS['r'])].lstrip('/')
    path = target if target.startswith('xl/') else 'xl/' + target
    for c in ET.fromstring(z.read(path)).iter('{%s}c' % NS['m']):
        t = c.get('t')
        v = c.find('m:v', NS)
        if v is None:
            continue
        fid = xfs[int(c.get('s', 0))]
        fmt = custom.get(fid, BUILTIN.get(fid, 'General'))
        plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', '', fmt).lower()
        is_date = t in (None, 'n') and any(ch in plain for ch in 'ydh')
        value = shared[int(v.text)] if t == 's' else v.text
        cell = {'sheet': sheet.get('name'), 'ref': c.get('r'), 't': t, 'fmt': fmt, 'value': value}
        if is_date:
            when = datetime.datetime(1899, 12, 30) + datetime.timedelta(days=float(v.text))
            cell['date'] = when.isoformat(timespec='minutes')
        out.append(cell)
json.dump(out, sys.stdout, ensure_ascii=False)
`;

/** Records as Python's csv module reads them, with the dialect's separator. */
export const CSV_READER = `
import csv, json, sys
with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:
    json.dump(list(csv.reader(f, delimiter=sys.argv[2], strict=True)), sys.stdout, ensure_ascii=False)
`;

export interface XlsxCell {
  sheet: string;
  ref: string;
  t: string | null;
  fmt: string;
  value: string;
  date?: string;
}
