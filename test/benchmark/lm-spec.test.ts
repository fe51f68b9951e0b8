// Language-model tasks in the benchmark spec: the three LM task types are in the task union,
// `model` is required for tabular tasks only, `dataset.format` must match the task, and
// chat-loss metrics must be ones a chat-loss job can feed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { loadBenchmark, parseBenchmark } from '../../src/benchmark/loader.ts';
import { canonicalJson } from '../../src/benchmark/canonical.ts';
import { REPO } from '../helpers.ts';

const DEMO_FILE = path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml');
const TAB_FILE = path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml');
const DEMO = readFileSync(DEMO_FILE, 'utf8');
const TAB = readFileSync(TAB_FILE, 'utf8');
const MODEL_BLOCK = TAB.slice(TAB.indexOf('\nmodel:') + 1, TAB.indexOf('\nbatching:') + 1);

function specError(text: string, file: string): ArbiterError {
  try { parseBenchmark(text, file); } catch (e) { return e as ArbiterError; }
  throw new Error('expected the spec to be refused');
}

describe('LM specs', () => {
  it('qwen-chat-demo loads: chat-loss, chat-jsonl, no model contract, ranked by bits_per_byte', () => {
    const b = loadBenchmark('qwen-chat-demo');
    expect(b.spec.task.type).toBe('chat-loss');
    expect(b.spec.dataset.format).toBe('chat-jsonl');
    expect(b.spec.model).toBeUndefined();
    expect(b.spec.batching.size).toBe(4);
    expect(b.primary).toBe('bits_per_byte');
    expect(b.metricKeys).toEqual(['bits_per_byte', 'nll_per_token', 'perplexity']);
  });

  it('a tabular spec keeps its canonical JSON (no format key is added), so its spec hash is unchanged', () => {
    const b = loadBenchmark('tabular-demo');
    expect(canonicalJson(b.spec)).not.toContain('"format"');
    expect(b.spec.model).toBeDefined();
  });

  it('a tabular spec without model is E_SPEC_INVALID naming model', () => {
    const e = specError(TAB.replace(MODEL_BLOCK, ''), TAB_FILE);
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/ model: expected a model contract \(inputs, outputs\) for a classification task, found nothing/);
  });

  it('an LM spec with a model contract is E_SPEC_INVALID naming model', () => {
    const e = specError(`${DEMO}${MODEL_BLOCK}`, DEMO_FILE);
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/ model: expected no model contract for a chat-loss task/);
  });

  it('ONNX-only admission rules on an LM spec are E_SPEC_INVALID naming the rule (never silently ignored); copies and the margin are taken', () => {
    const sanity = specError(`${DEMO}admission:\n  sanity: { rejectConstant: true }\n`, DEMO_FILE);
    expect(sanity.code).toBe('E_SPEC_INVALID');
    expect(sanity.message).toMatch(/admission\.sanity: expected no admission\.sanity for a chat-loss task: it is a rule for ONNX files and prediction files/);
    const size = specError(`${DEMO}admission:\n  maxBytes: 1000\n`, DEMO_FILE);
    expect(size.message).toMatch(/admission\.maxBytes: .*a model folder's limit is task\.maxModelBytes\), found 1000/);
    const ok = parseBenchmark(`${DEMO}admission:\n  duplicates: { predictionAgreement: 0.9, policy: exclude }\n  earlierAdvantage: 0.001\n`, DEMO_FILE);
    expect(ok.spec.admission?.duplicates.policy).toBe('exclude');
    // a receipt carries the canonical spec, every default filled in: it loads again
    const again = parseBenchmark(canonicalJson(ok.spec), DEMO_FILE);
    expect(again.specHash).toBe(ok.specHash);
  });

  it('dataset.format must match the task, both ways', () => {
    const lm = specError(DEMO.replace('format: chat-jsonl', 'format: arrow'), DEMO_FILE);
    expect(lm.message).toMatch(/dataset\.format: expected "chat-jsonl" for a chat-loss task, found "arrow"/);
    const absent = specError(DEMO.replace('  format: chat-jsonl\n', ''), DEMO_FILE);
    expect(absent.message).toMatch(/dataset\.format: expected "chat-jsonl" .* found nothing \(absent means "arrow"\)/);
    const tab = specError(TAB.replace(/(dataset:\n)/, '$1  format: text-jsonl\n'), TAB_FILE);
    expect(tab.message).toMatch(/dataset\.format: expected "arrow" for a classification task, found "text-jsonl"/);
    const bad = specError(DEMO.replace('format: chat-jsonl', 'format: csv'), DEMO_FILE);
    expect(bad.message).toMatch(/dataset\.format/);
  });

  it('chat-loss metrics must be language-model metrics', () => {
    const e = specError(DEMO.replace('  - name: perplexity\n', '  - name: perplexity\n  - name: accuracy\n'), DEMO_FILE);
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/metrics\[3\]\.name: expected a metric a chat-loss task can feed .* found "accuracy"/);
  });

  it('the LM task fields are strict and typed (contextLength required, unknown keys refused)', () => {
    expect(specError(DEMO.replace('  contextLength: 512\n', ''), DEMO_FILE).message).toMatch(/task\.contextLength/);
    expect(specError(DEMO.replace('  contextLength: 512\n', '  contextLength: 512\n  temperature: 1\n'), DEMO_FILE).message).toMatch(/unknown key "temperature"/);
  });

  const SHA = 'a'.repeat(64);
  const lmSpec = (task: string, format: string, metrics: string[]) => `id: t\nversion: 1\ntask:\n${task}\ndataset:\n  path: d.jsonl\n  format: ${format}\n  sha256: ${SHA}\n` +
    `batching:\n  size: 4\nmetrics:\n${metrics.map((m) => `  - name: ${m}`).join('\n')}\nsplit:\n  key: some-split-key\n  publicFraction: 0.5\n`;
  const MC = '  type: multiple-choice\n  contextLength: 64';
  const SC = '  type: sequence-classification\n  contextLength: 64\n  numClasses: 2';

  it('multiple-choice: acc / acc_norm load; classification metrics and truncation right are refused', () => {
    const b = parseBenchmark(lmSpec(MC, 'choice-jsonl', ['acc', 'acc_norm']), 'x.yaml');
    expect(b.metricKeys).toEqual(['acc', 'acc_norm']);
    expect(specError(lmSpec(MC, 'choice-jsonl', ['acc', 'accuracy']), 'x.yaml').message).toMatch(/metrics\[1\]\.name: expected a metric a multiple-choice task can feed \(acc, acc_norm\), found "accuracy", which reads predictedClasses/);
    expect(specError(lmSpec(`${MC}\n  truncation: right`, 'choice-jsonl', ['acc']), 'x.yaml').message).toMatch(/task\.truncation: expected "left"/);
  });

  it('sequence-classification: classification metrics; labels, modelKind, verbalizers and prompt are checked together', () => {
    const ok = parseBenchmark(lmSpec(`${SC}\n  labels: [neg, pos]`, 'text-jsonl', ['accuracy', 'log_loss', 'macro_f1']), 'x.yaml');
    expect(ok.spec.task).toMatchObject({ modelKind: 'sequence-classification', labels: ['neg', 'pos'] });
    const lm = parseBenchmark(lmSpec(`${SC}\n  modelKind: causal-lm\n  verbalizers: [" no", " yes"]\n  prompt: "Review: {text} Positive?"`, 'text-jsonl', ['accuracy']), 'x.yaml');
    expect(lm.spec.task).toMatchObject({ modelKind: 'causal-lm', verbalizers: [' no', ' yes'] });
    const err = (task: string, metrics = ['accuracy']) => specError(lmSpec(task, 'text-jsonl', metrics), 'x.yaml').message;
    expect(err(SC, ['acc'])).toMatch(/expected a metric a sequence-classification task can feed .* found "acc", which reads choiceLogliks/);
    expect(err(`${SC}\n  labels: [a, b, c]`)).toMatch(/task\.labels: expected 2 class names \(numClasses\), found 3/);
    expect(err(`${SC}\n  labels: [a, a]`)).toMatch(/task\.labels: expected distinct class names/);
    expect(err(`${SC}\n  verbalizers: [a, b]`)).toMatch(/task\.verbalizers: expected no verbalizers unless modelKind is causal-lm/);
    expect(err(`${SC}\n  modelKind: causal-lm`)).toMatch(/task\.verbalizers: expected one verbalizer per class \(or labels\)/);
    expect(err(`${SC}\n  modelKind: causal-lm\n  labels: [neg, pos]\n  prompt: "no placeholder"`)).toMatch(/task\.prompt: expected a prompt containing \{text\}/);
    expect(err(`${SC}\n  modelKind: causal-lm\n  verbalizers: [x, y, z]`)).toMatch(/task\.verbalizers: expected 2 verbalizers/);
  });
});
