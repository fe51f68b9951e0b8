// Loads benchmarks/<id>/benchmark.yaml: YAML parse, strict zod validation, cross-field checks,
// and the spec hash. Every failure is E_SPEC_INVALID naming the file, the YAML path and line,
// what was expected and what was found.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isNode, isScalar, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { declaredEmptySplit } from '../data/split.ts';
import { ArbiterError } from '../errors.ts';
import { registry, suggestNames } from '../../scoring/index.ts';
import { BenchmarkSpec, datasetFormatOf, isLmTaskType, type BenchmarkSpecData, type DatasetFormat } from './schema.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { AdmissionRulesSchema } from '../models/admission/schema.ts';

export interface LoadedBenchmark {
  spec: BenchmarkSpecData;
  /** absolute path of benchmark.yaml and its folder */
  file: string;
  dir: string;
  /** sha256 of the canonical JSON of the validated spec (defaults applied) */
  specHash: string;
  datasetPath: string;
  splitKey: Buffer;
  /** metric keys in spec order, the primary key, and the resolved tie-break order */
  metricKeys: string[];
  primary: string;
  tieBreak: string[];
}

/** The benchmarks shipped with arbiter (used when the working directory has none). */
export const BUNDLED_BENCHMARKS_DIR = path.join(PACKAGE_ROOT, 'benchmarks') + path.sep;

/** The folders benchmark ids are looked up in, in order: `benchmarksDir`, ./benchmarks, the bundled ones (each once). */
export function benchmarkDirs(benchmarksDir?: string): string[] {
  const out: string[] = [];
  for (const dir of [benchmarksDir, path.resolve('benchmarks'), BUNDLED_BENCHMARKS_DIR]) {
    if (dir && !out.some((d) => path.resolve(d) === path.resolve(dir))) out.push(dir);
  }
  return out;
}

/** Ids of the benchmarks in `dirs` (sub-folders holding a benchmark.yaml), sorted, each once. */
export function benchmarkIdsIn(dirs: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const dir of dirs) {
    let entries: string[];
    try { entries = readdirSync(dir); } catch { continue; }
    for (const e of entries) if (existsSync(path.join(dir, e, 'benchmark.yaml'))) ids.add(e);
  }
  return [...ids].sort();
}

/**
 * Resolve `--benchmark`: a path to a yaml file or folder, or an id under ./benchmarks or the
 * bundled ones. An id that names no benchmark there may still be a folder of the working
 * directory holding a benchmark.yaml (`-b bd` for ./bd/benchmark.yaml).
 */
export function resolveBenchmarkFile(idOrPath: string, benchmarksDir?: string): string {
  const candidates: string[] = [];
  const add = (c: string) => { if (!candidates.includes(c)) candidates.push(c); };
  if (idOrPath.endsWith('.yaml') || idOrPath.endsWith('.yml')) add(path.resolve(idOrPath));
  else {
    const isPath = idOrPath.includes('/') || idOrPath.startsWith('.') || path.isAbsolute(idOrPath);
    if (isPath) add(path.resolve(idOrPath, 'benchmark.yaml'));
    // an absolute path names one place; only an id or a relative path is looked up under the benchmark folders
    if (!path.isAbsolute(idOrPath)) for (const dir of benchmarkDirs(benchmarksDir)) add(path.join(dir, idOrPath, 'benchmark.yaml'));
    if (!isPath) add(path.resolve(idOrPath, 'benchmark.yaml'));
  }
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  // A federation's folder (fl-demo sits among the bundled benchmarks) has no hidden set to score.
  const federation = candidates.map((c) => path.join(path.dirname(c), 'federation.yaml')).find((f) => existsSync(f) && statSync(f).isFile());
  if (federation) {
    throw new ArbiterError('E_SPEC_NOT_FOUND', `"${idOrPath}" is a federation (${federation}), not a benchmark: expected a benchmark.yaml with a hidden set to score, found a federation.yaml, whose data stay with its parties. Run \`arbiter fl demo\` for the bundled one, or \`arbiter fl evaluate\` on a party's own set (docs/federated.md)`, {
      benchmark: idOrPath, federation, tried: candidates,
    });
  }
  const suggestions = suggestNames(idOrPath, benchmarkIdsIn(benchmarkDirs(benchmarksDir)));
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((n) => `"${n}"`).join(' or ')}? (\`arbiter benchmarks\` lists them)` : ' (`arbiter benchmarks` lists the known ones)';
  throw new ArbiterError('E_SPEC_NOT_FOUND', `no benchmark "${idOrPath}": expected one of ${candidates.join(', ')} to exist.${hint}`, {
    benchmark: idOrPath, tried: candidates, suggestions,
  });
}

export function loadBenchmark(idOrPath: string, benchmarksDir?: string): LoadedBenchmark {
  const file = resolveBenchmarkFile(idOrPath, benchmarksDir);
  return parseBenchmark(readFileSync(file, 'utf8'), file);
}

/** A zod issue path as users write it: `a.b[2].c`. */
export function pathString(p: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(top level)';
}

function located(doc: Document, lc: LineCounter, file: string, p: ReadonlyArray<PropertyKey>): string {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const { line, col } = lc.linePos(node.range[0]);
      return `${path.basename(file)}:${line}:${col}`;
    }
  }
  return path.basename(file);
}

/** Where the key `key` of the mapping at `p` is written (falls back to the mapping). */
function keyLocated(doc: Document, lc: LineCounter, file: string, p: ReadonlyArray<PropertyKey>, key: string): string {
  const map = p.length === 0 ? doc.contents : doc.getIn(p as unknown[], true);
  if (isMap(map)) {
    const pair = map.items.find((it) => isScalar(it.key) && it.key.value === key);
    if (pair && isNode(pair.key) && pair.key.range) {
      const { line, col } = lc.linePos(pair.key.range[0]);
      return `${path.basename(file)}:${line}:${col}`;
    }
  }
  return located(doc, lc, file, p);
}

/** What a parsed document holds at a path, short enough for an error message. */
export function foundAt(value: unknown, p: ReadonlyArray<PropertyKey>): string {
  let cur: unknown = value;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return 'nothing';
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  if (cur === undefined) return 'nothing (the field is missing)';
  const json = JSON.stringify(cur);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): { path: string; expected: string; found: string } {
  const p = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return { path: pathString(p), expected: 'only the keys the schema defines (see `arbiter spec schema`)', found: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  // zod says "expected number, received string"; we print the value found instead of its type.
  const expected = issue.message
    .replace(/^Invalid (input|option): /, '').replace(/^Too (small|big): /, '')
    .replace(/^Invalid discriminator value\. Expected /, 'one of ')
    .replace(/^expected /, '').replace(/, received [a-z]+$/, '');
  const found = foundAt(raw, p);
  // YAML reads 1000000 as a number; a field that wants a decimal string (rewards.pool) says how to write it.
  if (expected === 'string' && /^-?[0-9][0-9.e+-]*$/.test(found)) return { path: pathString(p), expected: `string (quote it: "${found}")`, found: `the number ${found}` };
  return { path: pathString(p), expected, found };
}

/** The tie-break order a spec ranks by: its own, or the other metrics in spec order, then "earliest". */
export function resolvedTieBreak(spec: BenchmarkSpecData, metricKeys: readonly string[], primary: string): string[] {
  return spec.ranking.tieBreak ?? [...metricKeys.filter((k) => k !== primary), 'earliest'];
}

/** What a stored spec (canonical JSON) says about ranking: metric directions and the primary. */
export function parseBenchmarkJson(specJson: string): { spec: BenchmarkSpecData; primary: string; metricKeys: string[]; higherIsBetter: Record<string, boolean> } {
  const spec = BenchmarkSpec.parse(JSON.parse(specJson));
  const metricKeys = spec.metrics.map((m) => m.key ?? m.name);
  const higherIsBetter: Record<string, boolean> = {};
  spec.metrics.forEach((m, i) => { higherIsBetter[metricKeys[i]!] = registry.get(m.name).higherIsBetter; });
  return { spec, primary: spec.ranking.primary ?? metricKeys[0]!, metricKeys, higherIsBetter };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_ALIAS_COUNT = 100;

/** Parse and validate spec text. `file` names the source in messages and anchors relative paths. */
export function parseBenchmark(text: string, file: string): LoadedBenchmark {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // linePos is only filled in with prettyErrors; compute it from the offset ourselves.
    const pos = e.linePos?.[0] ?? (e.pos ? lc.linePos(e.pos[0]) : undefined);
    const where = pos ? `${path.basename(file)}:${pos.line}:${pos.col}` : path.basename(file);
    throw new ArbiterError('E_SPEC_INVALID', `${where}: not valid YAML: ${e.message.split('\n')[0]}`, {
      file, line: pos?.line, column: pos?.col, yamlCode: e.code,
    });
  }
  // Keys that would reach Object.prototype (or be silently dropped by toJS) are refused anywhere.
  let badKey: { key: string; line?: number; col?: number } | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FORBIDDEN_KEYS.has(String(pair.key.value))) {
        const pos = pair.key.range ? lc.linePos(pair.key.range[0]) : undefined;
        badKey = { key: String(pair.key.value), line: pos?.line, col: pos?.col };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (badKey) {
    const where = badKey.line ? `${path.basename(file)}:${badKey.line}:${badKey.col}` : path.basename(file);
    throw new ArbiterError('E_SPEC_INVALID', `${where}: the key "${badKey.key}" is not allowed anywhere in a spec (it could reach Object.prototype)`, { file, line: badKey.line, column: badKey.col });
  }
  let raw: unknown;
  try {
    // An alias bomb (aliases of aliases) would expand exponentially: capped, as yaml suggests.
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ArbiterError('E_SPEC_INVALID', `${path.basename(file)}: not valid YAML: ${(err as Error).message} (at most ${MAX_ALIAS_COUNT} alias expansions)`, { file });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArbiterError('E_SPEC_INVALID', `${path.basename(file)}: expected a YAML mapping at the top level, found ${raw === null ? 'an empty document' : Array.isArray(raw) ? 'a list' : typeof raw}`, { file });
  }
  const parsed = BenchmarkSpec.safeParse(raw);
  if (!parsed.success) {
    // An unknown key is located at the key itself, not at the start of the mapping that holds it.
    const issues = parsed.error.issues.map((i) => ({
      ...describeIssue(i, raw),
      where: i.code === 'unrecognized_keys' ? keyLocated(doc, lc, file, i.path, i.keys[0]!) : located(doc, lc, file, i.path),
    }));
    const first = issues[0]!;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new ArbiterError('E_SPEC_INVALID', `${first.where} ${first.path}: expected ${first.expected}, found ${first.found}${more}`, { file, issues });
  }
  const spec = parsed.data;
  const fail = (p: PropertyKey[], expected: string, found: string): never => {
    throw new ArbiterError('E_SPEC_INVALID', `${located(doc, lc, file, p)} ${pathString(p)}: expected ${expected}, found ${found}`, { file, path: pathString(p) });
  };

  // Cross-field rules the schema cannot express.
  const metricKeys = spec.metrics.map((m) => m.key ?? m.name);
  metricKeys.forEach((k, i) => {
    if (metricKeys.indexOf(k) !== i) fail(['metrics', i], 'unique metric keys (set `key` to tell two uses of one metric apart)', `"${k}" twice`);
  });
  spec.metrics.forEach((m, i) => {
    if (!registry.has(m.name)) {
      try { registry.get(m.name); } catch (err) { fail(['metrics', i, 'name'], 'a registered metric', (err as Error).message); }
    }
    const metric = registry.get(m.name);
    const opts = metric.optionsSchema.safeParse(m.options ?? {});
    if (!opts.success) fail(['metrics', i, 'options'], `options of ${m.name}: ${opts.error.issues.map((x) => `${pathString(x.path)} ${x.message}`).join('; ')}`, JSON.stringify(m.options ?? {}));
  });
  const primary = spec.ranking.primary ?? metricKeys[0]!;
  if (!metricKeys.includes(primary)) fail(['ranking', 'primary'], `one of the metric keys ${metricKeys.join(', ')}`, `"${primary}"`);
  const tieBreak = resolvedTieBreak(spec, metricKeys, primary);
  tieBreak.forEach((k, i) => {
    if (k !== 'earliest' && !metricKeys.includes(k)) fail(['ranking', 'tieBreak', i], `a metric key (${metricKeys.join(', ')}) or "earliest"`, `"${k}"`);
    if (k === 'earliest' && i !== tieBreak.length - 1) fail(['ranking', 'tieBreak', i], '"earliest" only as the last tie-break', `"earliest" at position ${i + 1} of ${tieBreak.length}`);
  });

  if (spec.split.column !== undefined) {
    const c = spec.split.column;
    const label = spec.task.type === 'classification' ? spec.task.labelColumn : spec.task.type === 'regression' ? spec.task.targetColumn : undefined;
    if (c === spec.dataset.idColumn || c === label) fail(['split', 'column'], 'a column of its own naming each row\'s split', `the ${c === label ? 'label' : 'id'} column "${c}"`);
  }
  const empty = declaredEmptySplit(spec.split.publicFraction);
  if (empty !== null && spec.ranking.split === empty) {
    fail(['ranking', 'split'], `"${empty === 'public' ? 'private' : 'public'}": split.publicFraction ${spec.split.publicFraction} puts every row in the ${empty === 'public' ? 'private' : 'public'} split`, `"${empty}"`);
  }
  if (isLmTaskType(spec.task.type)) checkLmSpec(spec, fail);
  else checkTabularSpec(spec, fail);

  const dir = path.dirname(path.resolve(file));
  let splitKey: Buffer;
  if (spec.split.keyFile !== undefined) {
    const kf = path.resolve(dir, spec.split.keyFile);
    if (!existsSync(kf)) fail(['split', 'keyFile'], 'an existing file holding the split key', `no file at ${kf}`);
    splitKey = readFileSync(kf);
  } else splitKey = Buffer.from(spec.split.key ?? '', 'utf8'); // empty with split.column: no hash

  return {
    spec, file: path.resolve(file), dir, specHash: sha256Hex(canonicalJson(spec)),
    datasetPath: path.resolve(dir, spec.dataset.path), splitKey, metricKeys, primary, tieBreak,
  };
}

type Fail = (p: PropertyKey[], expected: string, found: string) => never;

/** The dataset format each task type reads. */
export const FORMAT_OF_TASK: Record<BenchmarkSpecData['task']['type'], DatasetFormat> = {
  classification: 'arrow', regression: 'arrow', 'chat-loss': 'chat-jsonl', 'multiple-choice': 'choice-jsonl', 'sequence-classification': 'text-jsonl',
};

/** The metric input kinds each language-model task produces (see src/tasks/lm/metric-batch.ts). */
const LM_TASK_INPUTS: Record<'chat-loss' | 'multiple-choice' | 'sequence-classification', { inputs: Set<string>; examples: string }> = {
  'chat-loss': { inputs: new Set(['tokenLosses']), examples: 'nll_per_token, perplexity, bits_per_byte' },
  'multiple-choice': { inputs: new Set(['labels', 'choiceLogliks']), examples: 'acc, acc_norm' },
  'sequence-classification': { inputs: new Set(['labels', 'predictedClasses', 'probabilities']), examples: 'accuracy, macro_f1, log_loss, ...' },
};

/** Classification / regression: an Arrow dataset and an ONNX model contract that fits the task. */
function checkTabularSpec(spec: BenchmarkSpecData, fail: Fail): void {
  const task = spec.task;
  if (task.type !== 'classification' && task.type !== 'regression') return;
  if (datasetFormatOf(spec) !== 'arrow') fail(['dataset', 'format'], `"arrow" for a ${task.type} task`, `"${spec.dataset.format}"`);
  if (spec.batching.maxTokens !== undefined) fail(['batching', 'maxTokens'], `no token budget for a ${task.type} task (its batches are batching.size rows of fixed-size inputs)`, `${spec.batching.maxTokens}`);
  const model = spec.model;
  if (!model) return fail(['model'], `a model contract (inputs, outputs) for a ${task.type} task`, 'nothing (the field is missing)');
  const labelColumn = task.type === 'classification' ? task.labelColumn : task.targetColumn;
  model.inputs.forEach((inp, i) => {
    if (inp.column === labelColumn) fail(['model', 'inputs', i, 'column'], 'an input column (labels never reach a model)', `the label column "${labelColumn}"`);
    if (inp.column === spec.dataset.idColumn) fail(['model', 'inputs', i, 'column'], 'an input column', `the id column "${inp.column}"`);
    if (inp.column === spec.split.column) fail(['model', 'inputs', i, 'column'], 'an input column (which split a row is in never reaches a model)', `the split column "${inp.column}"`);
    if (typeof inp.shape[0] !== 'string') fail(['model', 'inputs', i, 'shape', 0], 'a symbolic batch axis such as "batch"', JSON.stringify(inp.shape[0]));
    inp.shape.slice(1).forEach((d, j) => {
      if (typeof d !== 'number') fail(['model', 'inputs', i, 'shape', j + 1], 'a fixed size (only the batch axis is symbolic)', JSON.stringify(d));
    });
  });
  const out = model.outputs[0]!;
  if (typeof out.shape[0] !== 'string') fail(['model', 'outputs', 0, 'shape', 0], 'a symbolic batch axis such as "batch"', JSON.stringify(out.shape[0]));
  out.shape.slice(1).forEach((d, j) => {
    if (typeof d !== 'number') fail(['model', 'outputs', 0, 'shape', j + 1], 'a fixed size', JSON.stringify(d));
  });
  if (out.dtype !== 'float32' && out.dtype !== 'float64') fail(['model', 'outputs', 0, 'dtype'], 'float32 or float64', out.dtype);
  if (task.type === 'classification') {
    const want = JSON.stringify(['batch', task.numClasses]);
    if (out.shape.length !== 2 || out.shape[1] !== task.numClasses) fail(['model', 'outputs', 0, 'shape'], `[<batch>, ${task.numClasses}] (one score per class) such as ${want}`, JSON.stringify(out.shape));
  } else if (!(out.shape.length === 1 || (out.shape.length === 2 && out.shape[1] === 1))) {
    fail(['model', 'outputs', 0, 'shape'], '[batch] or [batch, 1] (one value per row)', JSON.stringify(out.shape));
  }
}

/**
 * The `admission` rules a language-model task honours: copies (`duplicates`) and the ranking margin
 * (`earlierAdvantage`) work for every kind. The rest are rules about one ONNX file or a prediction
 * file; a model folder's own rules live in `task` (maxModelBytes, maxParams, allowedOpsets, ...) and
 * its first batch runs under `limits` in place of a sanity run. Such a rule set to anything but its
 * default would be silently ignored, so it is refused (compared with the default, not by presence:
 * a receipt's canonical spec carries every default).
 */
const LM_ADMISSION_KEYS = new Set(['duplicates', 'earlierAdvantage']);
const LM_ADMISSION_INSTEAD: Record<string, string> = {
  maxBytes: 'task.maxModelBytes', maxParams: 'task.maxParams', allowedOpsets: 'task.allowedOpsets',
};
function checkLmAdmission(spec: BenchmarkSpecData, fail: Fail): void {
  if (spec.admission === undefined) return;
  const defaults = AdmissionRulesSchema.parse({}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(spec.admission)) {
    if (LM_ADMISSION_KEYS.has(key) || value === undefined) continue;
    if (canonicalJson(value) === canonicalJson(defaults[key] ?? null)) continue;
    const instead = LM_ADMISSION_INSTEAD[key] ? ` (a model folder's limit is ${LM_ADMISSION_INSTEAD[key]})` : '';
    fail(['admission', key], `no admission.${key} for a ${spec.task.type} task: it is a rule for ONNX files and prediction files; a ${spec.task.type} task takes admission.duplicates and admission.earlierAdvantage${instead}`, canonicalJson(value));
  }
}

/** Language-model tasks: a JSONL dataset of the task's format, no ONNX contract, metrics the task can feed. */
function checkLmSpec(spec: BenchmarkSpecData, fail: Fail): void {
  const want = FORMAT_OF_TASK[spec.task.type];
  if (datasetFormatOf(spec) !== want) fail(['dataset', 'format'], `"${want}" for a ${spec.task.type} task`, spec.dataset.format ? `"${spec.dataset.format}"` : 'nothing (absent means "arrow")');
  if (spec.model !== undefined) fail(['model'], `no model contract for a ${spec.task.type} task (submissions are transformers.js model folders; their rules live in task)`, 'a model contract');
  checkLmAdmission(spec, fail);
  const task = spec.task;
  if (task.type !== 'chat-loss' && task.type !== 'multiple-choice' && task.type !== 'sequence-classification') return;
  // A pass must hold one sequence of the full context: a smaller budget could not bound memory.
  const maxTokens = spec.batching.maxTokens;
  if (maxTokens !== undefined && maxTokens < task.contextLength) fail(['batching', 'maxTokens'], `at least task.contextLength (${task.contextLength}): one sequence of the full context must fit in a pass`, `${maxTokens}`);
  const feeds = LM_TASK_INPUTS[task.type];
  spec.metrics.forEach((m, i) => {
    const missing = registry.get(m.name).inputs.filter((x) => !feeds.inputs.has(x));
    if (missing.length > 0) fail(['metrics', i, 'name'], `a metric a ${task.type} task can feed (${feeds.examples})`, `"${m.name}", which reads ${missing.join(', ')}`);
  });
  if (task.type === 'multiple-choice' && task.truncation !== 'left') {
    fail(['task', 'truncation'], '"left" (a multiple-choice sequence keeps its choice whole and loses the start of the context)', `"${task.truncation}"`);
  }
  if (task.type === 'sequence-classification') {
    if (task.labels && task.labels.length !== task.numClasses) fail(['task', 'labels'], `${task.numClasses} class names (numClasses)`, `${task.labels.length}`);
    if (task.labels && new Set(task.labels).size !== task.labels.length) fail(['task', 'labels'], 'distinct class names', JSON.stringify(task.labels));
    const lmOnly = (['verbalizers', 'prompt', 'delimiter'] as const).filter((k) => task[k] !== undefined);
    if (task.modelKind !== 'causal-lm') {
      if (lmOnly.length > 0) fail(['task', lmOnly[0]!], `no ${lmOnly[0]} unless modelKind is causal-lm`, `modelKind ${task.modelKind}`);
    } else {
      const verbalizers = task.verbalizers ?? task.labels;
      if (!verbalizers) fail(['task', 'verbalizers'], `one verbalizer per class (or labels) for modelKind causal-lm`, 'neither verbalizers nor labels');
      if (verbalizers.length !== task.numClasses) fail(['task', 'verbalizers'], `${task.numClasses} verbalizers (numClasses)`, `${verbalizers.length}`);
      if (new Set(verbalizers).size !== verbalizers.length) fail(['task', 'verbalizers'], 'distinct verbalizers', JSON.stringify(verbalizers));
      if (task.prompt !== undefined && !task.prompt.includes('{text}')) fail(['task', 'prompt'], 'a prompt containing {text} (where the row\'s text goes)', JSON.stringify(task.prompt));
    }
  }
}
