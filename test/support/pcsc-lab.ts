// The PC/SC lab of the hw-* suites: pcscd with the vpcd reader, a virtual card daemon on each of
// its first two slots (the entrance's reader and the desk reader), and the lab's lock on them,
// since a gateway of another test file would read the same cards and see pcscd killed.
import { join } from 'node:path';
import type { PcscReader } from '../../src/hardware/pcsc.js';
import type { TestGateway } from './gateway.js';
import { eventually, labLock, startPcscd } from './lab-tools.js';

/** The vpcd port of slot 0 ("Virtual PCD 00 00"); slot 1 ("Virtual PCD 00 01") is the next one. */
export const VPCD_PORT = 35963;

export interface PcscLab<C> {
  /** On slot 0, "Virtual PCD 00 00": the entrance's reader in the suites' configurations. */
  door: C;
  /** On slot 1, "Virtual PCD 00 01": the desk reader. */
  desk: C;
  /** Stops both cards and releases the lock; pcscd stays up for the next suite. */
  close(): Promise<void>;
}

/**
 * Takes the lab's lock on pcscd (it may wait for another suite), starts pcscd and a card with
 * `startCard` on slots 0 and 1 from `port`, their control sockets in `dir`. What was started is
 * stopped again when a later step fails.
 */
export async function openPcscLab<C extends { stop(): Promise<void> }>(
  dir: string,
  startCard: (port: number, socket: string) => Promise<C>,
  port = VPCD_PORT,
): Promise<PcscLab<C>> {
  const release = await labLock('pcscd');
  const started: C[] = [];
  const close = async () => {
    for (const card of started) await card.stop();
    release();
  };
  try {
    await startPcscd();
    const door = await startCard(port, join(dir, 'door.sock'));
    started.push(door);
    const desk = await startCard(port + 1, join(dir, 'desk.sock'));
    started.push(desk);
    return { door, desk, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Resolves once the gateway's readers `desk` and `pintu-utama-in` have found their vpcd slots. */
export async function pcscReadersUp(t: Pick<TestGateway, 'drivers'>): Promise<void> {
  const nameOf = (id: string) => (t.drivers.readers.get(id) as PcscReader).readerName;
  await eventually(() => {
    if (nameOf('desk') !== 'Virtual PCD 00 01' || nameOf('pintu-utama-in') !== 'Virtual PCD 00 00')
      throw new Error(`readers not on their slots: ${nameOf('desk')}, ${nameOf('pintu-utama-in')}`);
  }, 10_000);
}
