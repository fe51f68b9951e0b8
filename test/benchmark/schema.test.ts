// The zod spec schema and the JSON Schema derived from it: every top-level key is documented,
// strict objects forbid unknown keys in the JSON Schema too, and every key the bundled demo
// spec uses is described by the JSON Schema (the exported schema cannot drift from the loader).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BUNDLED_BENCHMARKS_DIR } from '../../src/benchmark/loader.ts';
import { BenchmarkSpec, benchmarkJsonSchema, Dim, TENSOR_DTYPES } from '../../src/benchmark/schema.ts';

type JsonSchema = {
  type?: string; properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: unknown;
  items?: JsonSchema; oneOf?: JsonSchema[]; anyOf?: JsonSchema[]; enum?: unknown[]; const?: unknown; default?: unknown;
  $ref?: string; [k: string]: unknown;
};

const demoRaw = parseYaml(readFileSync(path.join(BUNDLED_BENCHMARKS_DIR, 'tabular-demo', 'benchmark.yaml'), 'utf8')) as Record<string, unknown>;

/** The object alternatives of a schema node (unions become their object branches). */
function objectBranches(s: JsonSchema): JsonSchema[] {
  if (s.oneOf) return s.oneOf.flatMap(objectBranches);
  if (s.anyOf) return s.anyOf.flatMap(objectBranches);
  return s.type === 'object' ? [s] : [];
}

/** Every key path in `value` that the JSON Schema `s` does not describe. */
function undescribedKeys(value: unknown, s: JsonSchema, at: string): string[] {
  if (Array.isArray(value)) {
    const items = s.items ?? (s.anyOf ?? s.oneOf ?? []).find((b) => b.type === 'array')?.items;
    if (!items) return [`${at} (array not allowed)`];
    return value.flatMap((v, i) => undescribedKeys(v, items, `${at}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  const branches = objectBranches(s);
  if (branches.length === 0) return [`${at} (object not allowed)`];
  const obj = value as Record<string, unknown>;
  // pick the branch whose const discriminator matches (task.type), else the first one
  const branch = branches.find((b) => Object.entries(b.properties ?? {}).some(([k, p]) => p.const !== undefined && p.const === obj[k])) ?? branches[0]!;
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = branch.properties?.[k];
    if (!p) return branch.additionalProperties === false ? [`${at}.${k}`] : [];
    return undescribedKeys(v, p, `${at}.${k}`);
  });
}

describe('benchmarkJsonSchema()', () => {
  const schema = benchmarkJsonSchema() as JsonSchema;

  it('is a JSON Schema object with an id, a title and the draft it follows', () => {
    expect(schema.$id).toBe('https://arbiter.dev/schema/benchmark.json');
    expect(schema.title).toBe('arbiter benchmark spec');
    expect(String(schema.$schema)).toMatch(/^https:\/\/json-schema\.org\//);
    expect(schema.type).toBe('object');
    // it is plain JSON: a round trip through JSON text changes nothing
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('documents every top-level spec key and forbids others', () => {
    const topKeys = Object.keys(BenchmarkSpec.shape).sort();
    expect(topKeys).toEqual(['admission', 'batching', 'dataset', 'description', 'hiddenSets', 'id', 'leaderboard', 'limits', 'metrics', 'model', 'ranking', 'rewards', 'split', 'task', 'version']);
    expect(Object.keys(schema.properties!).sort()).toEqual(topKeys);
    expect(schema.additionalProperties).toBe(false);
  });

  it('requires exactly the keys without a default or optional marker', () => {
    // model is optional in the schema: the loader requires it for classification and regression only
    expect([...schema.required!].sort()).toEqual(['batching', 'dataset', 'id', 'metrics', 'split', 'task', 'version']);
  });

  it('strict nested objects are closed in the JSON Schema too, rewards schemes included', () => {
    const p = schema.properties!;
    for (const key of ['dataset', 'model', 'batching', 'split', 'ranking'] as const) {
      const [obj] = objectBranches(p[key]!);
      expect(obj, key).toBeDefined();
      expect(obj!.additionalProperties, key).toBe(false);
    }
    const input = objectBranches(p.model!)[0]!.properties!.inputs!.items!;
    expect(input.additionalProperties).toBe(false);
    expect(Object.keys(input.properties!).sort()).toEqual(['column', 'dtype', 'name', 'shape']);
    expect(input.properties!.dtype!.enum).toEqual([...TENSOR_DTYPES]);
    const rewards = objectBranches(p.rewards!);
    expect(rewards.length).toBeGreaterThanOrEqual(6); // one branch per scheme
    for (const r of rewards) {
      expect(r.additionalProperties).toBe(false);
      expect(r.properties!.pool!.pattern).toBe('^[0-9]+$');
    }
  });

  it('task is a union discriminated by type with the tabular and language-model task kinds', () => {
    const branches = objectBranches(schema.properties!.task!);
    expect(branches.map((b) => b.properties!.type!.const).sort()).toEqual(['chat-loss', 'classification', 'multiple-choice', 'regression', 'sequence-classification']);
    for (const b of branches) expect(b.additionalProperties).toBe(false);
    const cls = branches.find((b) => b.properties!.type!.const === 'classification')!;
    expect(cls.properties!.output!.enum).toEqual(['probabilities', 'logits']);
    expect(cls.properties!.output!.default).toBe('probabilities');
  });

  it('describes every key of the bundled demo spec, and flags keys it does not know', () => {
    expect(undescribedKeys(demoRaw, schema, '$')).toEqual([]);
    const bad = { ...demoRaw, extra: 1, dataset: { ...(demoRaw.dataset as object), idColum: 'x' } };
    expect(undescribedKeys(bad, schema, '$').sort()).toEqual(['$.dataset.idColum', '$.extra']);
  });
});

describe('zod schema', () => {
  it('parses the demo spec and fills defaults', () => {
    const r = BenchmarkSpec.safeParse(demoRaw);
    expect(r.success).toBe(true);
    const noRanking = { ...demoRaw };
    delete noRanking.ranking;
    const d = BenchmarkSpec.parse(noRanking);
    expect(d.ranking).toEqual({ split: 'private' });
    expect(d.rewards).toEqual({ pool: '1000000', scheme: 'winner-take-all' });
  });

  it('Dim accepts positive integers and identifiers only', () => {
    for (const ok of [1, 32, 'batch', 'seq_len', 'n.1']) expect(Dim.safeParse(ok).success, String(ok)).toBe(true);
    for (const bad of [0, -1, 1.5, '', '1x', 'has space']) expect(Dim.safeParse(bad).success, String(bad)).toBe(false);
  });

  it('rewards.pool is an integer decimal string, never a number', () => {
    const withPool = (pool: unknown) => BenchmarkSpec.safeParse({ ...demoRaw, rewards: { pool, scheme: 'winner-take-all' } }).success;
    expect(withPool('1000')).toBe(true);
    expect(withPool(1000)).toBe(false);
    expect(withPool('1e3')).toBe(false);
    expect(withPool('-5')).toBe(false);
    // each scheme takes its own options, and only those
    const r = BenchmarkSpec.parse({ ...demoRaw, rewards: { pool: '10', scheme: 'linear', k: 3 } });
    expect(r.rewards).toMatchObject({ pool: '10', scheme: 'linear', k: 3 });
    expect(BenchmarkSpec.safeParse({ ...demoRaw, rewards: { pool: '10', scheme: 'winner-take-all', k: 3 } }).success).toBe(false);
    expect(BenchmarkSpec.safeParse({ ...demoRaw, rewards: { pool: '10', scheme: 'no-such-scheme' } }).success).toBe(false);
  });

  it('exactly one model output', () => {
    const model = demoRaw.model as { outputs: unknown[] };
    const two = { ...demoRaw, model: { ...model, outputs: [model.outputs[0], model.outputs[0]] } };
    const r = BenchmarkSpec.safeParse(two);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('exactly one output');
  });
});
