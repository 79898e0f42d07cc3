// Host-side CPU of one NTAG 424 DNA authentication (issue 12: p99 < 1 ms): the gateway's two
// crypto steps of AuthenticateEV2First (decrypt RndB, encrypt RndA || RndB'; decrypt the
// card's answer, check RndA', derive both session keys) plus the AN10922 diversification of
// the card key, timed without the card's side.
//
//   npx tsx bench/ntag424.ts [runs]
import { performance } from 'node:perf_hooks';
import { aesCbc, diversifyAes128 } from '../src/hardware/aes-cmac.js';
import { authFinish, authSecondCommand, rotateLeft } from '../src/hardware/ntag424.js';

const runs = Number(process.argv[2] ?? 20_000);
const master = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const zero = Buffer.alloc(16);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const uid = Buffer.from([0x04, i & 0xff, (i >> 8) & 0xff, 0x21, 0x80, 0x1d, 0x80]);
  const cardKey = diversifyAes128(master, Buffer.concat([uid, Buffer.from('site-a')]));
  const rndB = Buffer.alloc(16, i & 0xff);
  const encRndB = aesCbc(cardKey, zero, rndB, 'encrypt');
  const rndA = Buffer.alloc(16, (i * 7) & 0xff);
  const answer = aesCbc(
    cardKey,
    zero,
    Buffer.concat([Buffer.from('01020304', 'hex'), rotateLeft(rndA), Buffer.alloc(12)]),
    'encrypt',
  );
  const t0 = performance.now();
  const key = diversifyAes128(master, Buffer.concat([uid, Buffer.from('site-a')]));
  const { rndB: b } = authSecondCommand(key, encRndB, rndA);
  authFinish(key, 2, rndA, b, answer);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))]!.toFixed(3);
process.stdout.write(
  `ntag424 host crypto per tap (diversify + EV2First), ${runs} runs: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms\n`,
);
