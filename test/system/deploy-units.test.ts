// The systemd units as files: what pintu.service promises (Type=notify with a watchdog, a
// hardened sandbox that still lets V8 run), its systemd-analyze security exposure (the
// figure in README), and the recap timer's calendar: the 1st of the month, 06:00 WIB.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const unit = (name: string) => join(root, 'systemd', name);

function settings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe('systemd/pintu.service', () => {
  it('is Type=notify with a watchdog, restarts, and runs as its own user', async () => {
    const s = settings(await readFile(unit('pintu.service'), 'utf8'));
    expect(s.get('Type')).toEqual(['notify']);
    // systemd-notify (a child) sends the messages: see src/service/systemd-notify.ts
    expect(s.get('NotifyAccess')).toEqual(['all']);
    expect(s.get('WatchdogSec')).toEqual(['30s']);
    expect(s.get('Restart')).toEqual(['always']);
    expect(s.get('User')).toEqual(['pintu']);
    expect(s.get('SupplementaryGroups')).toEqual(['gpio dialout']);
    expect(s.get('ExecStart')).toEqual([
      '/usr/bin/node --min-semi-space-size=8 --max-semi-space-size=8 --optimize-for-size --v8-pool-size=1 /opt/pintu/dist/cli.js start',
    ]);
    expect(s.get('Environment')).toEqual(
      expect.arrayContaining([
        'PINTU_CONFIG=/etc/pintu/pintu.yaml',
        'PINTU_DATA_DIR=/var/lib/pintu',
        'MALLOC_ARENA_MAX=2',
      ]),
    );
    expect(s.get('ProtectSystem')).toEqual(['strict']);
    expect(s.get('CapabilityBoundingSet')).toEqual(['']);
    expect(s.get('DevicePolicy')).toEqual(['closed']);
    expect(s.get('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6 AF_NETLINK']);
    // V8's JIT needs W+X memory
    expect(s.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('has a systemd-analyze security exposure under 2.5 (README gives the figure)', async () => {
    const { stdout } = await run('systemd-analyze', [
      'security',
      '--offline=yes',
      '--no-pager',
      unit('pintu.service'),
    ]);
    const exposure = Number(/Overall exposure level for pintu\.service: ([\d.]+)/.exec(stdout)?.[1]);
    expect(exposure).toBeLessThan(2.5);
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`exposure level ${exposure.toFixed(1)}`);
  });

  it('runs the recap on the 1st of each month at 06:00 in Asia/Jakarta, catching up after downtime', async () => {
    const s = settings(await readFile(unit('pintu-recap.timer'), 'utf8'));
    expect(s.get('Persistent')).toEqual(['true']);
    const spec = s.get('OnCalendar')![0]!;
    const { stdout } = await run('systemd-analyze', ['calendar', '--iterations=3', spec], {
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    });
    // 06:00 WIB (UTC+7) is 23:00 UTC on the last day of the month before
    const next = [
      ...stdout.matchAll(/(?:Next elapse|Iter\. #\d): \w{3} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/g),
    ];
    expect(next).toHaveLength(3);
    for (const [, day, time] of next) {
      const wib = new Date(Date.parse(`${day}T${time}Z`) + 7 * 3600_000);
      expect(wib.getUTCDate()).toBe(1);
      expect(wib.getUTCHours()).toBe(6);
    }
    const svc = settings(await readFile(unit('pintu-recap.service'), 'utf8'));
    expect(svc.get('ExecStart')).toEqual(['/opt/pintu/scripts/monthly-recap.sh']);
  });
});
