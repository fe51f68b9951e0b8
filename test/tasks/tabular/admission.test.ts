// Admission from the spec inside `arbiter score`: the `admission:` section's static rules (opsets,
// operators, parameters) on top of the contract check, the defaults when the section is absent, and
// same-weights copies flagged as duplicates of the earlier submission.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../../src/run/index.ts';
import { admissionRules } from '../../../src/tasks/tabular/admission.ts';
import { AdmissionRulesSchema } from '../../../src/models/admission/schema.ts';
import { buildModel, mlpModel, gaussian, mulberry32 } from '../../../src/models/onnx/builder.ts';
import { decodeModel, encodeModel } from '../../../src/models/onnx/proto.ts';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { gzipSync } from 'node:zlib';
import { externalModel, goodModel, layer, linearSpec } from '../../models/admission/fixtures.ts';
import { tar } from '../../models/tar-writer.ts';
import { tempDir } from '../../helpers.ts';
import { writeHiddenBench } from '../../run/fixtures/hidden-bench.ts';

/** The same weights in another wrapper: renamed graph and tensors, other producer. */
function rewrapped(bytes: Uint8Array): Uint8Array {
  const m = decodeModel(bytes);
  m.producerName = 'copycat';
  m.graph!.name = 'mine-honest';
  const rename = new Map(m.graph!.initializer!.map((t, i) => [t.name!, `p${i}`]));
  for (const t of m.graph!.initializer!) t.name = rename.get(t.name!)!;
  for (const n of m.graph!.node!) n.input = n.input!.map((x) => rename.get(x) ?? x);
  return encodeModel(m);
}

function write(dir: string, files: Record<string, Uint8Array>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, bytes]) => { const p = path.join(dir, `${name}.onnx`); writeFileSync(p, bytes); return p; });
}

const byName = (r: ScoreResult) => Object.fromEntries(r.rows.map((row) => [row.participant, row]));

describe('admission rules from the spec', () => {
  it('applies opsets, the operator allowlist and the parameter limit, and flags same-weights copies', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir, {
      admission: '  allowedOpsets: { min: 13, max: 17 }\n  opAllowlist: [MatMul, Add, Relu, Softmax]\n  maxParams: 200',
    });
    const g = gaussian(mulberry32(11));
    const big = mlpModel({ inputName: 'x', outputName: 'probs', weights: [layer(g, 4, 64), layer(g, 64, 3)], softmax: true });
    const sigmoid = decodeModel(goodModel(2));
    sigmoid.graph!.node!.find((n) => n.opType === 'Relu')!.opType = 'Sigmoid';
    const opset18 = decodeModel(goodModel(3));
    opset18.opsetImport = [{ domain: '', version: 18 }];
    const subs = write(path.join(dir, 'subs'), {
      ann: goodModel(1), copy: rewrapped(goodModel(1)), big, sig: encodeModel(sigmoid), new: encodeModel(opset18), cy: goodModel(4),
    });
    const r = await score({ benchmark: dir, submissions: subs, workers: 1, db: path.join(dir, 'a.db') });
    const by = byName(r);
    expect(by.ann!.status).toBe('scored');
    expect(by.cy!.status).toBe('scored');
    expect(by.copy!.status).toBe('duplicate');
    expect(by.copy!.error!.code).toBe('E_DUPLICATE');
    expect(by.copy!.error!.message).toContain('same weights');
    expect(by.copy!.error!.message).toContain('by ann');
    expect(by.big!.error!.code).toBe('E_MODEL_PARAMS');
    expect(by.sig!.error!.code).toBe('E_MODEL_OPERATOR');
    expect(by.sig!.error!.message).toContain('Sigmoid');
    expect(by.new!.error!.code).toBe('E_MODEL_OPSET');
    expect(r.rows.map((x) => x.rank)).toEqual([1, 2, null, null, null, null]);
  });

  it('without an admission section uses the defaults: the demo-style models pass, custom domains do not', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir);
    const b = loadBenchmark(dir);
    expect(b.spec.admission).toBeUndefined();
    expect(admissionRules(b)).toEqual(AdmissionRulesSchema.parse({}));
    const custom = decodeModel(goodModel(2));
    custom.graph!.node!.find((n) => n.opType === 'Relu')!.domain = 'com.microsoft';
    custom.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
    const subs = write(path.join(dir, 'subs'), { ann: goodModel(1), ms: encodeModel(custom), copy: rewrapped(goodModel(1)) });
    const by = byName(await score({ benchmark: dir, submissions: subs, workers: 1, db: path.join(dir, 'a.db') }));
    expect(by.ann!.status).toBe('scored');
    expect(by.ms!.error!.code).toBe('E_MODEL_OPERATOR');
    expect(by.copy!.status).toBe('duplicate');
  });

  it('scores a same-weights copy like its original when duplicates.weights is off', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir, { admission: '  duplicates: { weights: false }' });
    const subs = write(path.join(dir, 'subs'), { ann: goodModel(1), copy: rewrapped(goodModel(1)) });
    const by = byName(await score({ benchmark: dir, submissions: subs, workers: 1, db: path.join(dir, 'a.db') }));
    expect(by.copy!.status).toBe('scored');
    expect(by.copy!.splitScores).toEqual(by.ann!.splitScores);
    expect(by.copy!.submission).not.toBe(by.ann!.submission);
  });

  it('refuses an invalid admission section with E_SPEC_INVALID naming the field', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir, { admission: '  allowedOpsets: { min: 18, max: 13 }' });
    expect(() => loadBenchmark(dir)).toThrow(/admission\.allowedOpsets/);
    await writeHiddenBench(dir, { admission: '  maxParam: 5' });
    expect(() => loadBenchmark(dir)).toThrow(/maxParam/);
  });

  it('scores a .tar.gz with external data like the same model inline, and refuses unsafe archives and loose external data', async () => {
    const dir = tempDir();
    await writeHiddenBench(dir, { admission: '  maxExternalBytes: 65536\n  duplicates: { weights: false }' });
    const w = linearSpec().initializers![0]!.data as Float32Array;
    const wBytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    const subs = path.join(dir, 'subs');
    mkdirSync(subs);
    const file = (name: string, bytes: Uint8Array) => { const p = path.join(subs, name); writeFileSync(p, bytes); return { path: p, participant: name.split('.')[0]! }; };
    const list = [
      file('inline.onnx', buildModel(linearSpec())),
      file('packed.tar.gz', gzipSync(tar([{ name: 'w.bin', data: wBytes }, { name: 'model.onnx', data: externalModel('w.bin') }]))),
      file('plaintar.tar', tar([{ name: 'sub/w.bin', data: wBytes }, { name: 'sub/model.onnx', data: externalModel('w.bin') }])),
      file('dotdot.tar', tar([{ name: '../w.bin', data: wBytes }, { name: 'model.onnx', data: externalModel('../w.bin') }])),
      file('escape.tar.gz', gzipSync(tar([{ name: 'model.onnx', data: externalModel('../../../../etc/passwd') }]))),
      file('loose.onnx', externalModel('w.bin')),
    ];
    writeFileSync(path.join(subs, 'w.bin'), wBytes);
    const by = byName(await score({ benchmark: dir, submissions: list, workers: 1, db: path.join(dir, 'a.db') }));
    expect(by.inline!.status).toBe('scored');
    expect(by.packed!.status).toBe('scored');
    expect(by.plaintar!.status).toBe('scored');
    expect(by.packed!.splitScores).toEqual(by.inline!.splitScores);
    expect(by.plaintar!.splitScores).toEqual(by.inline!.splitScores);
    expect(by.dotdot!.error!.code).toBe('E_SUBMISSION_ARCHIVE');
    expect(by.escape!.error!.code).toBe('E_MODEL_EXTERNAL_DATA');
    // a loose .onnx is scored from its copy in the store: its external file never comes along
    expect(by.loose!.error!.code).toBe('E_MODEL_EXTERNAL_DATA');
  });
});
