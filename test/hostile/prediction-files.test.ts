// Hostile prediction files through `arbiter score` / `submit`: a mutated Arrow stream whose length
// fields would make apache-arrow allocate without bound, a 360 MB sparse CSV, missing and extra ids,
// a benchmark that takes ONNX models only. Each ends with a stable code; the other rows are
// byte-identical to a run without the hostile files; no message names a hidden id the participant
// did not send.
import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableToIPC, Table, makeVector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { score, type ScoreResult } from '../../src/run/index.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { tempDir } from '../helpers.ts';
import { cliInProcess } from './cli-in-process.ts';

const ROWS = 120;
const IDS = Array.from({ length: ROWS }, (_, i) => i * 3 + 2); // writeHiddenBench's ids
const probs = (i: number) => [0.5, 0.25 + (i % 5) / 100, 0.25 - (i % 5) / 100];

function csv(ids: number[]): string {
  return ['id,p0,p1,p2', ...ids.map((id, i) => `${id},${probs(i).join(',')}`)].join('\n') + '\n';
}

function arrow(ids: number[]): Uint8Array {
  const cols: Record<string, ReturnType<typeof makeVector>> = { id: makeVector(BigInt64Array.from(ids.map(BigInt))) };
  for (let k = 0; k < 3; k++) cols[`p${k}`] = makeVector(Float64Array.from(ids.map((_, i) => probs(i)[k]!)));
  return tableToIPC(new Table(cols), 'stream');
}

/** The record batch's row count (int64 LE) in its metadata, with its third byte set: ~2 billion rows. */
function mutateRowCount(bytes: Uint8Array, rows: number): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const second = 8 + dv.getUint32(4, true); // after the schema message (no body)
  const out = Uint8Array.from(bytes);
  for (let p = second + 8; p < second + 8 + dv.getUint32(second + 4, true); p++) {
    if (dv.getUint32(p, true) === rows && dv.getUint32(p + 4, true) === 0) { out[p + 3] = 0x7f; return out; }
  }
  throw new Error('row count not found');
}

const rowOf = (r: ScoreResult, who: string) => r.rows.find((x) => x.participant === who)!;

describe('hostile prediction files', () => {
  it('a mutated Arrow stream, missing and extra ids fail with E_PREDICTIONS; the good rows are byte-identical; no hidden id is named', async () => {
    const dir = tempDir('arbiter-hostile-preds-');
    await writeHiddenBench(dir);
    const f = (name: string, data: string | Uint8Array) => { const p = path.join(dir, name); writeFileSync(p, data); return p; };
    const good = [f('model.onnx', goodModel(7)), f('good.csv', csv(IDS)), f('arrowgood.arrow', arrow(IDS))];
    const hostile = [
      f('mutated.arrow', mutateRowCount(arrow(IDS), ROWS)),
      f('missing.csv', csv(IDS.filter((_, i) => i % 10 !== 3))),
      f('extra.csv', csv([...IDS, 1, 4, 100001])),
    ];
    const base = await score({ benchmark: dir, submissions: good, workers: 1, db: path.join(dir, 'base.db') });
    const all = await score({ benchmark: dir, submissions: [...good, ...hostile], workers: 1, db: path.join(dir, 'all.db') });
    for (const who of ['model', 'good', 'arrowgood']) {
      expect(rowOf(base, who).status).toBe('scored');
      expect(JSON.stringify(rowOf(all, who).splitScores)).toBe(JSON.stringify(rowOf(base, who).splitScores));
    }
    expect(rowOf(all, 'mutated').error).toMatchObject({ code: 'E_PREDICTIONS' });
    expect(rowOf(all, 'mutated').error!.message).toMatch(/not a valid Arrow IPC stream: record batch 1 says \d+ rows but its body has only \d+ bytes/);
    const missing = rowOf(all, 'missing').error!;
    expect(missing.code).toBe('E_PREDICTIONS');
    expect(missing.message).toMatch(/^missing\.csv: missing predictions for \d+ ids of the hidden set/);
    const extra = rowOf(all, 'extra').error!;
    expect(extra).toEqual({ code: 'E_PREDICTIONS', message: "extra.csv: 3 of the file's 123 ids are not in the hidden set" });
    // the ids the missing file left out are hidden: no message, and nothing stored, names one
    const left = IDS.filter((_, i) => i % 10 === 3).map(String);
    const store = Store.open(path.join(dir, 'all.db'));
    const stored = JSON.stringify([...store.outcomes(store.runs()[0]!.id).values()]);
    store.close();
    for (const text of [JSON.stringify(all), stored]) for (const id of left) expect(text).not.toMatch(new RegExp(`\\b${id}\\b`));
  }, 60_000);

  it('dataset.inputsPublished names the extra ids; admission.kinds [onnx] refuses prediction files (E_MODEL_FORMAT) and scores the model', async () => {
    const dir = tempDir('arbiter-hostile-kinds-');
    const bench = await writeHiddenBench(dir, { admission: '  kinds: [onnx]' });
    const model = path.join(dir, 'model.onnx');
    writeFileSync(model, goodModel(7));
    const good = path.join(dir, 'good.csv');
    writeFileSync(good, csv(IDS));
    const r = await score({ benchmark: dir, submissions: [model, good], workers: 1, db: path.join(dir, 'k.db') });
    expect(rowOf(r, 'model').status).toBe('scored');
    expect(rowOf(r, 'good').error).toMatchObject({ code: 'E_MODEL_FORMAT', message: expect.stringContaining('takes onnx submissions, not prediction files (admission.kinds)') });

    const pub = tempDir('arbiter-hostile-published-');
    await writeHiddenBench(pub);
    const yaml = path.join(pub, 'benchmark.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('dataset:\n', 'dataset:\n  inputsPublished: true\n'));
    const extra = path.join(pub, 'extra.csv');
    writeFileSync(extra, csv([...IDS, 1, 4]));
    const p = await score({ benchmark: pub, submissions: [extra], workers: 1, db: path.join(pub, 'p.db') });
    expect(rowOf(p, 'extra').error).toEqual({ code: 'E_PREDICTIONS', message: 'extra.csv: 2 ids are not in the dataset: "1", "4"' });
    void bench;
  }, 60_000);

  it('a 360 MB (sparse) CSV is refused from its size before it is read: submit and score exit 3 with E_MODEL_TOO_LARGE, the store stays empty', async () => {
    const dir = tempDir('arbiter-hostile-bigcsv-');
    await writeHiddenBench(dir); // model.maxBytes: 4194304
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, csv(IDS));
    truncateSync(big, 360 * 1024 * 1024);
    const db = path.join(dir, 's.db');
    const t0 = Date.now();
    const sub = await cliInProcess(['submit', big, '-b', dir, '--db', db]);
    expect(sub.code).toBe(3);
    expect(sub.stderr).toBe(`arbiter: E_MODEL_TOO_LARGE: big.csv is ${360 * 1024 * 1024} bytes: the benchmark accepts prediction files up to 4194304 bytes (model.maxBytes)\n`);
    const sc = await cliInProcess(['score', '-b', dir, '-s', big, '--db', db, '--json']);
    expect(sc.code).toBe(3);
    expect(JSON.parse(sc.stdout).error).toMatchObject({ code: 'E_MODEL_TOO_LARGE', details: { size: 360 * 1024 * 1024, limit: 4194304 } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const store = Store.open(db);
    expect(store.submissions('hidden-test')).toEqual([]);
    expect(store.runs()).toEqual([]);
    store.close();
  }, 60_000);
});
