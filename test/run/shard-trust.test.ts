// Shard parts are bound to their job and index, signed when scored with --sign, and their metric
// states are validated on merge: a part with an impossible state (accuracy 470, a negative log
// loss) or an edited field is refused, never reranked on.
import { describe, expect, it } from 'vitest';
import { makePart, mergeParts, partBinding, shardUnits, signPart, type PartUnit, type PartialResult, type ShardPlan } from '../../src/run/shard.ts';
import { ArbiterError } from '../../src/errors.ts';
import { generateKeyPair } from '../../src/receipts/sign.ts';
import { canonicalJson } from '../../src/benchmark/canonical.ts';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import { createPublicKey } from 'node:crypto';
import { registry } from '../../scoring/index.ts';
import { mulberry32, randomBatch } from '../scoring/helpers.ts';

const b = parseBenchmark(
  [
    'id: shard-trust', 'version: 1', 'task: { type: classification, numClasses: 3, labelColumn: label }',
    `dataset: { path: d.arrow, sha256: ${'d'.repeat(64)} }`,
    'model:', '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 4] }]', '  outputs: [{ name: p, dtype: float32, shape: [batch, 3] }]',
    'batching: { size: 8 }', 'metrics: [{ name: log_loss }, { name: accuracy }]', 'split: { key: shard-trust-key, publicFraction: 0.5 }', '',
  ].join('\n'),
  '/nonexistent/shard-trust/benchmark.yaml',
);
const subs = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
const BATCHES = 4;
const rand = mulberry32(11);

/** Real states of both metrics over 8 random rows (what a chunk journals). */
function states(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, name] of [['log_loss', 'log_loss'], ['accuracy', 'accuracy']] as const) {
    const m = registry.get(name);
    const o = m.optionsSchema.parse({});
    out[key] = JSON.parse(JSON.stringify(m.update(m.init(o, { numClasses: 3 }), randomBatch(m, 8, 3, rand), o)));
  }
  return out;
}

function parts(count: number): PartialResult[] {
  const plan: ShardPlan = { submissions: subs, batchCount: BATCHES, count, mode: 'rows' };
  return Array.from({ length: count }, (_, i) => {
    const units: PartUnit[] = shardUnits(plan, i).map((u) => ({
      ...u, status: 'scored', error: null,
      chunks: Array.from({ length: u.batchEnd - u.batchStart }, (_, k) => ({ index: u.batchStart + k, rows: 8, states: { public: states(), private: states() } })),
    }));
    return makePart({
      benchmark: { id: b.spec.id, version: 1, specHash: b.specHash }, datasetSha256: 'd'.repeat(64), fingerprint: { cpu: 'X', engine: '0.1.0' },
      plan, index: i, rows: 8 * BATCHES, taskRows: 8, spec: JSON.parse(canonicalJson(b.spec)),
      roster: subs.map((s, k) => ({ participant: `p${k}`, submission: s, error: null })), units,
    });
  });
}

function failure(fn: () => unknown): { code: string; message: string } | null {
  try {
    fn();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ArbiterError);
    return { code: (e as ArbiterError).code, message: (e as ArbiterError).message };
  }
}

/** A copy of part i with its first chunk's private `key` state replaced. */
function withState(ps: PartialResult[], i: number, key: string, state: unknown): PartialResult[] {
  return ps.map((p, k) => {
    if (k !== i) return p;
    const q = structuredClone(p);
    q.units[0]!.chunks[0]!.states.private![key] = state;
    return q;
  });
}

describe('shard parts: states validated on merge', () => {
  const ok = parts(2);
  it('real parts merge', () => {
    expect(mergeParts(ok).submissions).toHaveLength(3);
  });
  it('accuracy 470 and a negative log loss are E_METRIC_INPUT, naming the submission, chunk and metric', () => {
    const acc = failure(() => mergeParts(withState(ok, 1, 'accuracy', { k: 3, correct: 470, total: 1 })));
    expect(acc?.code).toBe('E_METRIC_INPUT');
    expect(acc?.message).toMatch(/chunk \d+, private accuracy: expected a state accuracy could have produced, found one where expected correct <= total, found correct 470 > total 1/);
    const ll = failure(() => mergeParts(withState(ok, 0, 'log_loss', { k: 3, n: 8, sum: [-2.5] })));
    expect(ll?.code).toBe('E_METRIC_INPUT');
    expect(ll?.message).toMatch(/private log_loss: .*non-negative/);
    expect(failure(() => mergeParts(withState(ok, 0, 'accuracy', { k: 3, correct: -1, total: 8 })))?.code).toBe('E_METRIC_INPUT');
    expect(failure(() => mergeParts(withState(ok, 0, 'accuracy', { k: 3, correct: 1.5, total: 8 })))?.code).toBe('E_METRIC_INPUT');
  });
});

describe('shard parts: bound to the job and index', () => {
  const ok = parts(3);
  it('every part carries a binding of its job and index', () => {
    expect(new Set(ok.map((p) => p.shard.binding)).size).toBe(3);
    for (const p of ok) expect(p.shard.binding).toBe(partBinding(p));
  });
  it('a submission set renamed in every part (so the parts agree) is refused: the bindings no longer match', () => {
    const renamed = ok.map((p) => ({ ...p, roster: p.roster.map((r, k) => (k === 0 ? { ...r, participant: 'mallory' } : r)) }));
    const f = failure(() => mergeParts(renamed));
    expect(f?.code).toBe('E_SHARD_MISMATCH');
    expect(f?.message).toMatch(/binding hash/);
  });
});

describe('shard parts: signed', () => {
  const keys = generateKeyPair();
  const other = generateKeyPair();
  const signed = parts(2).map((p) => signPart(p, keys.privateKeyPem));
  const pub = createPublicKey(keys.publicKeyPem);
  it('signed parts merge, with and without the expected key', () => {
    expect(mergeParts(signed, { key: pub }).submissions).toHaveLength(3);
    expect(mergeParts(signed).submissions).toHaveLength(3);
  });
  it('an edited signed part, a mix of signed and unsigned, another key, or unsigned parts under --key are refused', () => {
    // a state changed to another valid one: only the signature can tell
    const edited = withState(signed, 1, 'accuracy', { k: 3, correct: 8, total: 8 });
    expect(failure(() => mergeParts(edited))?.message).toMatch(/signature by key .* does not match its content/);
    const mixed = [signed[0]!, parts(2)[1]!];
    expect(failure(() => mergeParts(mixed))?.message).toMatch(/every part signed or none/);
    const byOther = parts(2).map((p) => signPart(p, other.privateKeyPem));
    expect(failure(() => mergeParts(byOther, { key: pub }))?.message).toMatch(/expected a signature by key/);
    expect(failure(() => mergeParts(parts(2), { key: pub }))?.message).toMatch(/expected every part signed by key/);
  });
});
