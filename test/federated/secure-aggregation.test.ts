// Secure aggregation with real X25519 keys and real metric states: masks cancel over 3 and 5
// parties, the unmasked sum is every maskable metric's own merge of the parties' states (bit for
// bit after the canonical form of exact sums), one masked vector tells nothing (it differs from
// the plain one everywhere, changes with the round, looks uniform), dropped parties are recovered
// by corrections, wrong keys and missing corrections are detected, the rest is refused.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { registry, validateState, exactValue } from '../../scoring/index.ts';
import type { AnyMetric } from '../../scoring/index.ts';
import {
  decodeState,
  dropoutCorrection,
  encodeState,
  exportX25519PublicKey,
  importX25519PublicKey,
  isMaskable,
  maskableMetrics,
  maskLayout,
  maskVector,
  MODULUS,
  sumMasked,
  unmaskSum,
  type MaskContext,
} from '../../src/federated/secure-aggregation.ts';
import { scaledDouble, scaledSum, stateOfScaled } from '../../src/federated/fixed-point.ts';
import { mulberry32, randomBatch } from '../scoring/helpers.ts';

/** A deterministic X25519 key pair from a seed (PKCS#8 prefix + 32 seed bytes). */
function party(name: string, seed: number): { name: string; privateKey: KeyObject; publicKey: KeyObject } {
  const rand = mulberry32(seed);
  const d = Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), d]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { name, privateKey, publicKey: createPublicKey(privateKey) };
}

type Party = ReturnType<typeof party>;

function ctxOf(p: Party, all: readonly Party[], round = 1, extra: Partial<MaskContext> = {}): MaskContext {
  return {
    federation: 'hospitals',
    round,
    self: p.name,
    selfPrivateKey: p.privateKey,
    peers: all.filter((q) => q.name !== p.name).map((q) => ({ name: q.name, publicKey: q.publicKey })),
    ...extra,
  };
}

const NAMES = ['clinic-c', 'bank-a', 'school-e', 'hospital-b', 'lab-d'];
const parties = (n: number) => NAMES.slice(0, n).map((name, i) => party(name, 1000 + i));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${(err as Error).message}`;
  }
  return 'no error';
}

/** Each party's real state of the metric: seeded random batches of different sizes and quality (non-IID). */
function partyStates(m: AnyMetric, options: unknown, k: number, n: number, seed: number): unknown[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const b = randomBatch(m, 20 + Math.floor(rand() * 200), k, rand, 0.15 + 0.2 * i);
    // through JSON, as a state leaves a party's machine
    return JSON.parse(JSON.stringify(m.update(m.init(options, { numClasses: k }), b, options)));
  });
}

/** The metric's own merge of the states, in party order. */
function merged(m: AnyMetric, options: unknown, states: readonly unknown[]): unknown {
  return states.map((s) => structuredClone(s)).reduce((a, b) => m.merge(a, b, options));
}

/** A state with every exact sum in its canonical form (same exact value; the form decodeState returns). */
function canonical(name: string, state: unknown): unknown {
  const s = { ...(state as Record<string, unknown>) };
  for (const [f, kind] of Object.entries(maskLayout(name))) if (kind === 'exact') s[f] = stateOfScaled(scaledSum(s[f] as number[]));
  return s;
}

function secureSum(name: string, states: readonly unknown[], ps: readonly Party[], round = 1): bigint[] {
  return sumMasked(states.map((s, i) => maskVector(encodeState(name, s), ctxOf(ps[i]!, ps, round, { purpose: name }))));
}

describe('secure aggregation: masks cancel, the sum is the metric\'s own merge', () => {
  for (const n of [3, 5]) {
    it(`${n} parties, every maskable metric`, () => {
      const ps = parties(n);
      expect(maskableMetrics().length).toBeGreaterThan(30);
      for (const name of maskableMetrics()) {
        const m = registry.get(name);
        const options = m.optionsSchema.parse({});
        const k = 4;
        const states = partyStates(m, options, k, n, name.length * 31 + n);
        const template = m.init(options, { numClasses: k });
        const sum = secureSum(name, states, ps);
        // the masked sum is the plain sum of the encoded vectors: the masks cancelled
        expect(sum, name).toEqual(sumMasked(states.map((s) => encodeState(name, s))));
        const decoded = decodeState(name, template, sum, { parties: n, options });
        const want = merged(m, options, states);
        expect(JSON.stringify(decoded), name).toBe(JSON.stringify(canonical(name, want)));
        expect(validateState(m, decoded, options, { numClasses: k }), name).toBeNull();
        // finalize reads the same bits from the decoded sum as from the merge
        expect(JSON.stringify(m.finalize(structuredClone(decoded), options)), name).toBe(JSON.stringify(m.finalize(structuredClone(want), options)));
      }
    });
  }

  it('the order of the peer list and of the summed vectors does not matter', () => {
    const ps = parties(3);
    const m = registry.get('confusion_matrix');
    const states = partyStates(m, {}, 3, 3, 7);
    const v = states.map((s, i) => maskVector(encodeState('confusion_matrix', s), ctxOf(ps[i]!, ps)));
    const reversedPeers = states.map((s, i) => {
      const c = ctxOf(ps[i]!, ps);
      return maskVector(encodeState('confusion_matrix', s), { ...c, peers: [...c.peers].reverse() });
    });
    expect(reversedPeers).toEqual(v);
    expect(sumMasked([v[2]!, v[0]!, v[1]!])).toEqual(sumMasked(v));
  });

  it('exact sums: cancellation, signs, subnormals and huge values add exactly across parties', () => {
    const ps = parties(3);
    const states = [
      { n: 2, sum: [1e-300, 1e300] },
      { n: 3, sum: [-5e-324, -1e300] },
      { n: 1, sum: [2 ** -1070, 1.5] },
    ];
    const sum = secureSum('mse', states, ps);
    const d = decodeState('mse', { n: 0, sum: [] }, sum) as { n: number; sum: number[] };
    const m = registry.get('mse');
    const want = merged(m, {}, states) as { sum: number[] };
    expect(d.n).toBe(6);
    expect(scaledSum(d.sum)).toBe(scaledSum(want.sum));
    expect(exactValue(d.sum)).toBe(exactValue(want.sum));
    for (const x of [5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1, -123.456]) {
      expect(exactValue(stateOfScaled(scaledDouble(x)))).toBe(x);
    }
  });
});

describe('secure aggregation: what one masked vector shows', () => {
  const ps = parties(3);
  const plain = encodeState('accuracy', { k: 4, correct: 17, total: 40 });

  it('differs from the plain vector in every entry, and completely with the round and the purpose', () => {
    const r1 = maskVector(plain, ctxOf(ps[0]!, ps, 1));
    const r2 = maskVector(plain, ctxOf(ps[0]!, ps, 2));
    const other = maskVector(plain, ctxOf(ps[0]!, ps, 1, { purpose: 'f1' }));
    const otherFed = maskVector(plain, ctxOf(ps[0]!, ps, 1, { federation: 'banks' }));
    for (let i = 0; i < plain.length; i++) {
      expect(r1[i]).not.toBe(plain[i]);
      expect(r2[i]).not.toBe(r1[i]);
      expect(other[i]).not.toBe(r1[i]);
      expect(otherFed[i]).not.toBe(r1[i]);
    }
    // the party count (1) and the counts are not visible as small numbers
    expect(r1.every((v) => v > 2n ** 40n)).toBe(true);
  });

  it('a masked zero vector is uniform-looking: bits balanced, top byte spread', () => {
    const zeros = new Array<bigint>(4096).fill(0n);
    const masked = maskVector(zeros, ctxOf(ps[1]!, ps, 9));
    let ones = 0;
    const bytes = new Array<number>(256).fill(0);
    for (const v of masked) {
      ones += v.toString(2).split('').filter((c) => c === '1').length;
      bytes[Number(v >> 56n)]!++;
    }
    // 262144 bits: mean 131072, sd 256; a 6 sd band
    expect(Math.abs(ones - 131072)).toBeLessThan(1536);
    // chi-square over 256 top-byte values (255 dof: mean 255, sd ~22.6)
    const e = 4096 / 256;
    const chi = bytes.reduce((a, c) => a + (c - e) ** 2 / e, 0);
    expect(chi).toBeLessThan(400);
  });

  it('is deterministic: the same keys, names and round give the same masks (fresh key objects too)', () => {
    const again = parties(3);
    expect(maskVector(plain, ctxOf(again[0]!, again, 5))).toEqual(maskVector(plain, ctxOf(ps[0]!, ps, 5)));
    // long vectors span several HKDF blocks
    const long = new Array<bigint>(2500).fill(3n);
    const a = maskVector(long, ctxOf(ps[2]!, ps, 1));
    expect(maskVector(long, ctxOf(again[2]!, again, 1))).toEqual(a);
    expect(new Set(a.map(String)).size).toBe(2500);
  });
});

describe('secure aggregation: dropped parties', () => {
  const ps = parties(5);
  const m = registry.get('f1');
  const options = m.optionsSchema.parse({});
  const states = partyStates(m, options, 3, 5, 99);
  const masked = states.map((s, i) => maskVector(encodeState('f1', s), ctxOf(ps[i]!, ps, 3)));
  const length = masked[0]!.length;
  const template = m.init(options, { numClasses: 3 });

  it('survivors\' corrections recover the exact sum of the survivors', () => {
    for (const dropped of [[2], [0, 4]]) {
      const alive = ps.map((_, i) => i).filter((i) => !dropped.includes(i));
      const sum = sumMasked(alive.map((i) => masked[i]!));
      // without corrections the leftover masks make the sum undecodable
      expect(codeOf(() => decodeState('f1', template, sum, { options }))).toBe('E_FL_MASK_SUM');
      const corrections = alive.flatMap((i) => dropped.map((d) => dropoutCorrection(ctxOf(ps[i]!, ps, 3), ps[d]!.name, length)));
      const decoded = decodeState('f1', template, unmaskSum(sum, corrections), { parties: alive.length, options });
      expect(decoded).toEqual(merged(m, options, alive.map((i) => states[i])));
      // one correction missing is detected too
      expect(codeOf(() => decodeState('f1', template, unmaskSum(sum, corrections.slice(1))))).toBe('E_FL_MASK_SUM');
    }
  });

  it('why late vectors must be refused: a dropped party\'s vector plus the corrections reveals its values', () => {
    const alive = [0, 1, 3, 4];
    const corrections = alive.map((i) => dropoutCorrection(ctxOf(ps[i]!, ps, 3), ps[2]!.name, length));
    // the coordinator now holds party 2's late masked vector and, in the corrections, every pair
    // mask of party 2 with the opposite sign: adding them up strips party 2's masks
    expect(sumMasked([masked[2]!, ...corrections])).toEqual(encodeState('f1', states[2]));
  });

  it('a correction is refused for a name that is not a peer', () => {
    expect(codeOf(() => dropoutCorrection(ctxOf(ps[0]!, ps, 3), 'nobody', length))).toBe('E_FL_MASK_INPUT');
  });
});

describe('secure aggregation: wrong sums are detected', () => {
  const ps = parties(3);
  for (const name of ['accuracy', 'confusion_matrix', 'mse', 'nll_per_token', 'bleu']) {
    it(`${name}: a party masking with a wrong private key`, () => {
      const m = registry.get(name);
      const options = m.optionsSchema.parse({});
      const states = partyStates(m, options, 3, 3, 5);
      const impostor = { ...ps[1]!, privateKey: generateKeyPairSync('x25519').privateKey };
      const vectors = states.map((s, i) => maskVector(encodeState(name, s), ctxOf(i === 1 ? impostor : ps[i]!, ps)));
      expect(codeOf(() => decodeState(name, m.init(options, { numClasses: 3 }), sumMasked(vectors)))).toBe('E_FL_MASK_SUM');
      // a party masking for another round
      const late = states.map((s, i) => maskVector(encodeState(name, s), ctxOf(ps[i]!, ps, i === 2 ? 2 : 1)));
      expect(codeOf(() => decodeState(name, m.init(options, { numClasses: 3 }), sumMasked(late)))).toBe('E_FL_MASK_SUM');
    });
  }

  it('parties with different class counts, a wrong party count, a flipped entry', () => {
    const sum = sumMasked([encodeState('accuracy', { k: 3, correct: 1, total: 2 }), encodeState('accuracy', { k: 4, correct: 1, total: 2 })]);
    expect(codeOf(() => decodeState('accuracy', { k: 3, correct: 0, total: 0 }, sum))).toBe('E_FL_MASK_SUM');
    const ok = sumMasked([encodeState('accuracy', { k: 3, correct: 1, total: 2 }), encodeState('accuracy', { k: 3, correct: 2, total: 2 })]);
    expect(decodeState('accuracy', { k: 3, correct: 0, total: 0 }, ok)).toEqual({ k: 3, correct: 3, total: 4 });
    expect(codeOf(() => decodeState('accuracy', { k: 3, correct: 0, total: 0 }, ok, { parties: 3 }))).toBe('E_FL_MASK_SUM');
    // correct > total: no honest states add up to that
    const tampered = [...ok];
    tampered[2] = 9n;
    expect(codeOf(() => decodeState('accuracy', { k: 3, correct: 0, total: 0 }, tampered))).toBe('E_FL_MASK_SUM');
  });
});

describe('secure aggregation: refusals and bad input', () => {
  const ps = parties(3);

  it('every registered metric is either maskable or refused with E_FL_NOT_MASKABLE', () => {
    const refused = registry.names().filter((n) => !isMaskable(n));
    expect(refused).toEqual(['average_precision', 'roc_auc', 'spearman']);
    for (const name of refused) {
      const m = registry.get(name);
      const state = m.init(m.optionsSchema.parse({}), { numClasses: 2 });
      expect(codeOf(() => encodeState(name, state))).toBe('E_FL_NOT_MASKABLE');
      expect(codeOf(() => decodeState(name, state, []))).toBe('E_FL_NOT_MASKABLE');
    }
    expect(codeOf(() => encodeState('acuracy', {}))).toBe('E_METRIC_UNKNOWN');
  });

  it('each layout names exactly the fields of the metric\'s init state', () => {
    for (const name of maskableMetrics()) {
      const m = registry.get(name);
      const init = m.init(m.optionsSchema.parse({}), { numClasses: 3 }) as Record<string, unknown>;
      expect(Object.keys(maskLayout(name)).sort(), name).toEqual(Object.keys(init).sort());
    }
  });

  it('malformed states', () => {
    expect(codeOf(() => encodeState('accuracy', { k: 3, correct: 1.5, total: 2 }))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => encodeState('accuracy', { k: 3, correct: 1 }))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => encodeState('mse', { n: 1, sum: [NaN] }))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => encodeState('f1', { k: 2, n: 1, tp: [0, -1], pred: [0, 1], true: [1, 0] }))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => decodeState('accuracy', { k: 3, correct: 0, total: 0 }, [1n]))).toBe('E_FL_MASK_INPUT');
  });

  it('malformed contexts, keys and vectors', () => {
    const v = [1n, 2n];
    const ed = generateKeyPairSync('ed25519');
    const bad: Array<Partial<MaskContext>> = [
      { round: -1 },
      { round: 1.5 },
      { federation: '' },
      { selfPrivateKey: ed.privateKey },
      { selfPrivateKey: ps[0]!.publicKey },
      { peers: [] },
      { peers: [{ name: ps[0]!.name, publicKey: ps[1]!.publicKey }] },
      { peers: [{ name: 'x', publicKey: ps[1]!.publicKey }, { name: 'x', publicKey: ps[2]!.publicKey }] },
      { peers: [{ name: 'x', publicKey: ed.publicKey }] },
      // a low-order point (all zeros) as a peer's key
      { peers: [{ name: 'x', publicKey: importX25519PublicKey(Buffer.alloc(32).toString('base64url')) }] },
    ];
    for (const b of bad) expect(codeOf(() => maskVector(v, { ...ctxOf(ps[0]!, ps), ...b })), JSON.stringify(Object.keys(b))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => maskVector([-1n], ctxOf(ps[0]!, ps)))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => maskVector([MODULUS], ctxOf(ps[0]!, ps)))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => sumMasked([[1n, 2n], [1n]]))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => sumMasked([]))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => unmaskSum([1n, 2n], [[1n]]))).toBe('E_FL_MASK_INPUT');
    expect(codeOf(() => importX25519PublicKey('not a key'))).toBe('E_FL_MASK_INPUT');
  });

  it('public keys travel as base64url text', () => {
    const text = exportX25519PublicKey(ps[0]!.publicKey);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const back = importX25519PublicKey(text);
    const pem = ps[0]!.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(exportX25519PublicKey(importX25519PublicKey(pem))).toBe(text);
    const viaText = maskVector([5n], { ...ctxOf(ps[1]!, ps), peers: [{ name: ps[0]!.name, publicKey: back }, { name: ps[2]!.name, publicKey: ps[2]!.publicKey }] });
    expect(viaText).toEqual(maskVector([5n], ctxOf(ps[1]!, ps)));
  });
});
