// The reference controller's MAC code (firmware-config/room-controller/pintu_mac.h and the
// expressions of room-controller.yaml that build the MACed texts), compiled on this machine with
// g++ and mbedtls (libmbedtls-dev, the library ESP-IDF ships) against small stand-ins for the
// ESPHome and ArduinoJson parts: its MACs must be the gateway's (src/mqtt/room-mac.ts), and its
// counters must be written at once.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandText, mac, tapText } from '../../src/mqtt/room-mac.js';
import { requireLab } from '../support/lab.js';

const run = promisify(execFile);
const DIR = new URL('../../firmware-config/room-controller/', import.meta.url);
const ROOM = 'ruang-kabag';
const KEY = Buffer.from('8f'.repeat(16) + '1c'.repeat(16), 'hex');
const SUBSTITUTIONS: Record<string, string> = { room: ROOM, room_key: KEY.toString('hex') };

const haveToolchain =
  existsSync('/usr/bin/g++') && existsSync('/usr/include/mbedtls/md.h')
    ? true
    : requireLab('g++ and libmbedtls-dev (the firmware MAC check)', false);

/** A line of the YAML, found by what it contains, with the substitutions made. */
function yamlExpression(contains: string, lines = 1): string {
  const text = readFileSync(new URL('room-controller.yaml', DIR), 'utf8').split('\n');
  const at = text.findIndex((l) => l.includes(contains));
  if (at < 0) throw new Error(`room-controller.yaml: no line with ${contains}`);
  return (
    text
      .slice(at, at + lines)
      .join('\n')
      // ESPHome's substitutions, \${name} in the YAML.
      .replace(/\$\{(\w+)\}/g, (whole, name: string) => SUBSTITUTIONS[name] ?? whole)
  );
}

const STUBS: Record<string, string> = {
  'esphome/core/helpers.h': `#pragma once
#include <cstdint>
#include <string>
namespace esphome {
inline uint32_t fnv1_hash(const std::string &s) { uint32_t h = 2166136261u; for (char c : s) { h *= 16777619u; h ^= (uint8_t) c; } return h; }
}`,
  'esphome/core/preferences.h': `#pragma once
#include <cstdint>
#include <map>
namespace esphome {
struct ESPPreferenceObject {
  uint32_t h = 0; std::map<uint32_t, double> *store = nullptr;
  template <typename T> bool save(const T *v) { (*store)[h] = *v; return true; }
  template <typename T> bool load(T *v) { auto it = store->find(h); if (it == store->end()) return false; *v = it->second; return true; }
};
struct ESPPreferences {
  std::map<uint32_t, double> store; int syncs = 0;
  template <typename T> ESPPreferenceObject make_preference(uint32_t h, bool) { ESPPreferenceObject o; o.h = h; o.store = &store; return o; }
  bool sync() { syncs++; return true; }
};
inline ESPPreferences *global_preferences = new ESPPreferences();
}`,
};

/** main.cpp: the YAML's expressions on the fields given as arguments. */
function program(): string {
  return `#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

// ArduinoJson's JsonObject as the lambda uses it: containsKey, operator[], as<T>().
struct V { std::string s; template <typename T> T as() const; };
template <> double V::as<double>() const { return strtod(s.c_str(), nullptr); }
template <> std::string V::as<std::string>() const { return s; }
struct J { std::map<std::string, V> m; bool containsKey(const char *k) const { return m.count(k) > 0; } V operator[](const char *k) const { return m.at(k); } };
int main(int argc, char **argv) {
  std::string mode = argv[1];
  if (mode == "cmd") {
    J x; std::string cmd_id = argv[2], action = argv[3];
    if (std::string(argv[4]) != "-") x.m["ms"] = V{argv[4]};
    x.m["exp"] = V{argv[5]}; x.m["at"] = V{argv[6]};
    double ctr = strtod(argv[7], nullptr);
    ${yamlExpression('std::string text = std::string("pintu-cmd-1', 3)}
    std::cout << pintu::mac("${KEY.toString('hex')}", text) << std::endl;
  } else if (mode == "tap") {
    std::string x = argv[2]; double ctr = strtod(argv[3], nullptr);
    std::map<std::string, std::string> root;
    ${yamlExpression('\\nnfc\\n" + x + "\\n"')}
    std::cout << root["mac"] << std::endl;
  } else {
    auto &c = pintu::tap_counter("${KEY.toString('hex')}");
    double a = c.next(), b = c.next();
    std::cout << a << " " << b << " " << esphome::global_preferences->syncs << std::endl;
  }
}
`;
}

describe.runIf(haveToolchain)("the reference controller's MAC code", () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-fwmac-'));
    await mkdir(join(dir, 'esphome/core'), { recursive: true });
    for (const [file, text] of Object.entries(STUBS)) await writeFile(join(dir, file), text);
    await writeFile(join(dir, 'main.cpp'), program());
    bin = join(dir, 'fwmac');
    const header = new URL('pintu_mac.h', DIR).pathname;
    await run('g++', [
      '-std=c++17',
      '-Wall',
      '-Werror',
      '-I',
      dir,
      '-include',
      header,
      join(dir, 'main.cpp'),
      '-o',
      bin,
      '-lmbedcrypto',
    ]);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const fw = async (...args: string[]) => (await run(bin, args)).stdout.trim();

  it('MACs a command text as the gateway does (with and without ms, large counters)', async () => {
    const cases = [
      {
        id: 'a1b2c3d4e5f6',
        action: 'unlock',
        ms: 3000,
        exp: 1_733_500_003_000,
        at: 1_733_500_000_000,
        ctr: 1,
      },
      {
        id: 'ffeeddccbbaa',
        action: 'lock',
        exp: 1_733_500_003_000,
        at: 1_733_500_001_234,
        ctr: 1_733_500_000_999,
      },
      { id: 'x', action: 'hold', exp: 9_007_199_254_740, at: 0, ctr: 9_007_199_254_740_991 },
    ];
    for (const c of cases) {
      const got = await fw(
        'cmd',
        c.id,
        c.action,
        c.ms === undefined ? '-' : String(c.ms),
        String(c.exp),
        String(c.at),
        String(c.ctr),
      );
      expect(got, JSON.stringify(c)).toBe(mac(KEY, commandText(ROOM, c)));
    }
  });

  it('MACs a tap as the gateway checks it', async () => {
    for (const [credential, ctr] of [
      ['04-A1-B2-C3', 1],
      ['04-A1-B2-C3-D4-E5-01', 4_294_967_295],
    ] as const) {
      expect(await fw('tap', credential, String(ctr))).toBe(
        mac(KEY, tapText(ROOM, { kind: 'nfc', credential, ctr })),
      );
    }
  });

  it('writes its counter to flash at once, at every step', async () => {
    expect(await fw('counter')).toBe('1 2 2');
  });
});
