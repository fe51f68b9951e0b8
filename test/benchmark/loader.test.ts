// The spec loader: YAML parse errors with line:col, strict schema errors naming the YAML path,
// the cross-field rules (metric keys, ranking, labels never reach a model, output shape), split
// keys, benchmark resolution, and a spec hash that is stable and sensitive to scoring fields.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { BUNDLED_BENCHMARKS_DIR, loadBenchmark, parseBenchmark, resolveBenchmarkFile } from '../../src/benchmark/loader.ts';
import { canonicalJson, sha256Hex } from '../../src/benchmark/canonical.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-spec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FILE = path.join(tmp, 'benchmark.yaml');

/** A valid spec; line numbers below refer to this text (1-based). */
const BASE_LINES = [
  'id: toy', //                      1
  'version: 3', //                   2
  'task:', //                        3
  '  type: classification', //       4
  '  numClasses: 3', //              5
  '  labelColumn: label', //         6
  'dataset:', //                     7
  '  path: data.arrow', //           8
  `  sha256: ${'a'.repeat(64)}`, //  9
  'model:', //                      10
  '  inputs:', //                   11
  '    - name: x', //               12
  '      column: features', //      13
  '      dtype: float32', //        14
  '      shape: [batch, 8]', //     15
  '  outputs:', //                  16
  '    - name: probs', //           17
  '      dtype: float32', //        18
  '      shape: [batch, 3]', //     19
  'batching:', //                   20
  '  size: 16', //                  21
  'metrics:', //                    22
  '  - name: accuracy', //          23
  '  - name: log_loss', //          24
  'split:', //                      25
  '  key: toy-split-key-0001', //   26
  '  publicFraction: 0.25', //      27
];
const BASE = BASE_LINES.join('\n') + '\n';

function edit(from: string, to: string, text = BASE): string {
  expect(text, `fixture must contain ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}

/** Parse and return the ArbiterError (fails the test when parsing succeeds). */
function specError(text: string, file = FILE): ArbiterError {
  try {
    parseBenchmark(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    return err as ArbiterError;
  }
  return expect.unreachable('the spec was accepted') as never;
}

describe('loading valid specs', () => {
  it('loads the bundled tabular-demo by id and by path, with defaults and resolved ranking', () => {
    const b = loadBenchmark('tabular-demo');
    expect(b.file).toBe(path.join(BUNDLED_BENCHMARKS_DIR, 'tabular-demo', 'benchmark.yaml'));
    expect(b.spec.id).toBe('tabular-demo');
    expect(b.spec.task).toEqual({ type: 'classification', numClasses: 4, labelColumn: 'label', output: 'probabilities' });
    expect(b.metricKeys).toEqual(['log_loss', 'accuracy', 'macro_f1']);
    expect(b.primary).toBe('log_loss');
    expect(b.tieBreak).toEqual(['accuracy', 'macro_f1', 'earliest']);
    expect(b.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.datasetPath).toBe(path.resolve(b.dir, '../../datasets/tabular-demo/hidden.arrow'));
    expect(b.splitKey.toString('utf8')).toBe('tabular-demo-split-key-2026');
    const byPath = loadBenchmark(b.file);
    expect(byPath.specHash).toBe(b.specHash);
    const byDir = loadBenchmark(path.join(BUNDLED_BENCHMARKS_DIR, 'tabular-demo'));
    expect(byDir.specHash).toBe(b.specHash);
  });

  it('applies defaults: idColumn, maxBytes, batching.last, ranking split/primary/tieBreak, description', () => {
    const b = parseBenchmark(BASE, FILE);
    expect(b.spec.dataset.idColumn).toBe('id');
    expect(b.spec.model!.maxBytes).toBe(100 * 1024 * 1024);
    expect(b.spec.batching.last).toBe('partial');
    expect(b.spec.description).toBe('');
    expect(b.spec.ranking.split).toBe('private');
    expect(b.primary).toBe('accuracy');
    expect(b.tieBreak).toEqual(['log_loss', 'earliest']);
    expect(b.dir).toBe(tmp);
    expect(b.datasetPath).toBe(path.join(tmp, 'data.arrow'));
  });

  it('accepts a regression spec with [batch] or [batch, 1] outputs', () => {
    const reg = edit('  type: classification\n  numClasses: 3\n  labelColumn: label', '  type: regression\n  targetColumn: y');
    const m = edit('  - name: accuracy\n  - name: log_loss', '  - name: mse\n  - name: mae', reg);
    expect(parseBenchmark(edit('shape: [batch, 3]', 'shape: [batch]', m), FILE).spec.task.type).toBe('regression');
    expect(parseBenchmark(edit('shape: [batch, 3]', 'shape: [batch, 1]', m), FILE).primary).toBe('mse');
    const e = specError(edit('shape: [batch, 3]', 'shape: [batch, 2]', m));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toContain('model.outputs[0].shape: expected [batch] or [batch, 1]');
    expect(e.message).toContain('found ["batch",2]');
  });

  it('reads the split key from keyFile relative to the spec', () => {
    const dir = path.join(tmp, 'kf');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'split.key'), 'secret-bytes-from-a-file');
    const text = edit('  key: toy-split-key-0001', '  keyFile: split.key');
    const b = parseBenchmark(text, path.join(dir, 'benchmark.yaml'));
    expect(b.splitKey.toString('utf8')).toBe('secret-bytes-from-a-file');
    const e = specError(text, path.join(tmp, 'benchmark.yaml'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/^benchmark\.yaml:26:12 split\.keyFile: expected an existing file holding the split key, found no file at /);
    expect(e.message).toContain(path.join(tmp, 'split.key'));
  });
});

describe('YAML errors', () => {
  it('broken YAML gives E_SPEC_INVALID with file:line:col', () => {
    const e = specError(edit('  numClasses: 3', '  numClasses: [3'));
    expect(e.code).toBe('E_SPEC_INVALID');
    // The unclosed flow sequence on line 5 is detected where the next line starts.
    expect(e.message).toMatch(/^benchmark\.yaml:6:3: not valid YAML: /);
    expect(e.details).toMatchObject({ file: FILE, line: 6, column: 3 });
  });

  it('a tab in the indentation names its line', () => {
    const e = specError(edit('  type: classification', '\ttype: classification'));
    expect(e.message).toMatch(/^benchmark\.yaml:4:1: not valid YAML: Tabs are not allowed/);
  });

  it('a duplicate mapping key is refused at the duplicate', () => {
    const e = specError(edit('version: 3\n', 'version: 3\nversion: 4\n'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/^benchmark\.yaml:3:1: not valid YAML: Map keys must be unique/);
  });

  it('an empty document or a top-level list is not a spec', () => {
    expect(specError('').message).toBe('benchmark.yaml: expected a YAML mapping at the top level, found an empty document');
    expect(specError('- a\n- b\n').message).toBe('benchmark.yaml: expected a YAML mapping at the top level, found a list');
    expect(specError('just text\n').message).toBe('benchmark.yaml: expected a YAML mapping at the top level, found string');
  });
});

describe('schema errors name the YAML path, the line, what was expected and what was found', () => {
  it('unknown top-level key', () => {
    const e = specError(BASE + 'extras: 1\n');
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/^benchmark\.yaml:28:1 \(top level\): expected only the keys the schema defines/);
    expect(e.message).toContain('found unknown key "extras"');
  });

  it('unknown nested key is located at the key and names its parent path', () => {
    const e = specError(edit('  path: data.arrow', '  path: data.arrow\n  idColum: rid'));
    expect(e.message).toMatch(/^benchmark\.yaml:9:3 dataset: expected only the keys the schema defines/);
    expect(e.message).toContain('found unknown key "idColum"');
    const deep = specError(edit('      dtype: float32\n      shape: [batch, 8]', '      dtype: float32\n      shape: [batch, 8]\n      layout: nchw'));
    expect(deep.message).toMatch(/^benchmark\.yaml:16:7 model\.inputs\[0\]: expected only the keys/);
    expect(deep.message).toContain('"layout"');
  });

  it('wrong dtype lists the allowed values and the value found', () => {
    const e = specError(edit('      dtype: float32\n      shape: [batch, 8]', '      dtype: float16\n      shape: [batch, 8]'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:14:14 model.inputs[0].dtype: expected one of "float32"|"float64"|"int32"|"int64", found "float16"');
    const issues = (e.details as { issues: Array<{ path: string; expected: string; found: string }> }).issues;
    expect(issues[0]).toMatchObject({ path: 'model.inputs[0].dtype', found: '"float16"' });
  });

  it('a missing required field says so', () => {
    const e = specError(edit('  labelColumn: label\n', ''));
    expect(e.message).toContain('task.labelColumn: expected string, found nothing (the field is missing)');
  });

  it('wrong scalar types and ranges', () => {
    expect(specError(edit('version: 3', 'version: "3"')).message).toBe('benchmark.yaml:2:10 version: expected number, found "3"');
    expect(specError(edit('  size: 16', '  size: 0')).message).toContain('batching.size: expected');
    expect(specError(edit('  size: 16', '  size: 0')).message).toContain('found 0');
    expect(specError(edit('id: toy', 'id: Toy_Bench')).message).toContain('id: expected lowercase letters, digits and dashes, found "Toy_Bench"');
    expect(specError(edit('  publicFraction: 0.25', '  publicFraction: 1')).message).toContain('split.publicFraction');
    expect(specError(edit(`  sha256: ${'a'.repeat(64)}`, '  sha256: ABC')).message).toContain('dataset.sha256: expected 64 lowercase hex characters, found "ABC"');
  });

  it('counts further problems', () => {
    const e = specError(edit('version: 3', 'version: 0', BASE + 'extras: 1\n'));
    expect(e.message).toMatch(/\(and 1 more problem\)$/);
    expect((e.details as { issues: unknown[] }).issues).toHaveLength(2);
  });

  it('unknown task type lists the task types', () => {
    const e = specError(edit('  type: classification', '  type: ranking'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe(`benchmark.yaml:4:9 task.type: expected one of 'classification' | 'regression' | 'chat-loss' | 'multiple-choice' | 'sequence-classification', found "ranking"`);
  });

  it('size limits read as plain expectations', () => {
    expect(specError(edit('  numClasses: 3', '  numClasses: 1')).message).toBe('benchmark.yaml:5:15 task.numClasses: expected number to be >=2, found 1');
    expect(specError(edit('  - name: accuracy\n  - name: log_loss', '  []')).message).toMatch(/metrics: expected array to have >=1 items, found \[\]$/);
    expect(specError(edit('      shape: [batch, 8]', '      shape: []')).message).toBe('benchmark.yaml:15:14 model.inputs[0].shape: expected array to have >=1 items, found []');
  });
});

describe('cross-field rules', () => {
  it('unknown metric name carries the registry suggestion', () => {
    const e = specError(edit('  - name: accuracy', '  - name: acuracy'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/^benchmark\.yaml:23:11 metrics\[0\]\.name: expected a registered metric, found unknown metric "acuracy"/);
    expect(e.message).toContain('Did you mean "accuracy"?');
    expect(specError(edit('  - name: log_loss', '  - name: macro-f1')).message).toContain('Did you mean "macro_f1"');
  });

  it('bad metric options name the metric and the option', () => {
    const e = specError(edit('  - name: log_loss', '  - name: log_loss\n    options: { noSuchOption: 1 }'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toContain('metrics[1].options: expected options of log_loss');
    expect(e.message).toContain('found {"noSuchOption":1}');
  });

  it('duplicate metric keys are refused; distinct keys make them legal', () => {
    const dup = edit('  - name: log_loss', '  - name: accuracy');
    const e = specError(dup);
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:24:5 metrics[1]: expected unique metric keys (set `key` to tell two uses of one metric apart), found "accuracy" twice');
    const keyed = edit('  - name: log_loss', '  - name: accuracy\n    key: accuracy_again');
    expect(parseBenchmark(keyed, FILE).metricKeys).toEqual(['accuracy', 'accuracy_again']);
    const clash = specError(edit('  - name: log_loss', '  - name: log_loss\n    key: accuracy'));
    expect(clash.message).toContain('found "accuracy" twice');
  });

  it('ranking.primary must be a metric key', () => {
    const e = specError(BASE + 'ranking:\n  primary: f1\n');
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:29:12 ranking.primary: expected one of the metric keys accuracy, log_loss, found "f1"');
    const ok = parseBenchmark(BASE + 'ranking:\n  primary: log_loss\n', FILE);
    expect(ok.primary).toBe('log_loss');
    expect(ok.tieBreak).toEqual(['accuracy', 'earliest']);
  });

  it('"earliest" only last in tieBreak; unknown tie-break keys refused', () => {
    const e = specError(BASE + 'ranking:\n  tieBreak: [earliest, log_loss]\n');
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:29:14 ranking.tieBreak[0]: expected "earliest" only as the last tie-break, found "earliest" at position 1 of 2');
    const u = specError(BASE + 'ranking:\n  tieBreak: [mse]\n');
    expect(u.message).toContain('ranking.tieBreak[0]: expected a metric key (accuracy, log_loss) or "earliest", found "mse"');
    const noEarliest = parseBenchmark(BASE + 'ranking:\n  tieBreak: [log_loss]\n', FILE);
    expect(noEarliest.tieBreak).toEqual(['log_loss']);
  });

  it('the label column can never be a model input (nor the id column)', () => {
    const e = specError(edit('      column: features', '      column: label'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:13:15 model.inputs[0].column: expected an input column (labels never reach a model), found the label column "label"');
    const second = specError(edit('      shape: [batch, 8]', '      shape: [batch, 8]\n    - name: leak\n      column: label\n      dtype: int64\n      shape: [batch, 1]'));
    expect(second.message).toContain('model.inputs[1].column: expected an input column (labels never reach a model)');
    const reg = edit('  type: classification\n  numClasses: 3\n  labelColumn: label', '  type: regression\n  targetColumn: features');
    const r = specError(reg);
    expect(r.message).toContain('found the label column "features"');
    const id = specError(edit('      column: features', '      column: id'));
    expect(id.message).toContain('model.inputs[0].column: expected an input column, found the id column "id"');
  });

  it('output shape must match numClasses', () => {
    const e = specError(edit('      shape: [batch, 3]', '      shape: [batch, 4]'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('benchmark.yaml:19:14 model.outputs[0].shape: expected [<batch>, 3] (one score per class) such as ["batch",3], found ["batch",4]');
    expect(specError(edit('      shape: [batch, 3]', '      shape: [batch, 3, 1]')).message).toContain('found ["batch",3,1]');
  });

  it('batch axes are symbolic and other axes fixed', () => {
    expect(specError(edit('      shape: [batch, 8]', '      shape: [16, 8]')).message).toContain('model.inputs[0].shape[0]: expected a symbolic batch axis such as "batch", found 16');
    expect(specError(edit('      shape: [batch, 8]', '      shape: [batch, width]')).message).toContain('model.inputs[0].shape[1]: expected a fixed size (only the batch axis is symbolic), found "width"');
    expect(specError(edit('      shape: [batch, 3]', '      shape: [16, 3]')).message).toContain('model.outputs[0].shape[0]');
  });

  it('output dtype must be a float', () => {
    const e = specError(edit('    - name: probs\n      dtype: float32', '    - name: probs\n      dtype: int64'));
    expect(e.message).toContain('model.outputs[0].dtype: expected float32 or float64, found int64');
  });

  it('split needs exactly one of key and keyFile', () => {
    const both = specError(edit('  key: toy-split-key-0001', '  key: toy-split-key-0001\n  keyFile: k.txt'));
    expect(both.code).toBe('E_SPEC_INVALID');
    expect(both.message).toMatch(/^benchmark\.yaml:26:3 split: expected give exactly one of key or keyFile, found \{"key":"toy-split-key-0001","keyFile":"k.txt","publicFraction":0.25\}$/);
    const neither = specError(edit('  key: toy-split-key-0001\n', ''));
    expect(neither.message).toContain('split: expected give exactly one of key or keyFile');
    expect(specError(edit('  key: toy-split-key-0001', '  key: short')).message).toContain('split.key');
  });
});

describe('spec hash', () => {
  it('is stable for equal specs, whatever the key order, comments and defaults spelled out', () => {
    const a = parseBenchmark(BASE, FILE).specHash;
    expect(parseBenchmark(BASE, path.join(tmp, 'other', 'benchmark.yaml')).specHash).toBe(a);
    const reordered = edit('id: toy\nversion: 3\n', '# a comment\nversion: 3   # trailing\nid: toy\n');
    expect(parseBenchmark(reordered, FILE).specHash).toBe(a);
    const explicitDefaults = BASE + 'ranking:\n  split: private\ndescription: ""\n';
    expect(parseBenchmark(edit('  size: 16', '  size: 16\n  last: partial', explicitDefaults), FILE).specHash).toBe(a);
    // a flow mapping is the same spec as a block mapping
    expect(parseBenchmark(edit('batching:\n  size: 16', 'batching: { size: 16 }'), FILE).specHash).toBe(a);
  });

  it('changes when any scoring field changes', () => {
    const a = parseBenchmark(BASE, FILE).specHash;
    const variants = [
      edit('version: 3', 'version: 4'),
      edit('  size: 16', '  size: 17'),
      edit('  size: 16', '  size: 16\n  last: pad'),
      edit('  publicFraction: 0.25', '  publicFraction: 0.3'),
      edit('  key: toy-split-key-0001', '  key: toy-split-key-0002'),
      edit(`  sha256: ${'a'.repeat(64)}`, `  sha256: ${'b'.repeat(64)}`),
      edit('  - name: accuracy\n  - name: log_loss', '  - name: log_loss\n  - name: accuracy'),
      edit('  - name: log_loss', '  - name: log_loss\n    options: {}'),
      BASE + 'ranking:\n  split: public\n',
      edit('  labelColumn: label', '  labelColumn: label\n  output: logits'),
    ];
    const hashes = variants.map((v) => parseBenchmark(v, FILE).specHash);
    for (const h of hashes) expect(h).not.toBe(a);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('canonical JSON (what the spec hash hashes)', () => {
  it('sorts keys at every level, drops undefined, keeps array order, no whitespace', () => {
    expect(canonicalJson({ b: { z: 1, a: [3, { y: 2, x: undefined, w: null }] }, a: 'é' })).toBe('{"a":"é","b":{"a":[3,{"w":null,"y":2}],"z":1}}');
    expect(canonicalJson([true, false, null, '', 0])).toBe('[true,false,null,"",0]');
  });

  it('sorts keys by UTF-16 code units (RFC 8785), not code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF in UTF-16
    expect(canonicalJson({ '\uffff': 1, '\u{1F600}': 2, Z: 3, a: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"Z":3,"a":4,"\u{1F600}":2,"\uffff":1}');
  });

  it('numbers in shortest round-trip form; -0 is 0; non-finite numbers and other types refused', () => {
    expect(canonicalJson([0.1 + 0.2, 1e21, 1e-7, -0, 100, 2 ** 53])).toBe('[0.30000000000000004,1e+21,1e-7,0,100,9007199254740992]');
    expect(() => canonicalJson({ a: NaN })).toThrow(/NaN has no JSON form/);
    expect(() => canonicalJson([Infinity])).toThrow(/Infinity/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson(() => 1)).toThrow(/function/);
  });

  it('sha256Hex matches known digests (values from Python hashlib)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(sha256Hex('abc'));
    expect(sha256Hex(canonicalJson({ b: { c: 0.5 }, a: [1, 'é', null, true] }))).toBe('3c8d559d71cead47a38498986cc15275e8ca29ea36f4e1d3bea90e216eb11c32');
  });

  it('the spec hash is the sha256 of the canonical JSON of the validated spec', () => {
    const b = parseBenchmark(BASE, FILE);
    expect(b.specHash).toBe(sha256Hex(canonicalJson(b.spec)));
    // defaults are part of what is hashed
    expect(canonicalJson(b.spec)).toContain('"batching":{"last":"partial","size":16}');
  });
});

describe('resolveBenchmarkFile', () => {
  it('finds ids under a given benchmarks dir and reports every place it looked', () => {
    const dir = path.join(tmp, 'benchmarks', 'mine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'benchmark.yaml'), BASE);
    expect(resolveBenchmarkFile('mine', path.join(tmp, 'benchmarks'))).toBe(path.join(dir, 'benchmark.yaml'));
    expect(loadBenchmark('mine', path.join(tmp, 'benchmarks')).spec.id).toBe('toy');
    try {
      resolveBenchmarkFile('no-such-benchmark', path.join(tmp, 'benchmarks'));
      expect.unreachable();
    } catch (err) {
      const e = err as ArbiterError;
      expect(e.code).toBe('E_SPEC_NOT_FOUND');
      expect(e.message).toContain('no benchmark "no-such-benchmark"');
      expect(e.message).toContain(path.join(tmp, 'benchmarks', 'no-such-benchmark', 'benchmark.yaml'));
      expect((e.details as { tried: string[] }).tried.length).toBeGreaterThanOrEqual(3);
    }
    expect(() => resolveBenchmarkFile(path.join(tmp, 'missing.yaml'))).toThrow(/no benchmark/);
  });

  it('an absolute folder is looked for there only, not joined under the benchmark folders', () => {
    const abs = path.join(tmp, 'elsewhere');
    try {
      resolveBenchmarkFile(`${abs}/`, path.join(tmp, 'benchmarks'));
      expect.unreachable();
    } catch (err) {
      expect((err as ArbiterError).details).toMatchObject({ tried: [path.join(abs, 'benchmark.yaml')] });
    }
  });

  it('a federation folder (the bundled fl-demo) says what it is and what to run instead', () => {
    for (const arg of ['fl-demo', path.join(BUNDLED_BENCHMARKS_DIR, 'fl-demo') + '/']) {
      try {
        resolveBenchmarkFile(arg, path.join(tmp, 'benchmarks'));
        expect.unreachable();
      } catch (err) {
        const e = err as ArbiterError;
        expect(e.code).toBe('E_SPEC_NOT_FOUND');
        expect(e.message).toContain('is a federation');
        expect(e.message).toContain('arbiter fl demo');
        expect((e.details as { federation: string }).federation).toBe(path.join(BUNDLED_BENCHMARKS_DIR, 'fl-demo', 'federation.yaml'));
      }
    }
  });
});

// Found by test/hostile/fuzz.test.ts: yaml's toJS threw a bare ReferenceError for these, which
// reached the CLI as E_INTERNAL. The guard (toJS with maxAliasCount, wrapped) is the one h-store adds.
describe('parseBenchmark: hostile YAML found by the fuzz test', () => {
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((c, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(', ')}]`;
  })].join('\n');
  it.each([
    ['an alias bomb (9 levels of 9 aliases)', `${BASE}${laughs}\n`],
    ['an alias to an anchor never set', `${BASE}extra: *nowhere\n`],
  ])('%s is E_SPEC_INVALID', (_, text) => {
    expect(specError(text).code).toBe('E_SPEC_INVALID');
  });
});
