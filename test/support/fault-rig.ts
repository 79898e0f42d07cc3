// One gateway on everything the lab can fake, for the device fault campaign (issue 6):
// test/system/fault-devices.test.ts runs the faults once each, in order; campaigns/faults.ts
// runs them at random, round after round. No test framework in here, so the campaign can
// import it.
//
//   pintu-utama    entrance, GPIO relay (BCM 17, fake sysfs)  reader pintu-utama-in:   PC/SC
//                                                             (pcscd + vpcd "Virtual PCD 00 00")
//   pintu-samping  entrance, GPIO relay (BCM 27, fake sysfs)  reader pintu-samping-in: serial
//                                                             (socat pty pair, W26 lines)
//   ruang-101      room controller r101 over MQTT             reader r101-in: the controller's
//   on a private Mosquitto (external mode, persistence on), with a facilities client whose
//   persistent session (QoS 2) collects pintu/events across broker restarts.
//
// The faults: pcscd killed (and started), the serial device unplugged (socat killed, and a
// new pair), the broker stopped (and started), the room controller deaf (never acks, and
// acking again).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { JournalEntry } from '../../src/domain/events.js';
import type { GpioLock } from '../../src/hardware/gpio-door.js';
import type { PcscContext, PcscReader } from '../../src/hardware/pcsc.js';
import type { SerialReader } from '../../src/hardware/serial.js';
import { EVENT_TYPES } from '../../src/mqtt/schemas.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { badgedVisit } from './gateway.js';
import { type HealthDetails, healthOf } from './health.js';
import {
  eventually,
  fakeSysfs,
  labLock,
  type Need,
  PI4_CHIPS,
  pinValue,
  ptyPair,
  startPcscd,
  stopPcscd,
  unplugPty,
  VirtualCard,
} from './lab-tools.js';
import {
  type Collected,
  client,
  gatewayLogins,
  Mosquitto,
  type MqttGateway,
  mosquittoAcl,
  startMqttGateway,
  TEST_PASSWORD,
} from './mqtt.js';

export const RIG_NEEDS: readonly Need[] = [
  'lab',
  'root',
  'pcscd',
  'vsmartcard-vpcd',
  'python3-virtualsmartcard',
  'python3',
  'nfc-pcsc',
  'socat',
  'mosquitto',
];

export type Fault = 'pcscd' | 'serial' | 'broker' | 'no_ack';
export const FAULTS: readonly Fault[] = ['pcscd', 'serial', 'broker', 'no_ack'];
export type ReaderKind = 'nfc' | 'serial' | 'room';
/** The readers at the gateway's own doors (they must decide whatever happens to the rest). */
export const LOCAL: readonly ReaderKind[] = ['nfc', 'serial'];

export const READER: Record<ReaderKind, string> = {
  nfc: 'pintu-utama-in',
  serial: 'pintu-samping-in',
  room: 'r101-in',
};
export const DOOR: Record<ReaderKind, string> = {
  nfc: 'pintu-utama',
  serial: 'pintu-samping',
  room: 'ruang-101',
};
/** Sysfs numbers of the relays on the Pi 4 tree (base 512): BCM 17 and 27. */
export const RELAY: Record<'nfc' | 'serial', number> = { nfc: 529, serial: 539 };
export const UNKNOWN_UID = '04DEADBEEF0001';

const GATEWAY_LOGIN = { username: 'gateway', password: 'gateway secret 123' };

export interface RigOptions {
  /** When a reader without its device counts as offline (the gateway's defaults otherwise). */
  readerWatch?: { offlineAfterMs?: number; startGraceMs?: number };
}

export class FaultRig {
  private device: SerialPort | undefined;
  private constructor(
    /** Every journal entry since the gateway opened, in order. */
    readonly entries: JournalEntry[],
    readonly dir: string,
    readonly g: MqttGateway,
    readonly broker: Mosquitto,
    readonly card: VirtualCard,
    readonly controller: SimController,
    /** Facilities, persistent session: pintu/events across broker restarts. */
    readonly fac: Collected,
    /** The badge of an accepted visit with ruang-101 granted. */
    readonly uid: string,
    private readonly release: () => void,
  ) {}

  get app(): string {
    return join(this.dir, 'ttyApp');
  }
  get dev(): string {
    return join(this.dir, 'ttyDev');
  }
  get sysfs(): string {
    return join(this.dir, 'gpio');
  }

  static async start(opts: RigOptions = {}): Promise<FaultRig> {
    const release = await labLock('pcscd');
    const dir = mkdtempSync(join(tmpdir(), 'pintu-faults-'));
    mkdirSync(join(dir, 'data'));
    const undo: Array<() => Promise<unknown> | unknown> = [
      () => rmSync(dir, { recursive: true, force: true }),
      release,
    ];
    try {
      await startPcscd();
      const card = await VirtualCard.start(35963, join(dir, 'card.sock'));
      undo.unshift(() => card.stop());
      const app = join(dir, 'ttyApp');
      await ptyPair(app, join(dir, 'ttyDev'));
      undo.unshift(() => unplugPty(app).catch(() => undefined));
      const sysfs = join(dir, 'gpio');
      fakeSysfs(sysfs, PI4_CHIPS, [RELAY.nfc, RELAY.serial]);
      const broker = await Mosquitto.start({
        users: [
          ...gatewayLogins(GATEWAY_LOGIN),
          ...['ctl-101', 'fac'].map((username) => ({ username, password: TEST_PASSWORD })),
        ],
        acl: mosquittoAcl({
          gateway: 'gateway',
          facilities: ['fac'],
          homeassistant: [],
          rooms: { 'ctl-101': 'r101' },
        }),
        persistence: true,
      });
      undo.unshift(() => broker.stop());
      const g = await startMqttGateway({
        dir: join(dir, 'data'),
        mqtt: { mode: 'external', url: broker.url, ...GATEWAY_LOGIN, protocolVersion: 5 },
        url: broker.url,
        users: [],
        ...(opts.readerWatch ? { readerWatch: opts.readerWatch } : {}),
        extra: {
          gpio: { sysfsRoot: sysfs },
          pcsc: { retryMinMs: 200, retryMaxMs: 1000 },
          // Every read is a tap (the same badge again and again, on a clock that stands still).
          access: { debounceMs: 0 },
          doors: [
            {
              id: 'pintu-utama',
              name: 'Pintu Utama',
              kind: 'entrance',
              lock: { driver: 'gpio', pin: 17 },
              pulseMs: 1000,
              // The lab's virtual badge reads a UID only (not an NTAG 424 DNA).
              credential: 'uid',
            },
            {
              id: 'pintu-samping',
              name: 'Pintu Samping',
              kind: 'entrance',
              lock: { driver: 'gpio', pin: 27 },
              pulseMs: 1000,
            },
            {
              id: 'ruang-101',
              name: 'Ruang 101',
              kind: 'room',
              lock: { driver: 'mqtt', room: 'r101' },
              pulseMs: 300,
            },
          ],
          readers: [
            { id: 'desk', role: 'desk' },
            {
              id: READER.nfc,
              role: 'door',
              door: DOOR.nfc,
              direction: 'in',
              driver: { type: 'pcsc', name: '^Virtual PCD 00 00$' },
            },
            {
              id: READER.serial,
              role: 'door',
              door: DOOR.serial,
              direction: 'in',
              driver: {
                type: 'serial',
                path: app,
                baudRate: 9600,
                delimiter: '\r\n',
                pattern: '^W26:(?<credential>[0-9A-Fa-f]+)$',
                reopenMinMs: 50,
                reopenMaxMs: 400,
              },
            },
            { id: READER.room, role: 'door', door: DOOR.room, direction: 'in', driver: { type: 'mqtt' } },
          ],
          hosts: [
            { id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: ['ruang-101'] },
          ],
        },
      });
      undo.unshift(() => g.close());
      const entries: JournalEntry[] = [];
      g.gateway.core.bus.on('entry', (e) => entries.push(e));
      const controller = new SimController({
        room: 'r101',
        url: broker.url,
        username: 'ctl-101',
        password: TEST_PASSWORD,
        protocolVersion: 5,
        reconnectPeriod: 200,
      });
      await controller.start();
      undo.unshift(() => controller.stop());
      const fac = await client(broker.url, {
        username: 'fac',
        password: TEST_PASSWORD,
        clientId: 'fac-fault-rig',
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 200,
        subscribe: ['pintu/events'],
        qos: 2,
      });
      undo.unshift(() => fac.end());
      const visit = await badgedVisit(g.gateway, { badge: 'TAMU-01', rooms: ['ruang-101'] });
      const uid = g.gateway.core.state.badges.get(visit.badgeId!)!.uid;
      const rig = new FaultRig(entries, dir, g, broker, card, controller, fac, uid, release);
      await rig.plugDevice();
      // Everything up: the NFC reader attached, the serial port open, the controller acking.
      await eventually(() => {
        if (rig.pcscReader.readerName === undefined) throw new Error('no PC/SC reader yet');
        if (!rig.serialReader.isOpen) throw new Error('serial reader not open yet');
        if (g.drivers.locks.get(DOOR.room)!.state().fault) throw new Error('room controller not ready');
        if (!g.mqtt.health().connected) throw new Error('not connected to the broker');
      }, 15_000);
      return rig;
    } catch (err) {
      for (const u of undo) await Promise.resolve(u()).catch(() => undefined);
      throw err;
    }
  }

  // ------------------------------------------------------------------ what there is

  get pcscReader(): PcscReader {
    return this.g.drivers.readers.get(READER.nfc) as PcscReader;
  }
  get pcsc(): PcscContext {
    return this.pcscReader.ctx;
  }
  get serialReader(): SerialReader {
    return this.g.drivers.readers.get(READER.serial) as SerialReader;
  }
  /** Unlock pulses of a local door's relay so far. */
  pulses(kind: 'nfc' | 'serial'): number {
    return (this.g.drivers.locks.get(DOOR[kind]) as GpioLock).pulses;
  }
  /** The relay's value file in the fake sysfs tree ('1' while unlocked). */
  relay(kind: 'nfc' | 'serial'): string {
    return pinValue(this.sysfs, RELAY[kind]);
  }

  health(): Promise<HealthDetails> {
    return healthOf(this.g.app, this.g.gateway);
  }

  /** door.alarm and door.alarm_cleared entries from entry index `from` on: [type, door, alarm, actor]. */
  alarms(from = 0): Array<[string, string, string, string]> {
    return this.entries
      .slice(from)
      .filter((e) => e.type === 'door.alarm' || e.type === 'door.alarm_cleared')
      .map((e) => {
        const p = e.payload as { doorId: string; alarm?: string };
        return [e.type, p.doorId, p.alarm ?? '', e.actor.id];
      });
  }

  /** Seqs of the journal entries the gateway publishes on pintu/events, from entry index `from` on. */
  eventSeqs(from = 0): number[] {
    const types: readonly string[] = EVENT_TYPES;
    return this.entries
      .slice(from)
      .filter((e) => types.includes(e.type))
      .map((e) => e.seq);
  }

  /** Seqs received on pintu/events by the facilities client, in arrival order. */
  receivedSeqs(): number[] {
    return this.fac.on('pintu/events').map((p) => (JSON.parse(p) as { seq: number }).seq);
  }

  /**
   * pintu/events as facilities got them, against the journal from entry index `from` on:
   * each event there once, in journal order. Undefined when so; else what is wrong.
   */
  eventsProblem(from = 0): string | undefined {
    const got = this.receivedSeqs();
    for (let i = 1; i < got.length; i++)
      if (got[i]! <= got[i - 1]!)
        return `pintu/events: seq ${got[i]} after ${got[i - 1]} (out of order or twice)`;
    const want = this.eventSeqs(from);
    if (want.length === 0) return undefined;
    const tail = got.filter((s) => s >= want[0]!);
    if (tail.join() === want.join()) return undefined;
    const lost = want.filter((s) => !tail.includes(s));
    return `pintu/events: ${want.length} journaled from seq ${want[0]}, ${tail.length} received; missing ${lost.slice(0, 10).join(', ')}${lost.length > 10 ? ', ...' : ''}`;
  }

  // ------------------------------------------------------------------ taps

  /**
   * One tap at a reader; resolves with the decision journaled for it (undefined when none
   * came within timeoutMs: the reader cannot read now). NFC: the card stays on the reader
   * until it is read (pcscd polls vpcd about every 400 ms), then leaves.
   */
  async tap(kind: ReaderKind, uid = this.uid, timeoutMs = 3000): Promise<JournalEntry | undefined> {
    const from = this.entries.length;
    const decided = () =>
      this.entries
        .slice(from)
        .find(
          (e) =>
            (e.type === 'access.granted' || e.type === 'access.denied') &&
            (e.payload as { readerId: string }).readerId === READER[kind],
        );
    const wait = async () => {
      try {
        return await eventually(() => decided() ?? Promise.reject(new Error('no decision')), timeoutMs, 10);
      } catch {
        return undefined;
      }
    };
    if (kind === 'nfc') {
      try {
        await this.card.insert(uid);
      } catch {
        return undefined; // vpcd is gone with pcscd
      }
      const d = await wait();
      await this.card.remove().catch(() => undefined);
      // Off the reader before the next tap (a reader that is gone has no card either).
      await eventually(
        () => (this.pcscReader.cardPresent ? Promise.reject(new Error('still on the reader')) : true),
        2000,
      ).catch(() => undefined);
      return d;
    }
    if (kind === 'serial') {
      const device = this.device;
      if (!device?.isOpen) return undefined;
      const sent = await new Promise<boolean>((res) =>
        device.write(`W26:${uid}\r\n`, (err) => (err ? res(false) : device.drain(() => res(true)))),
      );
      return sent ? wait() : undefined;
    }
    if (!this.controller.tap('nfc', uid)) return undefined;
    return wait();
  }

  // ------------------------------------------------------------------ faults

  /** Break `fault`; resolves once done (pcscd gone, socat killed, broker stopped, controller deaf). */
  async inject(fault: Fault): Promise<void> {
    switch (fault) {
      case 'pcscd':
        return stopPcscd();
      case 'serial':
        await this.unplugDevice();
        return unplugPty(this.app);
      case 'broker':
        return this.broker.pause();
      case 'no_ack':
        // Online, never acknowledging: the next command (a tap at its reader) goes unanswered.
        this.controller.opts.silent = true;
        await this.tap('room');
        return;
    }
  }

  /** Mend `fault` (pcscd started, a new pty pair, the broker started, the controller acking). */
  async restore(fault: Fault): Promise<void> {
    switch (fault) {
      case 'pcscd':
        return startPcscd();
      case 'serial':
        await ptyPair(this.app, this.dev);
        return this.plugDevice();
      case 'broker':
        return this.broker.resume();
      case 'no_ack':
        this.controller.opts.silent = false;
        return;
    }
  }

  /** The test's end of the serial cable (the reader's microcontroller). */
  private async plugDevice(): Promise<void> {
    const device = new SerialPort({ path: this.dev, baudRate: 9600 });
    await new Promise<void>((res, rej) => {
      device.once('open', () => res());
      device.once('error', rej);
    });
    device.on('error', () => {}); // unplugged under it
    this.device = device;
  }

  private async unplugDevice(): Promise<void> {
    const device = this.device;
    this.device = undefined;
    if (device?.isOpen) await new Promise((r) => device.close(r));
  }

  async close(): Promise<void> {
    const quietly = (p: Promise<unknown> | unknown) => Promise.resolve(p).catch(() => undefined);
    await quietly(this.fac.end());
    await quietly(this.controller.stop());
    await quietly(this.unplugDevice());
    await quietly(this.g.close());
    await quietly(this.broker.stop());
    await quietly(this.card.stop());
    await quietly(unplugPty(this.app));
    await quietly(startPcscd()); // as found: running
    rmSync(this.dir, { recursive: true, force: true });
    this.release();
  }
}
