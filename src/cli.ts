#!/usr/bin/env node
// The `pintu` command. Commands that change state go through the running gateway's API
// (authenticated with the CLI token in the data folder) when one runs, and open the data
// folder directly when none does; read-only commands read the files.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Low } from 'lowdb';
import { ConfigError } from './config/errors.js';
import { describeSource, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { type RegisterPeriod, registerPeriod } from './domain/register.js';
import { monthOf } from './domain/time.js';
import { ROLES, type Role, type Visit } from './domain/types.js';
import { isValidYear } from './domain/yearly-recap.js';
import { fleetKeyFile, openFleetKey, publicKeyText } from './fleet/envelope.js';
import { fleetStatusText } from './fleet/status-text.js';
import {
  openKeyFiles,
  readKeyFiles,
  restoreKeyFiles,
  sealKeyFiles,
  writeBackup,
} from './hardware/site-key-backup.js';
import { SiteKeyRing } from './hardware/site-keys.js';
import {
  cliTokenFile,
  createLogger,
  type Running,
  runningPid,
  StartStopped,
  startGateway,
  VERSION,
} from './main.js';
import { MqttUserError } from './mqtt/users.js';
import { recapToCsv, yearlyRecapToCsv } from './reports/csv.js';
import { localiseRecap } from './reports/localise.js';
import { doorsOf, type Gateway, openGateway } from './service/gateway.js';
import { emptyState, type PersistedState } from './service/live-state.js';
import { PanelSettingsStore } from './service/panel-settings.js';
import { newOneTimePassword } from './service/passwords.js';
import {
  exportRegister,
  isRegisterFormat,
  registerFromRecords,
  registerJournalFigures,
} from './service/register.js';
import { appointmentLookback, recapFromJournal, yearlyRecapFromJournal } from './service/reports.js';
import { saranKeptFrom, surveyFromJournal } from './service/survey.js';
import { Archive } from './store/archive.js';
import { DurableJsonFile } from './store/durable-file.js';
import { Journal } from './store/journal.js';
import { SaranFile } from './store/saran-file.js';

const USAGE = `pintu ${VERSION}: visitor access gateway of Biro Umum

Usage: pintu <command> [options]          (every command takes --config FILE)

  start                                  run the gateway (embedded defaults without a file)
  tap --reader ID (--uid HEX | --pin N)  a tap on a simulated reader of the running gateway
  user add --username U --role R [--password P] [--host HOST_ID]
  user list | user remove --username U | user passwd --username U [--password P]
  token create --name N --role R [--host HOST_ID]
                                         a bearer token for a machine client (shown once);
                                         a host token names its host
  journal verify [--dir DIR]             check the hash chain; names the first break
  report --month YYYY-MM [--format csv|csv-excel|json|xlsx|pdf] [--lang id|en] [--out FILE]
                                         (xlsx and pdf need --out; csv-excel: for Excel set
                                         to Indonesian, ";" and decimal comma; csv: RFC 4180)
  report --year YYYY [--format csv|csv-excel|json] [--lang id|en] [--out FILE]
                                         the yearly recap: the twelve months added up
  report --register (--day YYYY-MM-DD | --month YYYY-MM) [--format csv|csv-excel|json|xlsx|pdf]
         [--lang id|en] [--out FILE]     the guest book: one row per visit (xlsx and pdf need --out)
  privacy export --guest ID | privacy erase --guest ID
  mqtt-user add --username U --role room|facilities|homeassistant [--room R] [--password P]
                                         (--role room: also prints the room key, shown once)
  mqtt-user list | mqtt-user remove --username U      MQTT logins of the embedded broker
  sim-controller --room R [--url URL] [--username U] [--password P]
                                         a simulated room controller (stdin: nfc UID, pin N, open, close)
  keys rotate                            a new site master key (the gateway stopped); the old one
                                         is kept in keys/ so badges under it open until recycled
  keys backup --out FILE                 every site key, sealed with a passphrase (scrypt,
                                         AES-256-GCM) into a new 0600 file
  keys restore --in FILE [--force]       the keys of a backup into keys/ (the gateway stopped);
                                         a different key there is only replaced with --force
                                         (passphrase: PINTU_KEYS_PASSPHRASE, else asked on the
                                         terminal, else the first line of stdin)
  fleet key                              this gateway's fleet public key (made if absent), for the
                                         other gateways' configuration (README "Fleet")
  fleet status                           the running gateway's fleet: on a desk each door gateway's
                                         last seq sent and applied, lag and last word; on a door
                                         gateway its own
  config check                           validate the configuration and print the source
  config reference                       the configuration keys as a Markdown table

Roles: ${ROLES.join(', ')}
Environment: PINTU_CONFIG, PINTU_DATA_DIR, PINTU_HTTP_HOST, PINTU_HTTP_PORT, PINTU_LOG_LEVEL,
             PINTU_CONFIG_<KEY>__<KEY> (e.g. PINTU_CONFIG_HTTP__PORT=9090)
`;

class UsageError extends Error {}

function fail(message: string, code = 1): never {
  process.stderr.write(`pintu: ${message}\n`);
  process.exit(code);
}

/** Call the running gateway with the CLI token. */
async function api(config: Config, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = (await readFile(cliTokenFile(config), 'utf8')).trim();
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/api/v1${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const data = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    const err = data as { message?: string };
    throw new Error(`${res.status} ${err?.message ?? text}`);
  }
  return data;
}

/**
 * The data folder a command works on must be there already: only `pintu start` (or the
 * installer) makes one. A CLI run with another PINTU_DATA_DIR or configuration would otherwise
 * quietly make a new, empty folder and add a user nobody's gateway knows.
 */
function requireDataDir(config: Config): void {
  if (existsSync(config.dataDir)) return;
  throw new Error(
    `no data folder at ${resolve(config.dataDir)}: nothing was changed. Point PINTU_DATA_DIR, PINTU_CONFIG ` +
      'or --config at the gateway you mean; a new one is made by `pintu start`',
  );
}

/** The saved state of the data folder, read-only (the reports read it while a gateway runs). */
async function savedState(config: Config): Promise<Low<PersistedState>> {
  requireDataDir(config);
  const state = new Low<PersistedState>(
    new DurableJsonFile<PersistedState>(join(config.dataDir, 'state.json'), { readOnly: true }),
    emptyState(),
  );
  await state.read();
  return state;
}

/**
 * Run `online` against the running gateway, or `offline` on the data folder when none runs;
 * either way the command first says which (on stderr: stdout stays the command's output).
 */
async function viaGateway<T>(
  config: Config,
  online: () => Promise<T>,
  offline: (g: Gateway) => Promise<T>,
): Promise<T> {
  const pid = await runningPid(config);
  const folder = resolve(config.dataDir);
  if (pid) {
    process.stderr.write(`pintu: through the running gateway (pid ${pid}, data folder ${folder})\n`);
    return online();
  }
  requireDataDir(config);
  process.stderr.write(`pintu: on the data folder ${folder} (no gateway runs on it)\n`);
  const log = createLogger({ ...config, log: { ...config.log, level: 'warn' } });
  const g = await openGateway({ config, readers: new Map(), locks: new Map(), log, createFirstAdmin: false });
  try {
    return await offline(g);
  } finally {
    await g.close();
  }
}

/**
 * `report --register`: the guest book from the files, read-only (safe while the gateway runs):
 * the month's archive and the open visits, hosts and badges of the saved state; the retention in
 * force is the panel's override when the admin set one, else the configuration's.
 */
async function reportRegister(
  config: Config,
  values: { day?: string; month?: string; format?: string; lang?: string; out?: string },
): Promise<void> {
  if (values.day === undefined && values.month === undefined)
    throw new UsageError('report --register needs --day YYYY-MM-DD or --month YYYY-MM');
  let period: RegisterPeriod;
  try {
    period = registerPeriod({ day: values.day, month: values.month });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const format = values.format ?? 'csv';
  if (!isRegisterFormat(format)) throw new UsageError(`unknown report format "${format}"`);
  if ((format === 'xlsx' || format === 'pdf') && !values.out)
    throw new UsageError(`--format ${format} needs --out FILE`);
  const lang = values.lang === 'en' ? 'en' : 'id';
  const state = await savedState(config);
  const settings = await PanelSettingsStore.open(config.dataDir);
  // The summary's no-shows and survey from the journal, read-only like the rest.
  const journal = await Journal.open(join(config.dataDir, 'journal'), {
    monthOf: (at) => monthOf(at, config.timezone),
    readOnly: true,
  });
  let figures: Awaited<ReturnType<typeof registerJournalFigures>>;
  try {
    figures = await registerJournalFigures(
      journal,
      period,
      config.timezone,
      appointmentLookback(Math.max(config.visits.appointmentMaxDays, config.access.rescheduleMaxDays)),
    );
  } finally {
    await journal.close();
  }
  const register = await registerFromRecords(
    new Archive<Visit>(join(config.dataDir, 'archive')),
    state.data.visits,
    {
      ...figures,
      period,
      timezone: config.timezone,
      now: Date.now(),
      retentionDays: settings.get().retentionGuestDays ?? config.retention.guestDays,
      hosts: new Map(state.data.hosts.map((h) => [h.id, h])),
      badges: new Map(state.data.badges.map((b) => [b.id, b])),
      purposes: config.visits.purposes,
    },
  );
  const file = await exportRegister(register, format, lang);
  if (values.out) {
    await writeFile(values.out, file);
    process.stdout.write(
      `guest book ${period.kind === 'day' ? period.day : period.month} (${register.rows.length} visits, ${config.dataDir}) written to ${values.out}\n`,
    );
  } else process.stdout.write(file);
}

/**
 * The passphrase of a key backup: PINTU_KEYS_PASSPHRASE, else typed on the terminal (not
 * echoed), else the first line of stdin. Never an option: it would sit in the shell history
 * and in the process list.
 */
async function passphrase(prompt: string): Promise<string> {
  const env = process.env.PINTU_KEYS_PASSPHRASE;
  if (env) return env;
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    let typed = '';
    try {
      for await (const chunk of stdin) {
        for (const ch of String(chunk)) {
          if (ch === '\r' || ch === '\n') return typed;
          if (ch === '\u0003') throw new Error('cancelled');
          if (ch === '\u007f') typed = typed.slice(0, -1);
          else typed += ch;
        }
      }
      return typed;
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    }
  }
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

const CLI_ACTOR = { kind: 'user' as const, id: 'cli', role: 'admin' as const };

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      reader: { type: 'string' },
      uid: { type: 'string' },
      pin: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      host: { type: 'string' },
      name: { type: 'string' },
      month: { type: 'string' },
      year: { type: 'string' },
      day: { type: 'string' },
      register: { type: 'boolean' },
      format: { type: 'string', default: 'csv' },
      lang: { type: 'string', default: 'id' },
      out: { type: 'string' },
      in: { type: 'string' },
      force: { type: 'boolean' },
      dir: { type: 'string' },
      guest: { type: 'string' },
      room: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const [cmd, sub] = positionals;
  if (values.version) return void process.stdout.write(`${VERSION}\n`);
  if (values.help || !cmd) return void process.stdout.write(USAGE);
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
    return v;
  };
  const role = (): Role => {
    const r = need('role');
    if (!ROLES.includes(r as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    return r as Role;
  };
  const loaded = loadConfig(values.config ? { file: values.config } : {});
  const { config } = loaded;
  const source = describeSource(loaded);

  if (cmd === 'mqtt-user') {
    requireDataDir(config);
    return (await import('./mqtt/commands.js')).mqttUserCommand(sub, values, config);
  }
  // The MQTT client loads only for the commands that use it: `pintu start` decides taps sooner.
  if (cmd === 'sim-controller')
    return (await import('./mqtt/commands.js')).simControllerCommand(values, config);
  switch (`${cmd}${sub ? ` ${sub}` : ''}`) {
    case 'start': {
      // The stop signals are ours before the first file is opened: a stop during start-up
      // (systemd's stop while the doors come up) closes what is open so far and is a clean exit.
      const log = createLogger(config);
      const starting = new AbortController();
      let running: Running | undefined;
      let signals = 0;
      const stop = (signal: string) => {
        if (++signals > 1) process.exit(1);
        log.info({ signal }, 'stopping');
        if (!running) return starting.abort();
        running.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      try {
        running = await startGateway(config, log, { signal: starting.signal });
      } catch (err) {
        if (!(err instanceof StartStopped)) throw err;
        log.info('Pintu stopped during start-up: doors in their safe state, journal flushed');
        process.exit(0);
      }
      log.info({ config: source }, 'configuration loaded');
      if (running.gateway.firstAdmin) {
        const { username, password } = running.gateway.firstAdmin;
        process.stdout.write(
          `\n  First admin account created. Shown once, never logged:\n    user: ${username}\n    password: ${password}\n` +
            `  Log in at ${running.url}: the first login asks for a new password.\n\n`,
        );
      }
      return;
    }
    case 'tap': {
      if (!(await runningPid(config)))
        throw new Error('no gateway runs on this data folder: start it with `pintu start`');
      const body = { reader: need('reader'), ...(values.uid ? { uid: values.uid } : { pin: need('pin') }) };
      const r = (await api(config, 'POST', '/taps', body)) as Record<string, unknown>;
      const verdict =
        r.kind === 'desk' ? 'desk read' : r.granted ? 'GRANTED' : `DENIED (${String(r.reason)})`;
      process.stdout.write(`${verdict} ${JSON.stringify(r)}\n`);
      return;
    }
    case 'user add': {
      const generated = values.password ? undefined : newOneTimePassword();
      const input = {
        username: need('username'),
        role: role(),
        password: values.password ?? generated!,
        ...(values.host ? { hostId: values.host } : {}),
        // A generated password is one-time: it must be changed at the first login. One given
        // with --password is the operator's choice (a script's account), as given.
        temporary: Boolean(generated),
      };
      await viaGateway(
        config,
        () => api(config, 'POST', '/users', input),
        (g) => g.accounts.addUser(input, CLI_ACTOR),
      );
      process.stdout.write(
        `user ${input.username} (${input.role}) added${generated ? `; password: ${generated}` : ''}\n`,
      );
      return;
    }
    case 'user list': {
      const users = (await viaGateway(
        config,
        () => api(config, 'GET', '/users'),
        async (g) => g.accounts.users(),
      )) as Array<{ username: string; role: string; hostId?: string }>;
      for (const u of users)
        process.stdout.write(`${u.username}\t${u.role}${u.hostId ? `\t${u.hostId}` : ''}\n`);
      return;
    }
    case 'user remove': {
      const username = need('username');
      await viaGateway(
        config,
        () => api(config, 'DELETE', `/users/${encodeURIComponent(username)}`),
        (g) => g.accounts.removeUser(username, CLI_ACTOR),
      );
      process.stdout.write(`user ${username} removed\n`);
      return;
    }
    case 'user passwd': {
      const username = need('username');
      if (await runningPid(config))
        throw new Error('stop the gateway first, or change the password in the panel');
      const generated = values.password ? undefined : newOneTimePassword();
      await viaGateway(
        config,
        async () => undefined,
        (g) => g.accounts.setPassword(username, values.password ?? generated!, CLI_ACTOR, Boolean(generated)),
      );
      process.stdout.write(`password of ${username} changed${generated ? `: ${generated}` : ''}\n`);
      return;
    }
    case 'token create': {
      const input = { name: need('name'), role: role(), ...(values.host ? { hostId: values.host } : {}) };
      const r = (await viaGateway(
        config,
        () => api(config, 'POST', '/tokens', input),
        async (g) => await g.accounts.createToken(input.name, input.role, CLI_ACTOR, input.hostId),
      )) as { token: string };
      process.stdout.write(`${r.token}\n`);
      return;
    }
    case 'journal verify': {
      const dir = values.dir ?? join(config.dataDir, 'journal');
      const r = await Journal.verify(dir);
      if (r.ok) {
        process.stdout.write(
          `journal OK: ${r.entries} entries in ${r.months.length} month file(s), chain intact\n`,
        );
        return;
      }
      const b = r.firstBreak!;
      fail(
        `journal BROKEN at ${b.file} line ${b.line}${b.seq !== undefined ? ` (seq ${b.seq})` : ''}: ${b.reason}`,
        2,
      );
      return;
    }
    case 'report': {
      if (values.register) return reportRegister(config, values);
      if (values.day !== undefined) throw new UsageError('--day is for the guest book: add --register');
      if (values.year !== undefined && values.month !== undefined)
        throw new UsageError('give --month or --year, not both');
      const year = values.year;
      if (year !== undefined && !isValidYear(year))
        throw new UsageError(`--year must be YYYY, not "${year}"`);
      const month = values.month ?? monthOf(Date.now(), config.timezone);
      const format = values.format ?? 'csv';
      if (
        !(
          year === undefined ? ['csv', 'csv-excel', 'json', 'xlsx', 'pdf'] : ['csv', 'csv-excel', 'json']
        ).includes(format)
      )
        throw new UsageError(
          `unknown report format "${format}"${year === undefined ? '' : ' for a yearly recap'}`,
        );
      if ((format === 'xlsx' || format === 'pdf') && !values.out)
        throw new UsageError(`--format ${format} needs --out FILE`);
      const lang = values.lang === 'en' ? 'en' : 'id';
      const dialect = format === 'csv-excel' ? 'excel-id' : 'rfc4180';
      // Read-only: the journal and the hosts of the saved state; safe while the gateway runs.
      const state = await savedState(config);
      const journal = await Journal.open(join(config.dataDir, 'journal'), {
        monthOf: (at) => monthOf(at, config.timezone),
        readOnly: true,
      });
      const ctx = {
        timezone: config.timezone,
        hosts: new Map(state.data.hosts.map((h) => [h.id, h])),
        doors: doorsOf(config),
        badges: new Map(state.data.badges.map((b) => [b.id, b])),
        purposes: config.visits.purposes,
        now: Date.now(),
      };
      const lookback = appointmentLookback(
        Math.max(config.visits.appointmentMaxDays, config.access.rescheduleMaxDays),
      );
      const json = (recap: unknown) => `${JSON.stringify(recap, null, 2)}\n`;
      // The period's satisfaction survey, as the gateway's recaps carry it.
      const survey = await surveyFromJournal(
        journal,
        new SaranFile(join(config.dataDir, 'survey')),
        year ?? month,
        saranKeptFrom(Date.now(), config.retention.saranDays),
      );
      let text: string | Buffer;
      if (year !== undefined) {
        const recap = await yearlyRecapFromJournal(journal, { ...ctx, year }, lookback);
        text =
          format === 'json'
            ? json({ ...localiseRecap(recap, lang), survey })
            : yearlyRecapToCsv(recap, lang, dialect, survey);
      } else {
        const recap = await recapFromJournal(journal, { ...ctx, month }, lookback);
        text =
          // exceljs and pdfkit load only when asked for: every other command starts faster.
          format === 'xlsx'
            ? await (await import('./reports/xlsx.js')).recapToXlsx(recap, lang, { survey })
            : format === 'pdf'
              ? await (await import('./reports/pdf.js')).recapToPdf(recap, lang, { survey })
              : format === 'json'
                ? json({ ...localiseRecap(recap, lang), survey })
                : recapToCsv(recap, lang, dialect, survey);
      }
      await journal.close();
      if (values.out) {
        await writeFile(values.out, text);
        process.stdout.write(`recap ${year ?? month} written to ${values.out}\n`);
      } else process.stdout.write(text);
      return;
    }
    case 'privacy export': {
      const guest = need('guest');
      const r = await viaGateway(
        config,
        () => api(config, 'GET', `/guests/${encodeURIComponent(guest)}/export`),
        (g) => g.privacy.export(guest, CLI_ACTOR),
      );
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return;
    }
    case 'privacy erase': {
      const guest = need('guest');
      await viaGateway(
        config,
        () => api(config, 'POST', `/guests/${encodeURIComponent(guest)}/erase`),
        (g) => g.privacy.erase(guest, CLI_ACTOR),
      );
      process.stdout.write(`identity data of guest ${guest} erased\n`);
      return;
    }
    case 'keys rotate': {
      requireDataDir(config);
      // The running gateway holds the keys in memory: it would go on personalising with the old one.
      const pid = await runningPid(config);
      if (pid) throw new Error(`a gateway runs on ${resolve(config.dataDir)} (pid ${pid}): stop it first`);
      const generation = SiteKeyRing.rotate(config.dataDir);
      process.stdout.write(
        `site key ${generation} made; key ${generation - 1} kept as keys/site-${generation - 1}.old.key. ` +
          'Badges under older keys still open; recycle them at the desk ("Daur ulang"). Back the keys up again.\n',
      );
      return;
    }
    case 'keys backup': {
      const out = need('out');
      requireDataDir(config);
      const files = readKeyFiles(config.dataDir);
      writeBackup(out, sealKeyFiles(files, await passphrase('passphrase for the backup: ')));
      process.stdout.write(
        `${Object.keys(files).length} key file(s) sealed into ${out}: keep it offline, apart from its passphrase\n`,
      );
      return;
    }
    case 'keys restore': {
      const file = need('in');
      requireDataDir(config);
      const pid = await runningPid(config);
      if (pid) throw new Error(`a gateway runs on ${resolve(config.dataDir)} (pid ${pid}): stop it first`);
      const files = openKeyFiles(
        await readFile(file, 'utf8'),
        await passphrase('passphrase of the backup: '),
      );
      const written = restoreKeyFiles(config.dataDir, files, values.force === true);
      process.stdout.write(
        written.length
          ? `restored ${written.join(', ')} into ${join(resolve(config.dataDir), 'keys')}\n`
          : 'the keys of the backup are there already: nothing to restore\n',
      );
      return;
    }
    case 'fleet key': {
      if (!config.fleet) throw new Error('no fleet section in the configuration: this gateway stands alone');
      const file = fleetKeyFile({ config }, config.fleet);
      if (!config.fleet.keyFile) requireDataDir(config);
      process.stdout.write(`${publicKeyText(await openFleetKey(file))}\n`);
      return;
    }
    case 'fleet status': {
      if (!(await runningPid(config)))
        throw new Error('no gateway runs on this data folder: start it with `pintu start`');
      process.stdout.write(fleetStatusText(await api(config, 'GET', '/fleet/status')));
      return;
    }
    case 'config check':
      process.stdout.write(
        `configuration OK (${source}): ${config.doors.length} doors, ${config.readers.length} readers\n`,
      );
      return;
    case 'config reference':
      // TypeBox builds the schema: loaded for this command, not at every start.
      process.stdout.write(`${(await import('./config/schema.js')).describeConfigMarkdown()}\n`);
      return;
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message, 78);
  if (err instanceof UsageError) fail(`${err.message}\n\n${USAGE}`, 64);
  if (err instanceof MqttUserError) fail(err.message, 64);
  fail(err instanceof Error ? err.message : String(err));
});
