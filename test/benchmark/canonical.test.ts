// RFC 8785 conformance: the published examples of §3.2.2 and §3.2.3 and the Appendix B number table.
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalize, sha256Hex } from '../../src/benchmark/canonical.ts';

function fromBits(hex: string): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt('0x' + hex));
  return dv.getFloat64(0);
}

describe('canonicalize (RFC 8785)', () => {
  it('§3.2.2 sample: numbers, string escaping, literals', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('§3.2.3 sorting of member names by UTF-16 code units', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",' +
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",' +
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    );
    // (JSON.parse would reorder "1" first: integer-like keys come first in JS objects, so read the text)
    const text = canonicalize(input);
    const order = [...text.matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    expect(text.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it('UTF-8 bytes of the JCS reference sample (cyberphone/json-canonicalization README, by the RFC author)', () => {
    const input = JSON.parse(
      '{"numbers": [1E30,4.50,6,2e-3,0.000000000000000000000000001],' +
        ' "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "other": [null, true, false]}',
    );
    const hex =
      '7b 22 65 73 63 61 70 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c ' +
      '5c 5c 5c 22 2f 22 2c 22 6e 75 6d 62 65 72 73 22 3a 5b 31 65 2b 33 30 2c 34 2e 35 2c 36 2c 30 2e ' +
      '30 30 32 2c 31 65 2d 32 37 5d 2c 22 6f 74 68 65 72 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 ' +
      '6c 73 65 5d 7d';
    expect(Buffer.from(canonicalize(input), 'utf8').toString('hex')).toBe(hex.replace(/ /g, ''));
  });

  it('Appendix B: IEEE 754 bit patterns and their canonical text', () => {
    const table: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) {
      const x = fromBits(bits);
      expect(canonicalize(x)).toBe(text);
      if (bits !== '8000000000000000') expect(Object.is(JSON.parse(text), x)).toBe(true); // round-trips bit-exactly
    }
    // NaN and Infinity (7fffffffffffffff, 7ff0000000000000) are errors
    expect(() => canonicalize(fromBits('7fffffffffffffff'))).toThrow(TypeError);
    expect(() => canonicalize(fromBits('7ff0000000000000'))).toThrow(TypeError);
  });

  it('rejects what has no JSON form, omits undefined members, nests', () => {
    expect(() => canonicalize({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalize(['\ud800'])).toThrow(/lone surrogate/);
    expect(() => canonicalize([undefined])).toThrow(/undefined/);
    expect(() => canonicalize(new Date(0))).toThrow(/plain objects/);
    expect(canonicalize({ b: [1, { d: 2, c: undefined, a: 'x' }], a: {} })).toBe('{"a":{},"b":[1,{"a":"x","d":2}]}');
    expect(canonicalize('😀')).toBe('"😀"');
  });

  it('hashes the UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(canonicalHash({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
  });
});
