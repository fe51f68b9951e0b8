// Shard selectors, slices, the part format and mergeParts: refusals and order independence.
import { describe, expect, it } from 'vitest';
import {
  batchRange, canonicalJson, chooseShardMode, makePart, mergeParts, parsePart, parseShard, planHash, serializePart,
  shardFromEnv, shardUnits, unitRows, type PartUnit, type PartialResult, type ShardMode, type ShardPlan,
} from '../../src/run/shard.ts';
import { ArbiterError } from '../../src/errors.ts';

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ArbiterError);
    return (e as ArbiterError).code;
  }
}

const subs = Array.from({ length: 5 }, (_, i) => `${String.fromCharCode(101 - i)}${i}`.repeat(4)); // unsorted on purpose

describe('parseShard / shardFromEnv', () => {
  it('parses i/N (0-based) and auto/N from JOB_COMPLETION_INDEX', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard(' 6/7 ')).toEqual({ index: 6, count: 7 });
    expect(parseShard('auto/3', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 3 });
    expect(shardFromEnv(4, { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 4 });
  });
  it('refuses malformed or out-of-range selectors with E_SHARD_INVALID and a precise message', () => {
    for (const bad of ['3/3', '-1/3', '1/0', '1', '1/2/3', 'a/3', '01/3', '1.5/3', '1/3.0', '0/100001', '']) {
      expect(code(() => parseShard(bad, {})), bad).toBe('E_SHARD_INVALID');
    }
    expect(code(() => parseShard('auto/3', {}))).toBe('E_SHARD_INVALID');
    expect(code(() => parseShard('auto/3', { JOB_COMPLETION_INDEX: '3' }))).toBe('E_SHARD_INVALID');
    expect(() => parseShard('3/3')).toThrow(/expected a shard index from 0 to 2 \(0-based\), found 3/);
    expect(() => parseShard('auto/2', {})).toThrow(/JOB_COMPLETION_INDEX/);
  });
});

describe('shardUnits', () => {
  for (const mode of ['submission', 'rows'] as const) {
    for (const count of [1, 2, 3, 7, 13]) {
      it(`${mode} mode, ${count} shards: every (submission, batch) is in exactly one shard`, () => {
        const plan: ShardPlan = { submissions: subs, batchCount: 11, count, mode };
        const seen = new Map<string, number>();
        for (let i = 0; i < count; i++) {
          for (const u of shardUnits(plan, i)) {
            expect(u.batchEnd).toBeGreaterThan(u.batchStart);
            for (let b = u.batchStart; b < u.batchEnd; b++) seen.set(`${u.submission}#${b}`, (seen.get(`${u.submission}#${b}`) ?? 0) + 1);
          }
        }
        expect(seen.size).toBe(subs.length * 11);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      });
    }
  }
  it('does not depend on the order submissions are listed in, and deals them round-robin by id', () => {
    const a = shardUnits({ submissions: subs, batchCount: 4, count: 2, mode: 'submission' }, 1);
    const b = shardUnits({ submissions: [...subs].reverse(), batchCount: 4, count: 2, mode: 'submission' }, 1);
    expect(a).toEqual(b);
    const sorted = [...subs].sort();
    expect(a.map((u) => u.submission)).toEqual([sorted[1], sorted[3]]);
    expect(planHash({ submissions: subs, batchCount: 4, count: 2, mode: 'rows' })).toBe(planHash({ submissions: [...subs].reverse(), batchCount: 4, count: 2, mode: 'rows' }));
  });
  it('cuts row ranges at batch boundaries', () => {
    expect([0, 1, 2].map((i) => batchRange(10, i, 3))).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(unitRows({ submission: 'x', batchStart: 6, batchEnd: 10 }, 16, 150)).toEqual([96, 150]);
    expect(chooseShardMode(10, 3)).toBe('submission');
    expect(chooseShardMode(2, 3)).toBe('rows');
  });
});

// Every chunk carries its batch number in its states, so a chunk laid out in the wrong order
// would show in the merged chunk list. One chunk per batch (step 1) unless a test says otherwise.
const header = {
  benchmark: { id: 'demo', version: 1, specHash: 'aa'.repeat(32) }, datasetSha256: 'bb'.repeat(32),
  fingerprint: { engine: '0.1.0', onnxruntime: '1.30.0', cpu: 'X', node: 'v20', batchSize: 16 },
  rows: 9 * 16 - 5, taskRows: 16, spec: { id: 'demo' },
  roster: subs.map((s, i) => ({ participant: `p${i}`, submission: s, error: null })),
};
const rowsOf = (batch: number) => Math.min(16, header.rows - batch * 16);

function parts(count: number, mode: ShardMode, over: Partial<Record<number, (p: PartialResult) => PartialResult>> = {}): PartialResult[] {
  const plan: ShardPlan = { submissions: subs, batchCount: 9, count, mode };
  return Array.from({ length: count }, (_, i) => {
    const units: PartUnit[] = shardUnits(plan, i).map((u) => {
      const batches = Array.from({ length: u.batchEnd - u.batchStart }, (_, k) => u.batchStart + k);
      return { ...u, status: 'scored', error: null, chunks: batches.map((b) => ({ index: b, rows: rowsOf(b), states: { public: { acc: { b } }, private: { acc: { b } } } })) };
    });
    const p = makePart({ ...header, plan, index: i, units });
    return over[i] ? over[i]!(p) : p;
  });
}
const batchesOf = (m: ReturnType<typeof mergeParts>) => m.submissions.map((s) => s.chunks.map((c) => (c.states.public!.acc as { b: number }).b));

describe('mergeParts', () => {
  it('gives the same result whatever order the parts come in, merging in batch order', () => {
    const ps = parts(3, 'rows');
    const a = canonicalJson(mergeParts(ps));
    const b = canonicalJson(mergeParts([ps[2]!, ps[0]!, ps[1]!]));
    const c = canonicalJson(mergeParts([ps[1]!, ps[2]!, ps[0]!]));
    expect(b).toBe(a);
    expect(c).toBe(a);
    const m = mergeParts(ps);
    expect(m.submissions.map((s) => s.submission)).toEqual([...subs].sort());
    expect(batchesOf(m)[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.roster).toEqual(header.roster);
  });

  it('round-trips through the file format byte for byte', () => {
    for (const p of parts(3, 'submission')) {
      const text = serializePart(p);
      expect(serializePart(parsePart(text))).toBe(text);
    }
  });

  it('shard counts 1, 3 and 7 in both modes merge to the same chunks', () => {
    const ref = canonicalJson(mergeParts(parts(1, 'rows')).submissions);
    for (const count of [3, 7]) for (const mode of ['rows', 'submission'] as const) {
      expect(canonicalJson(mergeParts(parts(count, mode)).submissions)).toBe(ref);
    }
  });

  it('cuts rows-mode ranges at whole steps (worker tasks) only', () => {
    for (const count of [2, 3, 4, 7]) {
      const plan: ShardPlan = { submissions: subs, batchCount: 11, count, mode: 'rows', step: 3 };
      const starts: number[] = [];
      for (let i = 0; i < count; i++) for (const u of shardUnits(plan, i).filter((x) => x.submission === [...subs].sort()[0])) {
        expect(u.batchStart % 3).toBe(0);
        expect(u.batchEnd % 3 === 0 || u.batchEnd === 11).toBe(true);
        starts.push(u.batchStart);
      }
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    expect(planHash({ submissions: subs, batchCount: 11, count: 2, mode: 'rows', step: 3 })).not.toBe(planHash({ submissions: subs, batchCount: 11, count: 2, mode: 'rows' }));
  });

  it('refuses parts from different specs, datasets, shard counts, plans or fingerprints (E_SHARD_MISMATCH)', () => {
    const ok = parts(3, 'rows');
    const withPart = (i: number, f: (p: PartialResult) => PartialResult) => ok.map((p, k) => (k === i ? f(structuredClone(p)) : p));
    const cases: Array<[string, PartialResult[], RegExp]> = [
      ['spec', withPart(1, (p) => ({ ...p, benchmark: { ...p.benchmark, specHash: 'cc'.repeat(32) } })), /different benchmark specs/],
      ['dataset', withPart(2, (p) => ({ ...p, datasetSha256: 'dd'.repeat(32) })), /different datasets.*shard 2\/3/],
      ['shard count', [ok[0]!, ok[1]!, parts(4, 'rows')[2]!], /different shard counts: expected 3, found 4/],
      ['plan', withPart(1, (p) => ({ ...p, shard: { ...p.shard, mode: 'submission' } })), /different plans/],
      ['fingerprint', withPart(2, (p) => ({ ...p, fingerprint: { ...p.fingerprint, onnxruntime: '1.29.0' } })), /onnxruntime = "1.30.0", found "1.29.0"/],
      ['cpu', withPart(2, (p) => ({ ...p, fingerprint: { ...p.fingerprint, cpu: 'Y' } })), /cpu/],
      ['missing', [ok[0]!, ok[2]!], /missing 1\/3/],
      ['repeated', [ok[0]!, ok[1]!, ok[1]!, ok[2]!], /shard 1\/3 is given more than once/],
      ['wrong slice', withPart(1, (p) => ({ ...p, units: p.units.slice(1) })), /does not hold exactly its slice/],
      ['forged index', withPart(1, (p) => ({ ...p, shard: { ...p.shard, index: 2 } })), /given more than once/],
      ['metric set', withPart(1, (p) => ({ ...p, units: p.units.map((u) => ({ ...u, chunks: u.chunks.map((c) => ({ ...c, states: { public: c.states.public! } })) })) })), /different splits or metrics/],
      ['roster', withPart(2, (p) => ({ ...p, roster: p.roster.slice(1) })), /different submission lists.*shard 2\/3/],
      ['admission', withPart(1, (p) => ({ ...p, roster: p.roster.map((r, k) => (k === 0 ? { ...r, error: { code: 'E_DUPLICATE', message: 'copy' } } : r)) })), /admitted them differently/],
      ['task size', withPart(1, (p) => ({ ...p, taskRows: 32 })), /different task sizes: expected 16 rows per task, found 32/],
      ['spec body', withPart(1, (p) => ({ ...p, spec: { id: 'other' } })), /different benchmark specs/],
      ['lost chunk', withPart(1, (p) => ({ ...p, units: p.units.map((u) => ({ ...u, chunks: u.chunks.slice(1) })) })), /expected chunk \d+ next in chunk order/],
      ['none', [], /at least one/],
    ];
    for (const [name, ps, re] of cases) {
      let err: unknown = null;
      try {
        mergeParts(ps);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ArbiterError);
      expect((err as ArbiterError).code, name).toBe('E_SHARD_MISMATCH');
      expect((err as ArbiterError).message, name).toMatch(re);
    }
  });

  it('tolerates listed fingerprint fields on request, recording every value', () => {
    const ps = parts(2, 'rows', { 1: (p) => ({ ...p, fingerprint: { ...p.fingerprint, cpu: 'A' } }) });
    const m = mergeParts([ps[1]!, ps[0]!], { tolerate: ['cpu'] });
    expect(m.fingerprint.cpu).toBe('A + X');
  });

  it('fails a submission with the error of its first failing batch range', () => {
    const ps = parts(3, 'rows', {
      1: (p) => ({ ...p, units: p.units.map((u, k) => (k === 0 ? { ...u, status: 'failed', error: { code: 'E_TIMEOUT', message: 'late' }, chunks: [] } : u)) }),
      2: (p) => ({ ...p, units: p.units.map((u, k) => (k === 0 ? { ...u, status: 'failed', error: { code: 'E_MEMORY_LIMIT', message: 'big' }, chunks: [] } : u)) }),
    });
    const m = mergeParts([ps[2]!, ps[1]!, ps[0]!]);
    const first = m.submissions[0]!;
    expect(first.status).toBe('failed');
    expect(first.error!.code).toBe('E_TIMEOUT');
    expect(m.submissions.slice(1).every((s) => s.status === 'scored')).toBe(true);
  });

  it('refuses unreadable part files with E_SHARD_PART', () => {
    expect(code(() => parsePart('{', 'p.json'))).toBe('E_SHARD_PART');
    expect(code(() => parsePart('{"format":"other"}'))).toBe('E_SHARD_PART');
    expect(code(() => parsePart(JSON.stringify({ ...parts(1, 'rows')[0], version: 1 })))).toBe('E_SHARD_PART');
    expect(() => parsePart(JSON.stringify({ ...parts(1, 'rows')[0], batchCount: -1 }), 'x.json')).toThrow(/x\.json: batchCount/);
  });
});
