// The secure badges' crypto against published example values, not against our own card:
//  - RFC 4493 section 4 (AES-CMAC test vectors, subkeys K1/K2 and the four examples).
//  - NXP AN10922 rev. 1.2 section 2.2.1 (AES-128 diversification example: master key
//    00112233..EEFF, UID 04782E21801D80, AID 3042F5, system identifier "NXP Abu").
//  - NXP AN12196 rev. 1.8/2.0 "NTAG 424 DNA features and hints": table 14 (AuthenticateEV2First
//    with key 0), table 20 (with key 3), tables 26 and 27 (ChangeKey of key 2 and of key 0),
//    as also quoted by pylibsdm's test suite (test/test_ntag424dna_tag.py) and others.
import { describe, expect, it } from 'vitest';
import { aesCmac, cmacSubkeys, diversifyAes128 } from '../../src/hardware/aes-cmac.js';
import {
  authenticateEv2First,
  authFinish,
  authSecondCommand,
  CardAuthError,
  changeKey,
  changeKeyCommand,
  commandIv,
  type Ev2Session,
  sessionVectors,
  type Transmit,
} from '../../src/hardware/ntag424.js';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

describe('AES-CMAC (RFC 4493 section 4)', () => {
  const key = h('2b7e151628aed2a6abf7158809cf4f3c');
  const m = h(
    '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
  );
  it('derives the subkeys', () => {
    const { k1, k2 } = cmacSubkeys(key);
    expect(hex(k1)).toBe('FBEED618357133667C85E08F7236A8DE');
    expect(hex(k2)).toBe('F7DDAC306AE266CCF90BC11EE46D513B');
  });
  it.each([
    [0, 'BB1D6929E95937287FA37D129B756746'],
    [16, '070A16B46B4D4144F79BDD9DD04A287C'],
    [40, 'DFA66747DE9AE63030CA32611497C827'],
    [64, '51F0BEBF7E3B9D92FC49741779363CFE'],
  ])('example of %i bytes', (length, tag) => {
    expect(hex(aesCmac(key, m.subarray(0, length)))).toBe(tag);
  });
});

describe('AN10922 AES-128 key diversification', () => {
  it('gives the application note example key', () => {
    const master = h('00112233445566778899AABBCCDDEEFF');
    const input = h('04782E21801D80 3042F5 4E585020416275');
    expect(hex(diversifyAes128(master, input))).toBe('A8DD63A3B89D54B37CA802473FDA9175');
  });
  it('pads a short input to 32 bytes (not to the next block, as plain CMAC would)', () => {
    const master = h('00112233445566778899AABBCCDDEEFF');
    const input = h('04782E21801D80');
    expect(diversifyAes128(master, input)).not.toEqual(aesCmac(master, Buffer.concat([h('01'), input])));
  });
  it('refuses inputs over 31 bytes', () => {
    expect(() => diversifyAes128(Buffer.alloc(16), Buffer.alloc(32))).toThrow(RangeError);
  });
});

/** A card that answers from AN12196's tables (the APDUs it expects, in order). */
function scripted(exchanges: [string, string][]): { transmit: Transmit; sent: string[] } {
  const sent: string[] = [];
  let i = 0;
  return {
    sent,
    transmit: async (apdu) => {
      sent.push(hex(apdu));
      const [want, answer] = exchanges[i++] ?? ['', '6A82'];
      return hex(apdu) === want ? h(answer) : h('911E');
    },
  };
}

describe('AuthenticateEV2First (AN12196 table 14, key 0 = factory key)', () => {
  const key = Buffer.alloc(16);
  const rndA = h('13C5DB8A5930439FC3DEF9A4C675360F');
  it('computes RndB, the second command, SV1/SV2, TI and the session keys', async () => {
    const { rndB, apdu } = authSecondCommand(key, h('A04C124213C186F22399D33AC2A30215'), rndA);
    expect(hex(rndB)).toBe('B9E2FC789B64BF237CCCAA20EC7E6E48');
    expect(hex(apdu)).toBe('90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00');
    const { sv1, sv2 } = sessionVectors(rndA, rndB);
    expect(hex(sv1)).toBe('A55A0001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
    expect(hex(sv2)).toBe('5AA50001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
    const card = scripted([
      ['9071000002000000', 'A04C124213C186F22399D33AC2A3021591AF'],
      [hex(apdu), '3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100'],
    ]);
    const s = await authenticateEv2First(card.transmit, 0, key, rndA);
    expect(hex(s.ti)).toBe('9D00C4DF');
    expect(hex(s.pdCap2)).toBe('000000000000');
    expect(hex(s.pcdCap2)).toBe('000000000000');
    expect(hex(s.encKey)).toBe('1309C877509E5A215007FF0ED19CA564');
    expect(hex(s.macKey)).toBe('4C6626F5E72EA694202139295C7A7FC7');
    expect(s.cmdCtr).toBe(0);
  });

  it('refuses the recorded answer of that session when our RndA is another (a replay)', async () => {
    const otherRndA = h('00112233445566778899AABBCCDDEEFF');
    const card = {
      transmit: async (apdu: Buffer) =>
        apdu[1] === 0x71
          ? h('A04C124213C186F22399D33AC2A3021591AF')
          : h('3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100'),
    };
    await expect(authenticateEv2First(card.transmit, 0, key, otherRndA)).rejects.toThrow(CardAuthError);
  });

  it('refuses the answer under a wrong key', () => {
    const wrong = h('000102030405060708090A0B0C0D0E0F');
    const { rndB } = authSecondCommand(wrong, h('A04C124213C186F22399D33AC2A30215'), rndA);
    expect(() =>
      authFinish(wrong, 0, rndA, rndB, h('3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F08120663')),
    ).toThrow(CardAuthError);
  });

  it('reports a card that refuses the first step (a clone without the application: SW 6D00)', async () => {
    const card = { transmit: async () => h('6D00') };
    await expect(authenticateEv2First(card.transmit, 0, key)).rejects.toMatchObject({ sw: 0x6d00 });
  });
});

describe('AuthenticateEV2First (AN12196 table 20, key 3)', () => {
  it('computes TI and the session keys', async () => {
    const card = scripted([
      ['9071000002030000', 'B875CEB0E66A6C5CD00898DC371F92D191AF'],
      [
        '90AF000020FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B100',
        '0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A9100',
      ],
    ]);
    const s = await authenticateEv2First(
      card.transmit,
      3,
      Buffer.alloc(16),
      h('B98F4C50CF1C2E084FD150E33992B048'),
    );
    expect(hex(s.ti)).toBe('7614281A');
    expect(hex(s.encKey)).toBe('7A93D6571E4B180FCA6AC90C9A7488D4');
    expect(hex(s.macKey)).toBe('FC4AF159B62E549B5812394CAB1918CC');
  });
});

describe('ChangeKey in CommMode.Full (AN12196 tables 26 and 27)', () => {
  const session = (cmdCtr: number): Ev2Session => ({
    keyNo: 0,
    ti: h('7614281A'),
    encKey: h('4CF3CB41A22583A61E89B158D252FC53'),
    macKey: h('5529860B2FC5FB6154B7F28361D30BF9'),
    cmdCtr,
    pdCap2: Buffer.alloc(6),
    pcdCap2: Buffer.alloc(6),
  });
  it('IV of the command (table 27)', () => {
    expect(hex(commandIv(session(3)))).toBe('01602D579423B2797BE8B478B0B4D27B');
  });
  it('changes key 2 from a key 0 session (old key XOR new, CRC32), checks the answer MAC', async () => {
    const s = session(2);
    const apdu = changeKeyCommand(s, 2, h('F3847D627727ED3BC9C4CC050489B966'), 0x01, Buffer.alloc(16));
    expect(hex(apdu)).toBe(
      '90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600',
    );
    const card = scripted([[hex(apdu), '203BB55D1089D5879100']]);
    await changeKey(card.transmit, s, 2, h('F3847D627727ED3BC9C4CC050489B966'), 0x01, Buffer.alloc(16));
    expect(s.cmdCtr).toBe(3);
  });
  it('refuses a ChangeKey answer with a wrong MAC', async () => {
    const s = session(2);
    const card = { transmit: async () => h('203BB55D1089D5889100') };
    await expect(
      changeKey(card.transmit, s, 2, h('F3847D627727ED3BC9C4CC050489B966'), 0x01, Buffer.alloc(16)),
    ).rejects.toThrow(CardAuthError);
  });
  it('changes key 0, the session key (table 27)', () => {
    expect(hex(changeKeyCommand(session(3), 0, h('5004BF991F408672B1EF00F08F9E8647'), 0x01))).toBe(
      '90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200',
    );
  });
});
