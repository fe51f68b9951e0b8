// Exact summation: bit-identical to Python's math.fsum, independent of order and grouping,
// errors (not NaN) on non-finite input, JSON-safe state.
import { describe, expect, it } from 'vitest';
import {
  ExactAccumulator,
  exactAdd,
  exactMerge,
  exactSum,
  exactSumInit,
  exactValue,
  isExactSumState,
  type ExactSumState,
} from '../../scoring/exact-sum.ts';
import { MetricError } from '../../scoring/errors.ts';
import { mulberry32 } from '../../src/models/onnx/builder.ts';

// Golden: random.Random(7), 120 values +-U(0,1)*2^U{-80..80}, every 7th followed by its near-negation
// -x(1+2^-40), then 1e300, -1e300, 2^-1074, 3*2^-1074. Python 3.11 math.fsum gives FSUM_GOLDEN
// (the naive left-to-right sum gives 2e-323).
const FSUM_VALUES = [
  1987817.7367320182, -1987817.736733826, -1.0439169076609536e+16, -4.9560089771312046e-21,
  -80521313.37515569, 4.847193727967806e-19, 1.0903963777065656e+18, -1.1453964059714344e+24,
  -1210272.6028990846, 1210272.6029001854, -1.6538404787248585e-21, -1.6462381968931155e-14,
  -5.265749360545276e+18, -7.604169411122938e+18, -4.293451352712426e+17, -1.705698503351972e+23,
  -3.577043416343095e+16, 3.5770434163463484e+16, 427286037766.74677, 2.7586544490399653e-06,
  -2.6664521550352908e-06, -1.0347897629894914e+16, 15034747691.964888, 1.3204693827878209e-19,
  -1.8624007885502547e-12, 1.8624007885519486e-12, 5347480419243.184, 1.7003437307211806e-20,
  174.1426494418921, 39850095000.00869, -0.00041014051782838935, 3.7786726212587196e-20,
  -0.3655796673204452, 0.36557966732077773, 74605.01116528866, 6202050438.448242,
  7.46284718051913e-17, 0.00046058140102586253, -1548460.2382439817, 129030412955992.16,
  -697790.7640371062, 697790.7640377408, 948526161.095409, 1446.700461048836,
  2.1776286393196443e-13, -8.402716087835804e-08, -1.4241547371801608e+19, -4.346778189952035e-25,
  -6864.019474437373, 6864.019474443616, 2146185731121206.0, -4.2117949381712753e+18,
  417406.2609295221, -2019653.0823215488, -1.4201517221838823e-09, 20.774808034828467,
  -3.777140475213017e+18, 3.7771404752164526e+18, -4395.980291837424, -5.238918673507103e-10,
  2.266700520796073e-06, 1324425942862.4536, -2029320516263.8594, 0.24019755230782425,
  -18.44703874796639, 18.447038747983164, 8.706082435491975e-13, -7393649821695140.0,
  8.451060986336173e+16, -0.04738393497099608, -4.2492479608630485e-05, 1860.113497421906,
  -149911432680580.56, 149911432680716.9, 4.808819226427644e+22, -3380938.6324808644,
  -14067977430047.766, 7.739805827513956e-23, 2.199039154215042e-10, 228.9805710165624,
  4.4707640638811595e-18, -4.4707640638852255e-18, -30.085118864396172, -3.6468252429471434e+22,
  -122.74519712295378, -7.413170591148157e-16, 1.457152672294695e-09, 1909136594.8563473,
  181927.63751286804, -181927.6375130335, 6.962951359027287e-19, -6.039743282283023e-16,
  -83095976307.96716, -2.8880734294856124e+21, 336.5213658808422, -3.8984640865662296e-15,
  -7.90641893961028e-19, 7.9064189396174705e-19, -2.0200826076673606e-10, -4.171390179757772e-10,
  5.916675631813258e+20, 34811353.544352755, -62.366233139168116, 2983521398992048.5,
  232819122855416.6, -232819122855628.34, -9580506810611198.0, -5.0803972331174606e-11,
  -1.764508318903306e-13, -4.278357377768259e+22, -4.451804999217706, 8.707173597305168e-17,
  -0.00024267023539364257, 0.0002426702353938633, -434744349573493.4, 3.045141106809507e-20,
  183304181986216.12, -23802056006.959496, 3.8738392584890065e-06, 1.7188195389138654e-09,
  2.4359969312266735e-16, -2.435996931228889e-16, 9.586907836058806e-20, -6.382743675050846e-09,
  3.5649282707397797e-13, 4.063707533653007e-15, 3.0473933210473048e-18, 1.6096835302298412e-12,
  -173372861.6505884, 173372861.65074608, 3.1582652063930395e-10, 2609.361455822389,
  -46451574327.34744, 184326.91409781636, 0.016169808018935628, -2.690552666898902e-08,
  -4.10455405128751e-05, 4.104554051291243e-05, 1e+300, -1e+300,
  5e-324, 1.5e-323,
];
const FSUM_GOLDEN = -1.3494569065780564e+24;

/** The plain one-value-at-a-time Shewchuk reference. */
function reference(xs: ArrayLike<number>): number {
  const s = exactSumInit();
  for (let i = 0; i < xs.length; i++) exactAdd(s, xs[i]);
  return exactValue(s);
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Values with wildly mixed magnitudes and heavy cancellation. */
function nasty(rand: () => number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = (rand() < 0.5 ? -1 : 1) * rand() * 2 ** Math.floor(rand() * 200 - 100);
    out.push(x);
    if (rand() < 0.2) out.push(-x);
    if (rand() < 0.05) out.push(2 ** -1074);
  }
  return out;
}

describe('exact sum', () => {
  it('matches math.fsum on the golden list, where the naive sum is wrong', () => {
    expect(FSUM_VALUES.length).toBe(142);
    expect(reference(FSUM_VALUES)).toBe(FSUM_GOLDEN);
    expect(exactSum(FSUM_VALUES)).toBe(FSUM_GOLDEN);
    let naive = 0;
    for (const v of FSUM_VALUES) naive += v;
    expect(naive).not.toBe(FSUM_GOLDEN);
  });

  it('rounds half-even across partials like fsum (fsum([1e-16, 1, 1e16]) = 1e16 + 2)', () => {
    expect(exactSum([1e-16, 1, 1e16])).toBe(1.0000000000000002e16);
    expect(exactSum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toBe(1);
    expect(exactSum([])).toBe(0);
    expect(exactSum([1e308, -1e308, 1e308])).toBe(1e308);
  });

  it('gives the same bits in every order, for the accumulator and the reference', () => {
    const rand = mulberry32(11);
    for (let t = 0; t < 20; t++) {
      const xs = nasty(rand, 300);
      const want = reference(xs);
      expect(exactSum(Float64Array.from(xs))).toBe(want);
      expect(reference(shuffle(xs, rand))).toBe(want);
      const acc = new ExactAccumulator();
      acc.addArray(shuffle(xs, rand));
      expect(acc.value()).toBe(want);
    }
  });

  it('the chunked fast path agrees with the reference on long, narrow-range data', () => {
    const rand = mulberry32(5);
    const xs = new Float64Array(20_000);
    for (let i = 0; i < xs.length; i++) xs[i] = rand() * rand() * 3.7 - (i % 3 === 0 ? 1.1 : 0);
    const acc = new ExactAccumulator();
    acc.addArray(xs, 0, 7_001);
    acc.addArray(xs, 7_001);
    expect(acc.value()).toBe(reference(xs));
  });

  it('merges states in any grouping to the same bits, and states survive JSON', () => {
    const rand = mulberry32(3);
    const xs = nasty(rand, 400);
    const want = reference(xs);
    for (let t = 0; t < 10; t++) {
      const cuts = [0, ...Array.from({ length: 5 }, () => Math.floor(rand() * xs.length)).sort((a, b) => a - b), xs.length];
      let parts: ExactSumState[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const a = new ExactAccumulator();
        a.addArray(xs, cuts[i], cuts[i + 1]);
        parts.push(JSON.parse(JSON.stringify(a.toState())) as ExactSumState);
      }
      parts = shuffle(parts, rand);
      while (parts.length > 1) {
        const i = Math.floor(rand() * (parts.length - 1));
        parts.splice(i, 2, exactMerge(parts[i], parts[i + 1]));
      }
      expect(isExactSumState(parts[0])).toBe(true);
      expect(exactValue(parts[0])).toBe(want);
    }
  });

  it('refuses NaN and infinities with E_METRIC_INPUT instead of returning NaN', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => exactAdd([], bad)).toThrow(MetricError);
      const acc = new ExactAccumulator();
      try {
        acc.addArray([1, 2, bad, 4]);
        expect.unreachable();
      } catch (e) {
        expect((e as MetricError).code).toBe('E_METRIC_INPUT');
        expect((e as MetricError).message).toContain('at index 2');
      }
    }
    expect(() => exactSum([1.7e308, 1.7e308])).toThrow(/overflow/);
  });

  it('fast path = reference on every regime: scale jumps between chunks, subnormals, huge values, zeros', () => {
    const rand = mulberry32(99);
    const regimes: Array<(i: number) => number> = [
      () => (rand() - 0.5) * 1e-300 * 2 ** -60, // subnormal range
      () => (rand() - 0.5) * 1e300, // above the fast-path range
      () => 0,
      (i) => (i % 5000 < 2500 ? 1e10 : 1e-10) * (rand() - 0.3), // the grid guess goes stale both ways
      () => (rand() < 0.5 ? -1 : 1) * 2 ** Math.floor(rand() * 120 - 60) * rand(), // 120 binades
      (i) => (i === 3000 ? 1e200 : rand()), // one huge value inside a chunk
    ];
    for (const gen of regimes) {
      const xs = new Float64Array(12_000);
      for (let i = 0; i < xs.length; i++) xs[i] = gen(i);
      const acc = new ExactAccumulator();
      acc.addArray(xs, 0, 5_000);
      acc.addArray(xs, 5_000);
      expect(acc.value()).toBe(reference(xs));
      // plain arrays take the copying path
      expect(exactSum(Array.from(xs))).toBe(reference(xs));
    }
  });

  it('addDifferences equals summing the rounded terms', () => {
    const rand = mulberry32(7);
    const a = new Float64Array(9_000);
    const b = new Float64Array(9_000);
    for (let i = 0; i < a.length; i++) {
      a[i] = (rand() - 0.5) * 2 ** Math.floor(rand() * 40 - 20);
      b[i] = a[i] + (rand() - 0.5) * 2 ** Math.floor(rand() * 40 - 30);
    }
    const sq = Array.from(a, (x, i) => (x - b[i]) * (x - b[i]));
    const ab = Array.from(a, (x, i) => Math.abs(x - b[i]));
    const acc = new ExactAccumulator();
    acc.addDifferences(a, b, true);
    expect(acc.value()).toBe(reference(sq));
    acc.clear();
    acc.addDifferences(a, b, false, 0, 4_000);
    acc.addDifferences(a, b, false, 4_000);
    expect(acc.value()).toBe(reference(ab));
    b[5_000] = NaN;
    acc.clear();
    expect(() => acc.addDifferences(a, b, true)).toThrow(/at index 5000/);
  });
});

describe('exactCanonical', () => {
  it('depends on the exact total only: any order and grouping of the same terms gives the same partials, and the same value', async () => {
    const { exactCanonical, exactAdd, exactSumInit, exactValue, isExactSumState } = await import('../../scoring/exact-sum.ts');
    const terms = [1e16, 1, -1e16, 3.5e-20, 0.1, 0.2, 7e300, -7e300, 2 ** -1070];
    const sumOf = (xs: number[]) => xs.reduce((s, x) => exactAdd(s, x), exactSumInit());
    const a = exactCanonical(sumOf(terms));
    const b = exactCanonical(sumOf([...terms].reverse()));
    expect(b).toEqual(a);
    expect(isExactSumState(a)).toBe(true);
    expect(exactValue(a)).toBe(exactValue(sumOf(terms)));
    // three terms far apart in magnitude stay three Shewchuk partials; canonical ones are their total's expansion
    expect(exactCanonical(sumOf([0.1]))).toEqual([0.1]);
    expect(exactCanonical([])).toEqual([]);
  });
});
