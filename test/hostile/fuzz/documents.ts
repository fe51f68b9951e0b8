// Document cases: benchmark YAML (a valid spec object mutated then serialized, or YAML text with
// alias bombs, deep nesting, tags and merge keys), signed receipts (fields, types, signature bytes,
// keys, canonical form) and shard partial results (fields and types of a valid part).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { makePart, serializePart, shardUnits, type PartialResult, type PartUnit, type ShardPlan } from '../../../src/run/shard.ts';
import { buildReceipt, hashBody, type Receipt } from '../../../src/receipts/receipt.ts';
import { canonicalize } from '../../../src/benchmark/canonical.ts';
import { signReceipt } from '../../../src/receipts/sign.ts';
import type { ScoreResult } from '../../../src/receipts/score-result.ts';
import { buildScoreResult, receiptExtra } from '../../receipts/fixture.ts';
import { deep, mutateText, mutateTree, NASTY_STRINGS, type Json } from './generic.ts';
import type { Rng } from './rng.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** The valid seed specs: the bundled demos (tabular, multiple-choice, chat) and a small regression spec. */
export function specSeeds(): string[] {
  return [
    readFileSync(path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml'), 'utf8'),
    readFileSync(path.join(REPO, 'benchmarks/choice-demo/benchmark.yaml'), 'utf8'),
    readFileSync(path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml'), 'utf8'),
    ['id: reg', 'version: 1', 'task: { type: regression, targetColumn: y }', `dataset: { path: d.arrow, sha256: ${'a'.repeat(64)} }`,
      'model:', '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 2] }]', '  outputs: [{ name: y, dtype: float32, shape: [batch] }]',
      'batching: { size: 8 }', 'metrics: [{ name: mse }]', 'split: { key: regression-key, publicFraction: 0.5 }'].join('\n'),
  ];
}

const YAML_SNIPPETS = [
  // billion laughs: 9 levels of 9 aliases
  ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n'),
  'x: &x {a: 1}\ny: *x\nz: *undefined_alias',
  'x: &x [*x]',
  '<<: {__proto__: {polluted: true}}',
  '__proto__: {polluted: true}',
  'constructor: {prototype: {polluted: true}}',
  `deep: ${'['.repeat(5000)}${']'.repeat(5000)}`,
  `deep: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}`,
  'bin: !!binary aGVsbG8=',
  'fn: !!js/function "function(){}"',
  'set: !!set {a, b}',
  'omap: !!omap [{a: 1}]',
  'ts: 2001-12-14t21:59:43.10-05:00',
  'tag: !custom value',
  '%YAML 1.1\n---\nx: 1',
  '---\na: 1\n---\nb: 2',
  'key: "\\ud800"',
  'key: \t"tab"',
  'big: 1e999999',
  'big: 123456789012345678901234567890',
  'hex: 0x7fffffffffffffffff',
  '? [complex, key]\n: value',
];

export function fuzzSpecText(r: Rng): string {
  const seedText = r.pick(specSeeds());
  const mode = r.weighted([[6, 'tree'], [2, 'snippet'], [2, 'text']] as const);
  if (mode === 'tree') {
    const obj = parseYaml(seedText) as Json;
    mutateTree(r, obj);
    if (r.chance(0.1)) (obj as Record<string, Json>)[r.pick(['task', 'model', 'split', 'metrics'])] = deep(r.pick([100, 500]), r.chance(0.5));
    try {
      // a big tree goes out as JSON (which is YAML too): yaml's stringify takes seconds on it
      const json = JSON.stringify(obj);
      if (json.length > 50_000) return json;
      return stringifyYaml(obj, { aliasDuplicateObjects: r.chance(0.5), lineWidth: 0 });
    } catch {
      return JSON.stringify(obj); // JSON is YAML too
    }
  }
  if (mode === 'snippet') {
    const snippet = r.pick(YAML_SNIPPETS);
    return r.chance(0.5) ? `${seedText}\n${snippet}\n` : `${snippet}\n${seedText}`;
  }
  return mutateText(r, seedText);
}

// ---- receipts ------------------------------------------------------------------------------------

/** A fixed Ed25519 key from a 32-byte seed (PKCS#8 prefix + seed), so runs and replays sign identically. */
export function fixedKey(seedByte: number): KeyObject {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seedByte)]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export const RECEIPT_KEY = fixedKey(7);
export const OTHER_KEY = fixedKey(9);

let base: { result: ScoreResult; receipt: Receipt } | undefined;
export function receiptBase(): { result: ScoreResult; receipt: Receipt } {
  if (!base) {
    const result = buildScoreResult();
    base = { result, receipt: signReceipt(buildReceipt(result, receiptExtra()), RECEIPT_KEY) };
  }
  return base;
}

/** A mutated receipt file's text. Re-hashing and re-signing after an edit lets the deeper checks run. */
export function fuzzReceiptText(r: Rng): string {
  const receipt = structuredClone(receiptBase().receipt) as unknown as Json & Receipt;
  const op = r.weighted([[5, 'body'], [2, 'signature'], [1, 'whole'], [2, 'text'], [1, 'none']] as const);
  if (op === 'body') mutateTree(r, receipt.body as unknown as Json);
  if (op === 'whole') mutateTree(r, receipt);
  if (op === 'signature' && receipt.signature) {
    const s = receipt.signature;
    switch (r.int(6)) {
      case 0: { const b = Buffer.from(s.value, 'base64'); b[r.int(b.length)]! ^= 1 << r.int(8); s.value = b.toString('base64'); break; }
      case 1: s.value = r.pick(['', '====', 'not base64!', 'A'.repeat(100_000), Buffer.alloc(64).toString('base64'), s.value.slice(0, 20)]); break;
      case 2: s.publicKey = r.pick(['', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', s.publicKey.replace('M', 'N'), s.publicKey.slice(0, 40), 'x'.repeat(5000)]); break;
      case 3: s.keyId = r.pick(['', 'a'.repeat(64), s.keyId.toUpperCase()]); break;
      case 4: Object.assign(receipt, signReceipt(receipt, OTHER_KEY)); break;
      default: (s as unknown as Record<string, unknown>).algorithm = r.pick(['rsa', 'ED25519', 'none']); break;
    }
  }
  if (op !== 'whole' && op !== 'text' && r.chance(0.5)) {
    try { receipt.sha256 = hashBody(receipt.body); } catch { /* a body with no canonical form keeps the old hash */ }
    if (r.chance(0.6)) try { Object.assign(receipt, signReceipt(receipt, RECEIPT_KEY)); } catch { /* idem */ }
  }
  let text: string;
  try {
    text = r.chance(0.85) ? `${canonicalize(receipt)}\n` : JSON.stringify(receipt, null, r.pick([0, 2]));
  } catch {
    text = JSON.stringify(receipt);
  }
  if (op === 'text' || r.chance(0.1)) text = mutateText(r, text);
  if (r.chance(0.03)) text = r.pick(['', 'null', '[]', '"x"', '1e999', `${'['.repeat(100_000)}`, '{"body":{"benchmark":{']);
  return text;
}

// ---- shard partial results -------------------------------------------------------------------------

const SUBS = ['s1', 's2', 's3'].map((s) => s.padEnd(64, '0'));
const PART_HEADER = {
  benchmark: { id: 'demo', version: 1, specHash: 'aa'.repeat(32) }, datasetSha256: 'bb'.repeat(32),
  fingerprint: { engine: '0.1.0', onnxruntime: '1.30.0', cpu: 'X', node: 'v20', batchSize: 16 },
  rows: 5 * 16 - 3, taskRows: 16, spec: { id: 'demo' },
  roster: SUBS.map((s, i) => ({ participant: `p${i}`, submission: s, error: null })),
};

/** The valid parts of a 2-shard run (rows mode: every part holds every submission). */
export function partSeeds(): PartialResult[] {
  const plan: ShardPlan = { submissions: SUBS, batchCount: 5, count: 2, mode: 'rows' };
  return [0, 1].map((i) => {
    const units: PartUnit[] = shardUnits(plan, i).map((u) => ({
      ...u, status: 'scored', error: null,
      chunks: Array.from({ length: u.batchEnd - u.batchStart }, (_, k) => ({ index: u.batchStart + k, rows: 16, states: { public: { acc: { b: u.batchStart + k } } } })),
    }));
    return makePart({ ...PART_HEADER, plan, index: i, units });
  });
}

export function fuzzPartText(r: Rng, which: number): string {
  const part = structuredClone(partSeeds()[which]!) as unknown as Json;
  if (r.chance(0.85)) mutateTree(r, part);
  let text: string;
  try { text = serializePart(part as unknown as PartialResult); } catch { text = JSON.stringify(part); }
  if (r.chance(0.2)) text = mutateText(r, text);
  if (r.chance(0.03)) text = r.pick(['', 'null', '{"format":"arbiter-partial-result","version":1}', `${'{"a":'.repeat(50_000)}`, NASTY_STRINGS[0]!]);
  return text;
}
