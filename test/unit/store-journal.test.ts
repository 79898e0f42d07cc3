import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import { Journal, JournalError, type TornLineInfo } from '../../src/store/journal.js';
import { ACTOR, doorEvent, jakartaMonth, tapEvent, tempDir } from '../fixtures/journal-helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('journal'));
});
afterEach(() => cleanup());

const JAN = Date.UTC(2025, 0, 10, 3);
const FEB = Date.UTC(2025, 1, 10, 3);
const MAR = Date.UTC(2025, 2, 10, 3);

function openJournal(torn: TornLineInfo[] = []): Promise<Journal> {
  return Journal.open(dir, { monthOf: jakartaMonth, onTornLine: (info) => torn.push(info) });
}

/** seq 1..n, spread over January, February and March. */
async function filled(n: number): Promise<Journal> {
  const j = await openJournal();
  for (let i = 1; i <= n; i++) {
    const at = i <= n / 3 ? JAN + i : i <= (2 * n) / 3 ? FEB + i : MAR + i;
    await j.append(tapEvent(i), ACTOR, at);
  }
  return j;
}

async function inJanuary(n: number): Promise<Journal> {
  const j = await openJournal();
  for (let i = 1; i <= n; i++) await j.append(tapEvent(i), ACTOR, JAN + i);
  return j;
}

async function all(j: Journal, opts: Parameters<Journal['read']>[0] = {}): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of j.read(opts)) out.push(e);
  return out;
}

function file(month: string): string {
  return path.join(dir, `${month}.jsonl`);
}

async function lines(month: string): Promise<string[]> {
  return (await readFile(file(month), 'utf8')).split('\n').filter((l) => l !== '');
}

describe('Journal', () => {
  it('chains entries across month files and verifies', async () => {
    const j = await filled(9);
    await j.close();
    expect(await j.months()).toEqual(['2025-01', '2025-02', '2025-03']);
    expect(await lines('2025-01')).toHaveLength(3);

    const entries = await all(await openJournal());
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(entries[0]!.prev).toBe('0'.repeat(64));
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const content = JSON.stringify({
        seq: e.seq,
        at: e.at,
        type: e.type,
        actor: e.actor,
        payload: e.payload,
        prev: e.prev,
      });
      expect(e.hash).toBe(createHash('sha256').update(content).digest('hex'));
      if (i > 0) expect(e.prev).toBe(entries[i - 1]!.hash);
    }
    expect(await Journal.verify(dir)).toEqual({
      ok: true,
      entries: 9,
      months: ['2025-01', '2025-02', '2025-03'],
    });
  });

  it('writes each line with the keys in order and the hash last', async () => {
    const j = await openJournal();
    const e = await j.append(tapEvent(1), ACTOR, JAN);
    await j.close();
    const [line] = await lines('2025-01');
    expect(Object.keys(JSON.parse(line!))).toEqual(['seq', 'at', 'type', 'actor', 'payload', 'prev', 'hash']);
    expect(JSON.parse(line!)).toEqual(e);
  });

  it('uses the local month given by monthOf (Asia/Jakarta)', async () => {
    const j = await openJournal();
    // 31 Jan 17:30 UTC is 1 Feb 00:30 in Jakarta.
    await j.append(tapEvent(1), ACTOR, Date.UTC(2025, 0, 31, 17, 30));
    await j.close();
    expect(await j.months()).toEqual(['2025-02']);
  });

  it('never goes back to an older month file when the clock steps back', async () => {
    const j = await openJournal();
    await j.append(tapEvent(1), ACTOR, FEB);
    await j.append(tapEvent(2), ACTOR, JAN);
    await j.close();
    expect(await j.months()).toEqual(['2025-02']);
    expect((await Journal.verify(dir)).ok).toBe(true);
  });

  it('verify names a tampered line', async () => {
    await (await filled(9)).close();
    const feb = await lines('2025-02');
    const tampered = JSON.parse(feb[1]!);
    tampered.payload.doorId = 'vault';
    feb[1] = JSON.stringify(tampered);
    await writeFile(file('2025-02'), `${feb.join('\n')}\n`);

    const result = await Journal.verify(dir);
    expect(result.ok).toBe(false);
    expect(result.entries).toBe(4);
    expect(result.firstBreak).toMatchObject({ file: file('2025-02'), line: 2 });
    expect(result.firstBreak!.reason).toMatch(/hash/);
  });

  it('verify names a seq gap where a line was deleted', async () => {
    await (await filled(9)).close();
    const jan = await lines('2025-01');
    jan.splice(1, 1);
    await writeFile(file('2025-01'), `${jan.join('\n')}\n`);

    const result = await Journal.verify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ file: file('2025-01'), line: 2, seq: 3 });
    expect(result.firstBreak!.reason).toMatch(/seq gap: expected 2 after 1, found 3/);
  });

  it('verify notices a chain broken across files', async () => {
    await (await filled(9)).close();
    const mar = await lines('2025-03');
    await writeFile(file('2025-03'), `${mar.slice(1).join('\n')}\n`);
    const result = await Journal.verify(dir);
    expect(result.firstBreak).toMatchObject({ file: file('2025-03'), line: 1, seq: 8 });
  });

  it('cuts a torn last line on open, reports it, and continues the chain', async () => {
    await (await filled(6)).close();
    const size = (await stat(file('2025-03'))).size;
    const half = '{"seq":7,"at":174000,"type":"access.gr';
    await appendFile(file('2025-03'), half);
    expect((await Journal.verify(dir)).ok).toBe(false);

    const torn: TornLineInfo[] = [];
    const j = await openJournal(torn);
    expect(torn).toEqual([
      { file: file('2025-03'), offset: size, bytes: half.length, reason: 'last line has no newline' },
    ]);
    expect((await stat(file('2025-03'))).size).toBe(size);
    expect(j.lastSeq).toBe(6);
    const e = await j.append(tapEvent(7), ACTOR, MAR);
    expect(e.seq).toBe(7);
    await j.close();
    expect(await Journal.verify(dir)).toMatchObject({ ok: true, entries: 7 });
  });

  it('cuts a complete last line whose hash does not match', async () => {
    await (await inJanuary(3)).close();
    const jan = await lines('2025-01');
    const last = JSON.parse(jan[2]!);
    last.at += 1;
    jan[2] = JSON.stringify(last);
    await writeFile(file('2025-01'), `${jan.join('\n')}\n`);

    const torn: TornLineInfo[] = [];
    const j = await openJournal(torn);
    expect(torn).toHaveLength(1);
    expect(torn[0]!.reason).toMatch(/hash/);
    expect(j.lastSeq).toBe(2);
    await j.append(tapEvent(3), ACTOR, JAN);
    await j.close();
    expect((await Journal.verify(dir)).ok).toBe(true);
  });

  it('refuses to open when more than the last line is bad (corruption, not a torn write)', async () => {
    await (await inJanuary(3)).close();
    const jan = await lines('2025-01');
    await writeFile(file('2025-01'), `${jan[0]}\nnot json\nnot json either\n`);
    await expect(openJournal()).rejects.toThrow(JournalError);
  });

  it('group-commits: 1000 concurrent appends, seq in call order, few flushes', async () => {
    const j = await openJournal();
    const resolved: number[] = [];
    const pending = Array.from({ length: 1000 }, (_, i) =>
      j.append(tapEvent(i), ACTOR, JAN).then((e) => {
        resolved.push(e.seq);
        return e;
      }),
    );
    expect(j.lastSeq).toBe(1000);
    const entries = await Promise.all(pending);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(resolved).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(j.stats.appends).toBe(1000);
    expect(j.stats.flushes).toBeLessThanOrEqual(10);
    await j.close();
    expect(await Journal.verify(dir)).toMatchObject({ ok: true, entries: 1000 });
  });

  it('batches appends made while a flush is in flight', async () => {
    const j = await openJournal();
    const first = j.append(tapEvent(0), ACTOR, JAN);
    await Promise.resolve();
    await Promise.resolve();
    // The first flush has started; these queue behind it and go out together.
    const rest = Array.from({ length: 100 }, (_, i) => j.append(tapEvent(i + 1), ACTOR, JAN));
    await Promise.all([first, ...rest]);
    expect(j.stats.flushes).toBeLessThanOrEqual(3);
    await j.close();
  });

  it('restores lastSeq and lastHash on reopen', async () => {
    const j = await filled(5);
    const { lastSeq, lastHash } = j;
    await j.close();
    const again = await openJournal();
    expect(again.lastSeq).toBe(lastSeq);
    expect(again.lastHash).toBe(lastHash);
    const e = await again.append(tapEvent(6), ACTOR, MAR);
    expect(e.prev).toBe(lastHash);
    await again.close();
  });

  it('starts a fresh chain in an empty directory', async () => {
    const j = await Journal.open(path.join(dir, 'nested', 'journal'), {
      monthOf: jakartaMonth,
      now: () => FEB,
    });
    expect(j.lastSeq).toBe(0);
    expect(j.lastHash).toBe('0'.repeat(64));
    const e = await j.append(doorEvent('d1'), ACTOR);
    expect(e).toMatchObject({ seq: 1, at: FEB, prev: '0'.repeat(64) });
    await j.close();
  });

  it('close() flushes pending appends; appends after close are refused', async () => {
    const j = await openJournal();
    const pending = [j.append(tapEvent(1), ACTOR, JAN), j.append(tapEvent(2), ACTOR, JAN)];
    await j.close();
    await Promise.all(pending);
    await expect(j.append(tapEvent(3), ACTOR, JAN)).rejects.toThrow(/closed/);
    expect((await openJournal()).lastSeq).toBe(2);
  });

  it('refuses further appends once a write failed', async () => {
    const j = await openJournal();
    await j.append(tapEvent(1), ACTOR, JAN);
    // A directory where February's file should go makes the rotation fail.
    await mkdir(file('2025-02'));
    await expect(j.append(tapEvent(2), ACTOR, FEB)).rejects.toThrow(JournalError);
    expect(j.failure).toBeDefined();
    await expect(j.append(tapEvent(3), ACTOR, JAN)).rejects.toThrow(/broken/);
    await j.close();
  });

  it('read-only: leaves a torn tail alone, refuses appends, reads what was complete', async () => {
    await (await inJanuary(3)).close();
    const size = (await stat(file('2025-01'))).size;
    await appendFile(file('2025-01'), '{"seq":4,"at":1,');
    const torn: TornLineInfo[] = [];
    const ro = await Journal.open(dir, {
      monthOf: jakartaMonth,
      readOnly: true,
      onTornLine: (i) => torn.push(i),
    });
    expect(ro.lastSeq).toBe(3);
    expect(torn).toEqual([]);
    expect((await stat(file('2025-01'))).size).toBe(size + 16);
    expect((await all(ro)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await ro.page({ limit: 5 })).entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    await expect(ro.append(tapEvent(4), ACTOR, JAN)).rejects.toThrow(/read-only/);
    await ro.close();
    expect(
      await Journal.open(path.join(dir, 'absent'), { monthOf: jakartaMonth, readOnly: true }),
    ).toMatchObject({
      lastSeq: 0,
    });
  });

  it("read-only: sees the entries complete at open, not a writer's later ones", async () => {
    const writer = await inJanuary(2);
    const ro = await Journal.open(dir, { monthOf: jakartaMonth, readOnly: true });
    await writer.append(tapEvent(3), ACTOR, JAN);
    await writer.append(tapEvent(4), ACTOR, FEB);
    expect((await all(ro)).map((e) => e.seq)).toEqual([1, 2]);
    await writer.close();
  });

  it('reads from a seq, a month, or by type, streaming across files', async () => {
    const j = await filled(9);
    await j.append(doorEvent('d1'), ACTOR, MAR);
    expect((await all(j, { fromSeq: 5 })).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect((await all(j, { fromSeq: 8 })).map((e) => e.seq)).toEqual([8, 9, 10]);
    expect((await all(j, { month: '2025-02' })).map((e) => e.seq)).toEqual([4, 5, 6]);
    expect((await all(j, { types: ['door.opened'] })).map((e) => e.seq)).toEqual([10]);
    expect(await all(j, { month: '2024-12' })).toEqual([]);
    expect(await all(j, { fromSeq: 11 })).toEqual([]);
    expect((await all(j, { month: '2025-02', fromSeq: 5 })).map((e) => e.seq)).toEqual([5, 6]);
    await j.close();
  });

  it('pages newest first, backwards and forwards', async () => {
    const j = await filled(24);
    const p1 = await j.page({ limit: 10 });
    expect(p1.entries.map((e) => e.seq)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    expect(p1.hasMore).toBe(true);
    const p2 = await j.page({ limit: 10, beforeSeq: 15 });
    expect(p2.entries.map((e) => e.seq)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
    const p3 = await j.page({ limit: 10, beforeSeq: 5 });
    expect(p3.entries.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    expect(p3.hasMore).toBe(false);

    const next = await j.page({ limit: 3, afterSeq: 20 });
    expect(next.entries.map((e) => e.seq)).toEqual([23, 22, 21]);
    expect(next.hasMore).toBe(true);
    expect((await j.page({ limit: 5, afterSeq: 22 })).entries.map((e) => e.seq)).toEqual([24, 23]);

    await j.append(doorEvent('d1'), ACTOR, MAR);
    const doors = await j.page({ limit: 10, types: ['door.opened'] });
    expect(doors).toEqual({
      entries: [expect.objectContaining({ seq: 25, type: 'door.opened' })],
      hasMore: false,
    });
    await j.close();
  });

  it('opens by reading the tail only', async () => {
    const j = await openJournal();
    const n = 100_000;
    const batch: Promise<JournalEntry>[] = [];
    for (let i = 1; i <= n; i++) batch.push(j.append(tapEvent(i), ACTOR, JAN + i));
    await Promise.all(batch);
    await j.close();

    // Read-only: a writable open also starts the writer thread, whose start-up is not what
    // this measures.
    const started = performance.now();
    const again = await Journal.open(dir, { monthOf: jakartaMonth, readOnly: true });
    const elapsed = performance.now() - started;
    expect(again.lastSeq).toBe(n);
    expect(elapsed).toBeLessThan(250);
    const page = await again.page({ limit: 50 });
    expect(page.entries[0]!.seq).toBe(n);
    await again.close();

    // Damage the start of the history: open() does not notice (it never reads there)...
    const text = await readFile(file('2025-01'), 'utf8');
    await writeFile(file('2025-01'), `garbage${text.slice(7)}`);
    expect((await openJournal()).lastSeq).toBe(n);
    // ...verify() does.
    expect((await Journal.verify(dir)).firstBreak).toMatchObject({ line: 1 });
  });
});

it('opens without its writer thread: appends made before it serves keep the chain (issue 16)', async () => {
  const j = await openJournal();
  for (let i = 1; i <= 3; i++) await j.append(tapEvent(i), ACTOR, JAN + i);
  await j.close();

  // A gateway's open: nothing written before "doors ready", so the thread is not started yet.
  const again = await openJournal();
  expect(again.writerStarted).toBe(false);
  // Taps in that window: seq and prev come at once from the tail read at open; the first
  // flush starts the thread and they wait for it in the queue.
  const burst = [4, 5, 6].map((i) => again.append(tapEvent(i), ACTOR, JAN + i));
  const entries = await Promise.all(burst);
  expect(again.writerStarted).toBe(true);
  expect(entries.map((e) => e.seq)).toEqual([4, 5, 6]);
  await again.close();
  expect(await Journal.verify(dir)).toMatchObject({ ok: true, entries: 6 });
});
