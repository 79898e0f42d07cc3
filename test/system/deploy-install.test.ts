// scripts/install.sh in alternate-root mode, as CI can run it: the tree it installs
// (units, udev/modprobe/polkit files, configuration, data folder and their owners and
// modes), a second run that changes nothing, --dry-run that changes nothing, the
// config.txt block, the Node.js version check, and systemd-analyze verify on the result.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteKeyRing } from '../../src/hardware/site-keys.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const src = root.replace(/\/$/, '');
const SCRIPT = join(root, 'scripts/install.sh');

interface Result {
  code: number;
  out: string;
}

async function install(args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** path -> "mode uid:gid sha256|-> target" for every entry under dir. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const s = await lstat(p);
      const head = `${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`;
      if (s.isSymbolicLink()) out.set(p.slice(dir.length), `${head} -> ${await readlink(p)}`);
      else if (s.isDirectory()) {
        out.set(p.slice(dir.length), `${head} dir`);
        await walk(p);
      } else
        out.set(
          p.slice(dir.length),
          `${head} ${createHash('sha256')
            .update(await readFile(p))
            .digest('hex')}`,
        );
    }
  };
  await walk(dir);
  return out;
}

const actions = (out: string) => out.split('\n').filter((l) => l.startsWith('+ '));
const idOf = async (tree: string, file: 'passwd' | 'group', name: string) => {
  const line = (await readFile(join(tree, 'etc', file), 'utf8'))
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return Number(line?.split(':')[2]);
};

describe('scripts/install.sh --root', () => {
  let work: string;
  let tree: string;
  let dist: string;
  let first: Result;
  const base = () => ['--root', tree, '--dist', dist, '--skip-npm'];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pintu-install-'));
    tree = join(work, 'root');
    // A stand-in for the built app: the test is about the installer, not the build.
    dist = join(work, 'dist');
    await mkdir(join(dist, 'service'), { recursive: true });
    await writeFile(join(dist, 'cli.js'), '#!/usr/bin/env node\nconsole.log("pintu");\n');
    await writeFile(join(dist, 'service', 'systemd-notify.js'), 'export {};\n');
    first = await install(base());
  }, 60_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('installs units, rules, configuration and the data folder', async () => {
    expect(first.code, first.out).toBe(0);
    const uid = await idOf(tree, 'passwd', 'pintu');
    const gid = await idOf(tree, 'group', 'pintu');
    expect(uid).toBeGreaterThan(0);
    // the service user is in the hardware groups (sysusers.d)
    const group = await readFile(join(tree, 'etc/group'), 'utf8');
    expect(group).toMatch(/^gpio:x:\d+:pintu$/m);
    expect(group).toMatch(/^dialout:x:\d+:pintu$/m);

    for (const unit of ['pintu.service', 'pintu-recap.service', 'pintu-recap.timer']) {
      const installed = join(tree, 'etc/systemd/system', unit);
      expect(await readFile(installed, 'utf8')).toBe(await readFile(join(root, 'systemd', unit), 'utf8'));
      expect((await stat(installed)).mode & 0o777).toBe(0o644);
    }
    // enabled: the [Install] symlinks, as systemctl enable makes them
    expect(await readlink(join(tree, 'etc/systemd/system/multi-user.target.wants/pintu.service'))).toBe(
      '/etc/systemd/system/pintu.service',
    );
    expect(await readlink(join(tree, 'etc/systemd/system/timers.target.wants/pintu-recap.timer'))).toBe(
      '/etc/systemd/system/pintu-recap.timer',
    );
    // node is /usr/bin/node: no drop-in rewriting ExecStart
    await expect(stat(join(tree, 'etc/systemd/system/pintu.service.d'))).rejects.toThrow();

    const files: Array<[string, string, number]> = [
      ['etc/udev/rules.d/99-pintu.rules', 'firmware-config/udev/99-pintu.rules', 0o644],
      [
        'etc/modprobe.d/pintu-blacklist-pn533.conf',
        'firmware-config/modprobe.d/pintu-blacklist-pn533.conf',
        0o644,
      ],
      ['etc/sysusers.d/pintu.conf', 'firmware-config/sysusers-pintu.conf', 0o644],
      ['etc/pintu/pintu.yaml', 'firmware-config/pintu.pi.yaml', 0o640],
      ['opt/pintu/scripts/monthly-recap.sh', 'scripts/monthly-recap.sh', 0o755],
      ['opt/pintu/dist/cli.js', '', 0o644],
    ];
    for (const [at, from, mode] of files) {
      const s = await stat(join(tree, at));
      expect((s.mode & 0o777).toString(8), at).toBe(mode.toString(8));
      if (from)
        expect(await readFile(join(tree, at), 'utf8'), at).toBe(await readFile(join(root, from), 'utf8'));
    }
    // the configuration may hold the MQTT password: root:pintu 0640
    const cfg = await stat(join(tree, 'etc/pintu/pintu.yaml'));
    expect([cfg.uid, cfg.gid]).toEqual([0, gid]);
    // personal data: the service's alone
    for (const dir of ['var/lib/pintu', 'var/lib/pintu/reports']) {
      const s = await stat(join(tree, dir));
      expect(s.isDirectory()).toBe(true);
      expect((s.mode & 0o777).toString(8), dir).toBe('750');
      expect([s.uid, s.gid], dir).toEqual([uid, gid]);
    }
    // the administrators' command runs as the service user
    const wrapper = await readFile(join(tree, 'usr/local/bin/pintu'), 'utf8');
    expect(wrapper).toContain('runuser -u pintu -- /usr/bin/node /opt/pintu/dist/cli.js');
    expect((await stat(join(tree, 'usr/local/bin/pintu'))).mode & 0o111).toBe(0o111);
    // the tree's pcscd has no polkit (as Debian 12's): its rule would be inert, so it is not there
    await expect(stat(join(tree, 'etc/polkit-1/rules.d/60-pintu-pcscd.rules'))).rejects.toThrow();
    expect(first.out).toContain('pcscd is not built with polkit');
    // boot files are not touched without --apply-boot-config, but the fragment is shown
    await expect(stat(join(tree, 'boot'))).rejects.toThrow();
    expect(first.out).toContain('gpio=17=op,dh');
  });

  it('makes a local CA and the broker certificate once; a TLS client trusting the CA connects', async () => {
    const gid = await idOf(tree, 'group', 'pintu');
    const tlsDir = join(tree, 'etc/pintu/tls');
    const modes: Array<[string, number, number]> = [
      ['ca.pem', 0o644, 0],
      ['ca.key', 0o600, 0],
      ['server.pem', 0o644, 0],
      ['server.key', 0o640, gid],
    ];
    for (const [file, mode, group] of modes) {
      const s = await stat(join(tlsDir, file));
      expect((s.mode & 0o777).toString(8), file).toBe(mode.toString(8));
      expect([s.uid, s.gid], file).toEqual([0, group]);
    }
    expect((await readdir(tlsDir)).sort()).toEqual(['ca.key', 'ca.pem', 'server.key', 'server.pem']);
    const [ca, cert, key] = await Promise.all(
      ['ca.pem', 'server.pem', 'server.key'].map((f) => readFile(join(tlsDir, f))),
    );
    // A client that trusts only the CA, as a room controller does, completes the handshake.
    const server = tls.createServer({ cert, key }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const got = await new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => undefined);
        let text = '';
        c.on('data', (d) => {
          text += d;
        });
        c.on('end', () => resolve(text));
        c.on('error', reject);
      });
      expect(got).toBe('ok');
    } finally {
      server.close();
    }
    expect(first.out).toContain('/etc/pintu/tls/ca.pem as its trust anchor');
  });

  it("makes the site key once, 0600 in a 0700 folder, the service user's; never prints it", async () => {
    const uid = await idOf(tree, 'passwd', 'pintu');
    const gid = await idOf(tree, 'group', 'pintu');
    const keys = join(tree, 'var/lib/pintu/keys');
    const dir = await stat(keys);
    expect((dir.mode & 0o777).toString(8)).toBe('700');
    expect([dir.uid, dir.gid]).toEqual([uid, gid]);
    const file = await stat(join(keys, 'site.key'));
    expect((file.mode & 0o777).toString(8)).toBe('600');
    expect([file.uid, file.gid]).toEqual([uid, gid]);
    expect(await readdir(keys)).toEqual(['site.key']);
    const text = await readFile(join(keys, 'site.key'), 'utf8');
    // The format the gateway reads (SiteKeyRing opens it as generation 1).
    expect(text).toMatch(/^pintu-site-key-1 [0-9a-f]{32} [0-9a-f]{16}\n$/);
    for (const hex of text.trim().split(' ').slice(1)) expect(first.out).not.toContain(hex);
    expect(SiteKeyRing.open(join(tree, 'var/lib/pintu')).current.generation).toBe(1);
    expect(first.out).toContain('pintu keys backup --out FILE');
  });

  it('installs the polkit rule only where pcscd is built with polkit (its policy is there)', async () => {
    // Debian 13's pcscd is built with polkit and ships this policy; Debian 12's has neither.
    const withPolkit = join(work, 'polkit');
    const policy = join(withPolkit, 'usr/share/polkit-1/actions/org.debian.pcsc-lite.policy');
    await mkdir(join(policy, '..'), { recursive: true });
    await writeFile(policy, '<policyconfig/>\n');
    const r = await install(['--root', withPolkit, '--dist', dist, '--skip-npm']);
    expect(r.code, r.out).toBe(0);
    const rule = join(withPolkit, 'etc/polkit-1/rules.d/60-pintu-pcscd.rules');
    expect(await readFile(rule, 'utf8')).toBe(
      await readFile(join(root, 'firmware-config/polkit/60-pintu-pcscd.rules'), 'utf8'),
    );
    expect((await stat(rule)).mode & 0o777).toBe(0o644);

    // the policy gone (pcscd rebuilt or replaced without polkit): the inert rule goes too
    await rm(policy);
    const again = await install(['--root', withPolkit, '--dist', dist, '--skip-npm']);
    expect(again.code, again.out).toBe(0);
    expect(actions(again.out)).toContain(`+ rm -f ${rule}`);
    await expect(stat(rule)).rejects.toThrow();
  });

  it('changes nothing when run again, and keeps an edited configuration', async () => {
    const before = await snapshot(tree);
    const again = await install(base());
    expect(again.code, again.out).toBe(0);
    // only the two commands that are idempotent themselves run again
    expect(actions(again.out).map((l) => l.split(' ')[1])).toEqual(['systemd-sysusers', 'systemctl']);
    expect(await snapshot(tree)).toEqual(before);

    await writeFile(join(tree, 'etc/pintu/pintu.yaml'), 'http: { port: 9090 }\n');
    const third = await install(base());
    expect(third.code, third.out).toBe(0);
    expect(await readFile(join(tree, 'etc/pintu/pintu.yaml'), 'utf8')).toBe('http: { port: 9090 }\n');
    expect(third.out).toContain('kept');
    await copyFile(join(root, 'firmware-config/pintu.pi.yaml'), join(tree, 'etc/pintu/pintu.yaml'));
  });

  it('passes systemd-analyze verify as installed', async () => {
    // verify --root looks for the units' dependencies and ExecStart binaries inside the tree,
    // as on the Pi: systemd's own units and node, copied from this machine.
    await cp('/usr/lib/systemd/system', join(tree, 'usr/lib/systemd/system'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await mkdir(join(tree, 'usr/bin'), { recursive: true });
    await copyFile(process.execPath, join(tree, 'usr/bin/node'));
    await chmod(join(tree, 'usr/bin/node'), 0o755);
    const { stdout, stderr } = await run('systemd-analyze', [
      'verify',
      `--root=${tree}`,
      'pintu.service',
      'pintu-recap.service',
      'pintu-recap.timer',
    ]);
    // unknown keys and bad values are only warnings for verify: none allowed
    expect(stdout + stderr).toBe('');
  });

  it('--dry-run prints every action and changes nothing', async () => {
    const fresh = join(work, 'dry');
    const dry = await install(['--root', fresh, '--dist', dist, '--skip-npm', '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    await expect(stat(fresh)).rejects.toThrow();
    const lines = actions(dry.out);
    for (const expected of [
      `+ systemd-sysusers --root=${fresh} pintu.conf`,
      `+ install -D -m 0644 ${src}/systemd/pintu.service ${fresh}/etc/systemd/system/pintu.service`,
      `+ install -D -m 0644 ${src}/firmware-config/udev/99-pintu.rules ${fresh}/etc/udev/rules.d/99-pintu.rules`,
      `+ install -D -m 0640 ${src}/firmware-config/pintu.pi.yaml ${fresh}/etc/pintu/pintu.yaml`,
      `+ install -d -m 0750 ${fresh}/var/lib/pintu`,
      `+ chown pintu:pintu ${fresh}/var/lib/pintu`,
      `+ systemctl --root=${fresh} enable pintu.service pintu-recap.timer`,
    ]) {
      expect(lines).toContain(expected);
    }
    expect(dry.out).toContain('dry run: nothing was changed');

    // and on an installed tree: not one file differs
    const before = await snapshot(tree);
    const dry2 = await install([
      ...base(),
      '--dry-run',
      '--apply-boot-config',
      '--boot-config',
      '/boot/config.txt',
    ]);
    expect(await snapshot(tree)).toEqual(before);
    expect(dry2.code).not.toBe(0); // no config.txt in the tree: refused, still nothing changed
    expect(dry2.out).toContain('--apply-boot-config: no');
  });

  it('appends the config.txt block once, between markers, after a backup', async () => {
    const boot = join(tree, 'boot/firmware/config.txt');
    await mkdir(join(tree, 'boot/firmware'), { recursive: true });
    const original = '# Raspberry Pi OS\ndtparam=audio=on\n[pi4]\narm_boost=1\n';
    await writeFile(boot, `${original}# >>> pintu >>>\ngpio=4=op,dh\n# <<< pintu <<<\n`);
    const applied = await install([...base(), '--apply-boot-config']);
    expect(applied.code, applied.out).toBe(0);
    const fragment = await readFile(join(root, 'firmware-config/config.txt'), 'utf8');
    expect(await readFile(boot, 'utf8')).toBe(original + fragment); // the old block replaced
    const backups = (await readdir(join(tree, 'boot/firmware'))).filter((f) => f.includes('pintu-backup'));
    expect(backups).toHaveLength(1);

    const again = await install([...base(), '--apply-boot-config']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('already has the current Pintu block');
    expect(await readFile(boot, 'utf8')).toBe(original + fragment);
    expect(
      (await readdir(join(tree, 'boot/firmware'))).filter((f) => f.includes('pintu-backup')),
    ).toHaveLength(1);
  });

  it('refuses a Node.js outside engines.node, saying how to get a supported one', async () => {
    // 20.18 and 22.11 cannot require() the ES modules fastify's cookie handling needs
    for (const version of ['18.19.0', '20.18.1', '21.7.3', '22.11.0']) {
      const fake = join(work, `node-${version}`);
      await writeFile(fake, `#!/bin/sh\necho ${version}\n`);
      await chmod(fake, 0o755);
      const old = await install(['--root', join(work, 'old'), '--dist', dist, '--skip-npm', '--node', fake]);
      expect(old.code, version).not.toBe(0);
      expect(old.out).toContain(`Node.js ${version} (${fake}) is not supported`);
      expect(old.out).toContain('needs 20.19+, 22.12+ or 24 and newer');
      expect(old.out).toMatch(/NodeSource/);
      await expect(stat(join(work, 'old', 'etc'))).rejects.toThrow();
    }
  });

  it("agrees with package.json's engines.node", async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(manifest.engines.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
    for (const version of ['20.19.0', '22.12.0', '24.0.0', '26.1.0']) {
      const fake = join(work, `node-${version}`);
      await writeFile(fake, `#!/bin/sh\necho ${version}\n`);
      await chmod(fake, 0o755);
      const r = await install([
        '--root',
        join(work, `ok-${version}`),
        '--dist',
        dist,
        '--skip-npm',
        '--node',
        fake,
      ]);
      expect(r.code, `${version}: ${r.out}`).toBe(0);
    }
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/Node\.js 20\.11/);
    expect(readme.match(/Node\.js 20\.19 \(or 22\.12\) or newer/g)?.length).toBe(2);
  });

  it('runs another node through a drop-in that keeps the node flags of the unit', async () => {
    const fake = join(work, 'usr-local-node');
    await writeFile(fake, '#!/bin/sh\necho 20.20.2\n');
    await chmod(fake, 0o755);
    const tree = join(work, 'other-node');
    const r = await install(['--root', tree, '--dist', dist, '--skip-npm', '--node', fake]);
    expect(r.code, r.out).toBe(0);
    const dropIn = await readFile(join(tree, 'etc/systemd/system/pintu.service.d/10-node.conf'), 'utf8');
    expect(dropIn).toContain(
      `ExecStart=\nExecStart=${fake} --min-semi-space-size=8 --max-semi-space-size=8 --optimize-for-size --v8-pool-size=1 /opt/pintu/dist/cli.js start\n`,
    );
  });

  describe('node_modules in /opt/pintu', () => {
    let app: string;
    let withModules: string;
    let lockSum: string;
    let here: string; // "<arch> node-abi-<ABI>" of the node the script finds (no node in the tree)
    const marker = () => join(app, '.package-lock.sha256');
    const npmCi = () => `+ npm --prefix ${app} ci --omit=dev --no-audit --no-fund`;
    /** A fake module: loads, or throws as a missing .node binding does. */
    const fakeModule = async (name: string, broken = false) => {
      const dir = join(app, 'node_modules', name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
      await writeFile(
        join(dir, 'index.js'),
        broken
          ? "throw new Error('Could not locate the bindings file. Tried: build/Release/pcsclite.node');\n"
          : 'module.exports = { loaded: true };\n',
      );
    };

    beforeAll(async () => {
      withModules = join(work, 'modules');
      app = join(withModules, 'opt/pintu');
      lockSum = createHash('sha256')
        .update(await readFile(join(root, 'package-lock.json')))
        .digest('hex');
      here = (
        await run('node', ['-p', 'process.arch + " node-abi-" + process.versions.modules'])
      ).stdout.trim();
      for (const name of ['@serialport/bindings-cpp', 'epoll', '@pokusew/pcsclite', 'nfc-pcsc']) {
        await fakeModule(name);
      }
    });

    it('are rebuilt when the marker is from another architecture or module ABI', async () => {
      const [arch, abi] = here.split(' ') as [string, string];
      const other = arch === 'arm64' ? 'x64' : 'arm64';
      for (const stale of [
        `${lockSum}\n`, // an older installer's marker: the lock file alone, built who knows where
        `${lockSum} ${other} ${abi}\n`, // built on an x86 machine for an arm64 tree (or back)
        `${lockSum} ${arch} node-abi-109\n`, // built before a Node major upgrade (18's ABI)
        `${'0'.repeat(64)} ${here}\n`, // another package-lock.json
      ]) {
        await writeFile(marker(), stale);
        const dry = await install(['--root', withModules, '--dist', dist, '--dry-run']);
        expect(dry.code, dry.out).toBe(0);
        expect(actions(dry.out), stale).toContain(npmCi());
        expect(dry.out).not.toContain('node_modules up to date');
        expect(actions(dry.out)).toContain(`+ echo ${lockSum} ${here} > ${marker()}`);
      }
      await writeFile(marker(), `${lockSum} ${here}\n`);
      const current = await install(['--root', withModules, '--dist', dist, '--dry-run']);
      expect(current.out).toContain('node_modules up to date');
      expect(actions(current.out)).not.toContain(npmCi());
    });

    it('a native module that does not load fails the install, naming it and what to install', async () => {
      await writeFile(marker(), `${lockSum} ${here}\n`);
      const good = await install(['--root', withModules, '--dist', dist]);
      expect(good.code, good.out).toBe(0);
      expect(good.out).toContain('native modules load with node');

      // npm dropped the optional nfc-pcsc (libpcsclite-dev missing when it built)
      await rm(join(app, 'node_modules/nfc-pcsc'), { recursive: true });
      const dropped = await install(['--root', withModules, '--dist', dist]);
      expect(dropped.code).not.toBe(0);
      expect(dropped.out).toMatch(/native module nfc-pcsc does not load with node v[\d.]+ /);
      expect(dropped.out).toContain('libpcsclite-dev');
      // not "up to date" any more: the next run rebuilds
      await expect(stat(marker())).rejects.toThrow();
      await fakeModule('nfc-pcsc');

      // the binding itself is missing (an x86-64 build in an arm64 tree fails the same way)
      await fakeModule('@pokusew/pcsclite', true);
      await writeFile(marker(), `${lockSum} ${here}\n`);
      const broken = await install(['--root', withModules, '--dist', dist]);
      expect(broken.code).not.toBe(0);
      expect(broken.out).toContain('native module @pokusew/pcsclite does not load');
      expect(broken.out).toContain('Could not locate the bindings file');
      expect(broken.out).toContain('apt-get install libpcsclite-dev');
      await fakeModule('@pokusew/pcsclite');
    });
  });

  it('is clean for bash -n and shellcheck', async () => {
    for (const script of ['scripts/install.sh', 'scripts/monthly-recap.sh']) {
      await run('bash', ['-n', join(root, script)]);
    }
    const shellcheck = await run('sh', ['-c', 'command -v shellcheck || true']);
    if (shellcheck.stdout.trim()) {
      await run('shellcheck', [join(root, 'scripts/install.sh'), join(root, 'scripts/monthly-recap.sh')]);
    }
  });
});

describe('scripts/monthly-recap.sh (pintu-recap.service)', () => {
  let data: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'pintu-recap-'));
  });
  afterAll(async () => {
    await rm(data, { recursive: true, force: true });
  });

  it('writes the previous month (in Asia/Jakarta) as reports/rekap-YYYY-MM.csv', async () => {
    const env = {
      ...process.env,
      PINTU_DATA_DIR: data,
      PINTU_LOG_LEVEL: 'warn',
      NODE: process.execPath,
      NODE_OPTIONS: '--import tsx',
      PINTU_CLI: join(root, 'src/cli.ts'),
    };
    const { stdout } = await run(join(root, 'scripts/monthly-recap.sh'), [], { env, cwd: root });
    const now = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Jakarta',
      year: 'numeric',
      month: '2-digit',
    })
      .format(new Date())
      .slice(0, 7);
    const [y, m] = now.split('-').map(Number) as [number, number];
    const previous = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    const out = join(data, 'reports', `rekap-${previous}.csv`);
    expect(stdout.trim()).toBe(`monthly-recap: ${out}`);
    expect(await readFile(out, 'utf8')).toMatch(/^\uFEFF?Rekapitulasi/);
    // no temporary file left beside it
    expect(await readdir(join(data, 'reports'))).toEqual([`rekap-${previous}.csv`]);

    await expect(
      run(join(root, 'scripts/monthly-recap.sh'), ['2026-13x'], { env, cwd: root }),
    ).rejects.toThrow(/not a month/);
  });
});
