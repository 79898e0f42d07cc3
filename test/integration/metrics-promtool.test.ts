// /metrics as Prometheus's own tool reads it: a running gateway (embedded broker with TLS, two
// room controllers, a tap decided) scraped over HTTP with a facilities token, its text passed
// to `promtool check metrics`. promtool comes with Debian's prometheus package; without it the
// suite skips, naming the package (and fails under CI=true).
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { JournalError } from '../../src/store/journal.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';
import { testCertificate } from '../support/lab-tools.js';
import { BADGE_UID, freePort, type MqttGateway, startMqttGateway, until } from '../support/mqtt.js';

const GRAFANA_DIR = join(import.meta.dirname, '../../firmware-config/grafana');
const PROM_DIR = join(import.meta.dirname, '../../firmware-config/prometheus');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((f) => existsSync(f));
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((f) => existsSync(f));
const ready =
  requireLab('promtool (apt package prometheus)', PROMTOOL !== undefined) &&
  requireLab('openssl (apt package openssl), to make a test certificate', OPENSSL !== undefined);

/** Run promtool with `input` on stdin: exit code and everything it printed. */
function promtool(
  args: string[],
  input?: string,
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL ?? 'promtool', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(cwd ? { cwd } : {}),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input ?? '');
  });
}

/** The metric families /metrics declares (its `# TYPE` lines): name -> type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * The metric names a PromQL expression reads: its identifiers less functions (followed by a
 * parenthesis), label matchers, grouping label lists, range and offset durations, keywords and
 * Grafana variables. Enough for the expressions of the shipped rules and dashboard.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '')
    .replace(/\boffset\s+\w+/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'by', 'without', 'on', 'ignoring', 'inf', 'nan']);
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    if (!keywords.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names];
}

/** True when /metrics serves `name`: a family, or a histogram's _bucket, _sum or _count. */
function served(f: Map<string, string>, name: string): boolean {
  const base = /^(.*)_(bucket|sum|count)$/.exec(name);
  return f.has(name) || (base !== null && f.get(base[1]!) === 'histogram');
}

describe.skipIf(!ready)('GET /metrics checked by promtool', () => {
  let dir: string;
  let g: MqttGateway;
  let text: string;
  let scrape: () => Promise<string>;
  let certNotAfter: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-promtool-'));
    const { cert, key } = await testCertificate(dir, 30, OPENSSL!);
    const { stdout } = await promisify(execFile)(OPENSSL!, ['x509', '-in', cert, '-noout', '-enddate']);
    certNotAfter = Date.parse(stdout.trim().replace(/^notAfter=/, '')) / 1000;
    g = await startMqttGateway({
      mqtt: { mode: 'embedded', port: await freePort(), tls: { port: await freePort(), cert, key } },
    });
    // A decision, so the labelled counters and the histograms have samples, not just headers.
    const visit = await g.badgedVisit();
    g.gateway.access.handleRead({ readerId: 'pintu-utama-in', kind: 'nfc', credential: visit.uid });
    g.gateway.access.handleRead({ readerId: 'pintu-utama-in', kind: 'nfc', credential: BADGE_UID });
    const { token } = await g.gateway.accounts.createToken('prometheus', 'facilities', {
      kind: 'system',
      id: 'test',
    });
    await g.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = g.app.server.address() as { port: number };
    scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    text = await scrape();
  }, 60_000);

  afterAll(async () => {
    await g?.close({ keepDir: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes `promtool check metrics` with no problem', async () => {
    const r = await promtool(['check', 'metrics'], text);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it("serves the runtime's metrics under their stock names, the gateway's under pintu_", () => {
    const f = families(text);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ])
      expect(f.has(name), name).toBe(true);
    const own = [...f.keys()].filter((n) => !/^(process|nodejs)_/.test(n));
    expect(own.length).toBeGreaterThan(10);
    for (const name of own) expect(name).toMatch(/^pintu_[a-z0-9_]+$/);
    for (const [name, type] of f) {
      // The naming guide: a counter ends in _total, nothing else does.
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
  });

  it('exports what the alert rules need: alarms, storage, backlog bound, certificate expiry', () => {
    const f = families(text);
    expect(f.get('pintu_mqtt_event_backlog_max')).toBe('gauge');
    expect(text).toMatch(/^pintu_mqtt_event_backlog_max \d+$/m);
    expect(f.get('pintu_journal_append_failures_total')).toBe('counter');
    expect(text).toMatch(/^pintu_storage_degraded 0$/m);
    expect(f.get('pintu_mqtt_room_controller_alarm')).toBe('gauge');
    const expiry =
      /^pintu_tls_certificate_expiry_timestamp_seconds\{certificate="mqtt\.tls\.cert"\} (\S+)$/m.exec(text);
    expect(Number(expiry?.[1])).toBe(certNotAfter);
  });

  it('alert rules: `promtool check rules` and `promtool test rules` pass, every rule tested', async () => {
    const check = await promtool(['check', 'rules', join(PROM_DIR, 'pintu-alerts.yml')]);
    expect(check.output).toContain('SUCCESS');
    expect(check.code).toBe(0);
    // Run from the folder: the test file names its rule file relative to it.
    const test = await promtool(['test', 'rules', 'pintu-alerts.test.yml'], undefined, PROM_DIR);
    expect(test.output).toContain('SUCCESS');
    expect(test.code).toBe(0);

    const doc = YAML.parse(readFileSync(join(PROM_DIR, 'pintu-alerts.yml'), 'utf8')) as {
      groups: Array<{
        rules: Array<{
          alert: string;
          expr: string;
          for?: string;
          labels?: Record<string, string>;
          annotations?: Record<string, string>;
        }>;
      }>;
    };
    const tests = YAML.parse(readFileSync(join(PROM_DIR, 'pintu-alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const firedInTests = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    const rules = doc.groups.flatMap((g) => g.rules);
    const f = families(text);
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], r.alert).toContain(r.labels?.severity);
      // Indonesian, then English.
      expect(r.annotations?.summary, r.alert).toMatch(/^\S.* \/ \S.*$/);
      expect(firedInTests, `${r.alert} has a test that fires it`).toContain(r.alert);
      for (const name of metricNames(r.expr))
        if (name !== 'up') expect(served(f, name), `${r.alert}: ${name}`).toBe(true);
    }
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PintuDown',
        'PintuReaderOffline',
        'PintuRoomControllerOffline',
        'PintuRoomControllerNoAck',
        'PintuMqttBacklogGrowing',
        'PintuMqttBacklogNearFull',
        'PintuJournalAppendFailing',
        'PintuStorageDegraded',
        'PintuCertificateExpiringSoon',
      ]),
    );
  });

  it('Grafana dashboard: valid JSON of a current Grafana, every query valid PromQL on served metrics', async () => {
    const dash = JSON.parse(readFileSync(join(GRAFANA_DIR, 'pintu.json'), 'utf8')) as {
      schemaVersion: number;
      uid: string;
      panels: Array<{
        id: number;
        type: string;
        title: string;
        targets?: Array<{ refId: string; expr: string }>;
      }>;
      templating: { list: Array<{ name: string; definition?: string }> };
    };
    // Grafana 12.0 saves 41; 39 is Grafana 11.0.
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const queries = dash.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ where: `panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr })),
    );
    expect(queries.length).toBeGreaterThan(20);
    const f = families(text);
    const used = new Set<string>();
    for (const q of queries)
      for (const name of metricNames(q.expr)) {
        used.add(name);
        expect(served(f, name), `${q.where}: ${name}`).toBe(true);
      }
    for (const v of dash.templating.list)
      for (const m of (v.definition ?? '').matchAll(/label_values\((\w+)/g))
        expect(served(f, m[1]!), `variable ${v.name}: ${m[1]}`).toBe(true);
    // What the dashboard promises to show.
    for (const name of [
      'pintu_access_decisions_total',
      'pintu_access_decision_seconds_bucket',
      'pintu_reader_connected',
      'pintu_mqtt_room_controller_alarm',
      'pintu_mqtt_event_backlog',
      'pintu_journal_events_total',
      'pintu_journal_append_seconds_bucket',
      'pintu_visitors_inside',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(used, name).toContain(name);

    // PromQL syntax by Prometheus's own parser: the queries as recording rules, Grafana's
    // variables replaced by what they stand for.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: queries.map((q, i) => ({
            record: `pintu:dashboard:query${i}`,
            expr: q.expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'),
          })),
        },
      ],
    };
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(file, YAML.stringify(rules));
    const check = await promtool(['check', 'rules', file]);
    expect(check.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(check.code).toBe(0);
  });

  it("reports a room controller's alarms from the start, and one going offline", async () => {
    expect(text).toMatch(/^pintu_mqtt_room_controller_alarm\{room="r101",alarm="no_ack"\} 0$/m);
    expect(text).toMatch(/^pintu_mqtt_room_controller_alarm\{room="r101",alarm="offline"\} [01]$/m);
    // No controller ever comes: after the start grace the lock raises its offline alarm.
    const lock = g.hub.lockOfRoom('r101')!;
    await until(() => expect(lock.activeAlarms()).toContain('offline'), 30_000, 50);
    expect(await scrape()).toMatch(/^pintu_mqtt_room_controller_alarm\{room="r101",alarm="offline"\} 1$/m);
  }, 40_000);
});

describe('journal and storage metrics', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.close();
  });
  const scrape = async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { cookie: await t.login('admin') },
    });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('counts a journal append that fails, and says storage is degraded while a save fails', async () => {
    expect(await scrape()).toMatch(/^pintu_storage_degraded 0$/m);
    const core = t.gateway.core;
    const append = core.journal.append.bind(core.journal);
    core.journal.append = () =>
      Promise.reject(new JournalError('the data folder is full: ENOSPC', { kind: 'full' }));
    await expect(
      core.record({ type: 'system.started', payload: { detail: 'test' } }, { kind: 'system', id: 'test' }),
    ).rejects.toThrow(/ENOSPC/);
    core.journal.append = append;
    expect(await scrape()).toMatch(/^pintu_journal_append_failures_total 1$/m);

    const persist = core.persist.bind(core);
    core.persist = () => Promise.reject(new Error('EIO: state.json'));
    await core.saveNow();
    expect(core.degraded()).toEqual(['state save failed: EIO: state.json']);
    expect(await scrape()).toMatch(/^pintu_storage_degraded 1$/m);
    core.persist = persist;
    await core.saveNow();
    expect(await scrape()).toMatch(/^pintu_storage_degraded 0$/m);
  });
});
