// Prediction-file submissions: CSV and Arrow layouts, strict value checks naming line and
// column, duplicate ids named (the participant sent them), missing / extra ids counted and never
// named unless the spec says the inputs were published.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { checkNoExtraPredictions, loadPredictions, lookupPredictions, type PredictionTable } from '../../src/models/predictions.ts';
import { loadBenchmark, parseBenchmark } from '../../src/benchmark/loader.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'arbiter-preds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const write = (name: string, content: string | Uint8Array): string => {
  const f = path.join(tmp, `${n++}-${name}`);
  writeFileSync(f, content);
  return f;
};

const DEMO = loadBenchmark('tabular-demo'); // classification, 4 classes
const REGRESSION = parseBenchmark([
  'id: reg', 'version: 1',
  'task: { type: regression, targetColumn: y }',
  `dataset: { path: d.arrow, sha256: ${'a'.repeat(64)} }`,
  'model:', '  inputs: [{ name: x, column: x, dtype: float32, shape: [batch, 2] }]',
  '  outputs: [{ name: y, dtype: float32, shape: [batch] }]',
  'batching: { size: 8 }', 'metrics: [{ name: mse }]', 'split: { key: regression-key, publicFraction: 0.5 }',
].join('\n'), path.join(tmp, 'benchmark.yaml'));

async function predError(file: string, b = DEMO, needsProbabilities = true): Promise<ArbiterError> {
  try {
    await loadPredictions(file, b, needsProbabilities);
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe('E_PREDICTIONS');
    return err as ArbiterError;
  }
  return expect.unreachable('the prediction file was accepted') as never;
}

function lookupError(fn: () => void): ArbiterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArbiterError);
    expect((err as ArbiterError).code).toBe('E_PREDICTIONS');
    return err as ArbiterError;
  }
  return expect.unreachable('no error') as never;
}

describe('CSV prediction files', () => {
  it('probabilities: any column order, extra columns ignored, values by id', async () => {
    const f = write('probs.csv', 'p3,id,note,p0,p1,p2\n0.4,10,x,0.1,0.2,0.3\n0.25, 7 ,y,0.25,0.25,0.25\n');
    const t = await loadPredictions(f, DEMO, true);
    expect(t.kind).toBe('probabilities');
    expect(t.width).toBe(4);
    expect([...t.index]).toEqual([['10', 0], ['7', 1]]);
    expect(Array.from(t.values)).toEqual([0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25]);
    const rows = lookupPredictions(t, [7n, 10n], 2, f);
    expect(Array.from(rows)).toEqual([0.25, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4]);
    expect(() => checkNoExtraPredictions(t, f)).not.toThrow();
  });

  it('class ids when the metrics do not need probabilities', async () => {
    const f = write('classes.csv', 'id,prediction\n1,3\n2,0\n3,1e0\n');
    const t = await loadPredictions(f, DEMO, false);
    expect(t.kind).toBe('classes');
    expect(t.width).toBe(1);
    expect(Array.from(t.values)).toEqual([3, 0, 1]);
  });

  it('a UTF-8 byte-order mark (as spreadsheet programs save CSV) is not part of the first header', async () => {
    const f = write('bom.csv', '\uFEFFid,prediction\n1,3\n2,0\n');
    const t = await loadPredictions(f, DEMO, false);
    expect([...t.index]).toEqual([['1', 0], ['2', 1]]);
    expect(Array.from(t.values)).toEqual([3, 0]);
  });

  it('class-only file when the metrics need probabilities', async () => {
    const e = await predError(write('classes.csv', 'id,prediction\n1,3\n'));
    expect(e.message).toMatch(/^\d+-classes\.csv: this benchmark's metrics need class probabilities: expected columns p0, p1, p2, p3, found only "prediction"$/);
  });

  it('regression values', async () => {
    const f = write('values.csv', 'id,prediction\na,1.5\nb,-2e-3\n');
    const t = await loadPredictions(f, REGRESSION, false);
    expect(t.kind).toBe('values');
    expect(Array.from(lookupPredictions(t, ['b', 'a'], 2, f))).toEqual([-0.002, 1.5]);
    const e = await predError(write('values-bad.csv', 'id,p0\na,1\n'), REGRESSION, false);
    expect(e.message).toMatch(/expected columns id and prediction, found id, p0$/);
  });

  it('duplicate ids name the line and the first line', async () => {
    const e = await predError(write('dup.csv', 'id,p0,p1,p2,p3\n1,1,0,0,0\n2,1,0,0,0\n\n1,0,1,0,0\n'));
    expect(e.message).toMatch(/^\d+-dup\.csv: line 5: duplicate id "1" \(first seen on line 2\)$/);
    expect(e.details).toMatchObject({ firstDuplicate: '1' });
  });

  it('quotes, blank lines and CRLF load the table of the plain file; refusals after them still name the physical line', async () => {
    // loadPredictions parses once without line tracking and re-parses with it only to word a refusal
    const plain = await loadPredictions(write('plain.csv', 'id,p0,p1,p2,p3\n7,0.1,0.2,0.3,0.4\n8,0.4,0.3,0.2,0.1\n'), DEMO, true);
    const fancy = await loadPredictions(write('fancy.csv', 'id,p0,p1,p2,p3\r\n\r\n"7",0.1,"0.2",0.3,0.4\r\n\r\n8,0.4,0.3,0.2,0.1\r\n'), DEMO, true);
    expect([...fancy.index]).toEqual([...plain.index]);
    expect(Array.from(fancy.values)).toEqual(Array.from(plain.values));
    const dup = await predError(write('dup-late.csv', 'id,p0,p1,p2,p3\n\n"7",0.1,0.2,0.3,0.4\n\n\n7,0.4,0.3,0.2,0.1\n'));
    expect(dup.message).toMatch(/: line 6: duplicate id "7" \(first seen on line 3\)$/);
    expect((await predError(write('bad-late.csv', 'id,p0,p1,p2,p3\n\n7,0.1,0.2,0.3,0.4\n\n8,0.1,x,0.3,0.4\n'))).message).toMatch(/: line 5, column p1: expected a number, found "x"$/);
  });

  it('non-numeric, empty, hex and infinite values name line and column', async () => {
    const head = 'id,p0,p1,p2,p3\n1,0.25,0.25,0.25,0.25\n';
    expect((await predError(write('abc.csv', `${head}2,0.1,abc,0.3,0.4\n`))).message).toMatch(/: line 3, column p1: expected a number, found "abc"$/);
    expect((await predError(write('empty.csv', `${head}2,0.1,,0.3,0.4\n`))).message).toMatch(/: line 3, column p1: expected a number, found ""$/);
    expect((await predError(write('hex.csv', `${head}2,0x1,0,0,0\n`))).message).toMatch(/: line 3, column p0: expected a number, found "0x1"$/);
    expect((await predError(write('inf.csv', `${head}2,Infinity,0,0,0\n`))).message).toMatch(/: line 3, column p0: expected a number, found "Infinity"$/);
    expect((await predError(write('nan.csv', `${head}2,NaN,0,0,0\n`))).message).toMatch(/: line 3, column p0: expected a number, found "NaN"$/);
    expect((await predError(write('big.csv', `${head}2,1e999,0,0,0\n`))).message).toMatch(/: line 3, column p0: expected a finite number, found Infinity$/);
  });

  it('class id out of range or not an integer', async () => {
    const out = await predError(write('range.csv', 'id,prediction\n1,0\n2,4\n'), DEMO, false);
    expect(out.message).toMatch(/: line 3, column prediction: expected a class id in 0\.\.3, found 4$/);
    expect((await predError(write('neg.csv', 'id,prediction\n1,-1\n'), DEMO, false)).message).toMatch(/expected a class id in 0\.\.3, found -1$/);
    expect((await predError(write('frac.csv', 'id,prediction\n1,1.5\n'), DEMO, false)).message).toMatch(/expected a class id in 0\.\.3, found 1\.5$/);
  });

  it('layout errors: no id column, neither layout, ragged CSV, empty id, empty file, unknown extension', async () => {
    expect((await predError(write('noid.csv', 'row,p0,p1,p2,p3\n1,1,0,0,0\n'))).message).toMatch(/: expected an "id" column, found "row", "p0", "p1", "p2", "p3"$/);
    expect((await predError(write('partial.csv', 'id,p0,p1,p2\n1,1,0,0\n'))).message).toMatch(/: expected columns id and either p0, p1, p2, p3 \(probabilities\) or prediction \(class id\), found id, p0, p1, p2$/);
    expect((await predError(write('ragged.csv', 'id,p0,p1,p2,p3\n1,1,0,0\n'))).message).toMatch(/: not a valid CSV file: .*expect 5, got 4 on line 2$/);
    expect((await predError(write('emptyid.csv', 'id,p0,p1,p2,p3\n,1,0,0,0\n'))).message).toMatch(/: line 2: empty id$/);
    expect((await predError(write('nothing.csv', ''))).message).toMatch(/: expected a header row, found an empty file$/);
    expect((await predError(write('preds.json', '{}'))).message).toMatch(/: expected a \.csv or \.arrow prediction file, found "\.json"$/);
  });
});

describe('lookupPredictions and checkNoExtraPredictions', () => {
  async function table(ids: string[]): Promise<{ t: PredictionTable; f: string }> {
    const f = write('ids.csv', ['id,prediction', ...ids.map((id, i) => `${id},${i % 4}`)].join('\n'));
    return { t: await loadPredictions(f, DEMO, false), f };
  }

  it('missing ids: counted, never named (they are hidden ids the participant did not send)', async () => {
    const { t, f } = await table(['1', '2', '3']);
    const e = lookupError(() => lookupPredictions(t, [1n, 9n, 2n, 8n], 4, f));
    expect(e.message).toMatch(/^\d+-ids\.csv: missing predictions for 2 ids of the hidden set /);
    expect(e.message).not.toMatch(/9|8/);
    expect(e.details).toEqual({ file: path.basename(f), missing: 2 });
    const many = lookupError(() => lookupPredictions(t, [11n, 12n, 13n, 14n, 15n, 16n, 17n], 7, f));
    expect(many.message).toContain('missing predictions for 7 ids');
    expect(many.message).not.toMatch(/1[1-7]/);
  });

  it('only the first `rows` ids of the chunk are looked up', async () => {
    const { t, f } = await table(['1', '2']);
    expect(Array.from(lookupPredictions(t, [2n, 1n, 99n], 2, f))).toEqual([1, 0]);
  });

  it('extra ids: counted; named (in file order) only when the inputs were published', async () => {
    const { t, f } = await table(['5', '1', '7', '2', '6']);
    lookupPredictions(t, [1n, 2n], 2, f);
    const e = lookupError(() => checkNoExtraPredictions(t, f));
    expect(e.message).toMatch(/^\d+-ids\.csv: 3 of the file's 5 ids are not in the hidden set$/);
    expect(e.details).toMatchObject({ extra: 3 });
    const published = lookupError(() => checkNoExtraPredictions({ ...t, namesIds: true }, f));
    expect(published.message).toMatch(/^\d+-ids\.csv: 3 ids are not in the dataset: "5", "7", "6"$/);
    lookupPredictions(t, [5n, 6n, 7n], 3, f);
    expect(() => checkNoExtraPredictions(t, f)).not.toThrow();
  });

  it('ids are compared as canonical text: a bigint id matches its decimal, not "007"', async () => {
    const { t, f } = await table(['007', '8']);
    expect(Array.from(lookupPredictions(t, [8n], 1, f))).toEqual([1]);
    expect(lookupError(() => lookupPredictions(t, [7n], 1, f)).message).toContain('missing predictions for 1 id ');
  });
});

describe('Arrow prediction files', () => {
  it('int64 ids with float32 probabilities, over several record batches', async () => {
    const ids = BigInt64Array.from([3n, 1n, 2n]);
    const cols: Record<string, Vector> = { id: makeVector(ids) };
    for (let k = 0; k < 4; k++) cols[`p${k}`] = makeVector(Float32Array.from([0.25, k === 0 ? 1 : 0, k === 3 ? 0.5 : 0.125]));
    const table = new Table(cols);
    const two = new Table([...table.slice(0, 1).batches, ...table.slice(1).batches]);
    expect(two.batches.length).toBe(2);
    const f = write('probs.arrow', tableToIPC(two, 'stream'));
    const t = await loadPredictions(f, DEMO, true);
    expect(t.kind).toBe('probabilities');
    expect([...t.index.keys()]).toEqual(['3', '1', '2']);
    expect(Array.from(lookupPredictions(t, [1n, 2n, 3n], 3, f))).toEqual([1, 0, 0, 0, 0.125, 0.125, 0.125, 0.5, 0.25, 0.25, 0.25, 0.25]);
    expect(() => checkNoExtraPredictions(t, f)).not.toThrow();
  });

  it('utf8 ids with int32 class predictions, and float64 regression values', async () => {
    const f = write('classes.arrow', tableToIPC(new Table({ id: vectorFromArray(['a', 'b'], new Utf8()), prediction: makeVector(Int32Array.from([2, 0])) }), 'stream'));
    const t = await loadPredictions(f, DEMO, false);
    expect(t.kind).toBe('classes');
    expect(Array.from(lookupPredictions(t, ['b', 'a'], 2, f))).toEqual([0, 2]);
    const r = write('values.arrow', tableToIPC(new Table({ id: makeVector(BigInt64Array.from([1n])), prediction: makeVector(Float64Array.from([-0.5])) }), 'stream'));
    expect(Array.from((await loadPredictions(r, REGRESSION, false)).values)).toEqual([-0.5]);
  });

  it('duplicate ids, NaN values, class ids out of range, float ids and garbage are E_PREDICTIONS', async () => {
    const probs = (ids: bigint[], p0: number[]) => {
      const cols: Record<string, Vector> = { id: makeVector(BigInt64Array.from(ids)) };
      for (let k = 0; k < 4; k++) cols[`p${k}`] = makeVector(Float64Array.from(k === 0 ? p0 : p0.map(() => 0)));
      return tableToIPC(new Table(cols), 'stream');
    };
    expect((await predError(write('dup.arrow', probs([1n, 2n, 1n], [1, 1, 1])))).message).toMatch(/: data row 3: duplicate id "1" \(first seen in data row 1\)$/);
    expect((await predError(write('nan.arrow', probs([1n, 2n], [1, NaN])))).message).toMatch(/: data row 2, column p0: expected a finite number, found NaN$/);
    const cls = write('cls.arrow', tableToIPC(new Table({ id: makeVector(BigInt64Array.from([1n])), prediction: makeVector(Int32Array.from([7])) }), 'stream'));
    expect((await predError(cls, DEMO, false)).message).toMatch(/: data row 1, column prediction: expected a class id in 0\.\.3, found 7$/);
    const fid = write('fid.arrow', tableToIPC(new Table({ id: makeVector(Float64Array.from([1])), prediction: makeVector(Int32Array.from([1])) }), 'stream'));
    expect((await predError(fid, DEMO, false)).message).toMatch(/: column "id" must be Int64 or Utf8, found Float64$/);
    const garbage = await predError(write('garbage.arrow', 'id,p0\n1,2\n'));
    expect(garbage.message).toMatch(/^\d+-garbage\.arrow: not a valid Arrow IPC stream: a message says \d+ bytes of metadata/);
    const missing = await predError(path.join(tmp, 'missing.arrow'));
    expect(missing.message).toContain('expected a prediction file, found nothing there');
  });

  // Found by test/hostile/fuzz.test.ts (FUZZ_SEED=20261206 arrow case 6, 663 bytes): an edited length
  // field in the schema made apache-arrow allocate until the process died (out of memory). The
  // framing check (arrow-ipc-check.ts) refuses it before apache-arrow sees it.
  it('an Arrow file whose metadata lengths do not fit its bytes is E_PREDICTIONS, not an out-of-memory crash', async () => {
    const bomb = Buffer.from([
      '/////0gBAAAQAAAAAAAKABAADgAHAAgACgAAAAAAAAEQAAAAAAAEAAgACAAAAAQACAAAAAQAAAAFAAAA3AAAAJQAAABkAAAANAQA',
      'AAQAAABI////FAAAAAAAAAEUAAAAAAAAAxAAAAACAAAAcDMAACjRy2ZLBwAAAAACAHT///8UAAAAAAAAARQAAAAAAAADEAAAAAIA',
      'AABwMgAAAAAAAKb///8AAAIAoP///xQAAAAAAAABFAAAAAAAAAMQAAAAAgAAAHAxAAAAAAAA0v///wAAAQDM////FAAAAAAAAAEU',
      'AAAAAAAAAxgAAAACAAAAcDAAAAAAAAAAAAYACAAGAAYAAAAAAAIAEAAYAAQACwATABQAAAAMABAAAAAUAAAAAAAAARQAAAAAAAAC',
      'GAAAAAIAAABpZAAAAAAAAAgADAAIAAcACAAAAAAAAAFAAAAA/////0gBAAAUAAAAAAAAAAwAFgAUAA8AEAAEAAwAAABgAwAAAAAA',
      'AAAAAAMQAAAABAAKABgADAAIAAQACgAAABQAAAC4AAAAGAAAAAAAAAAAAAAACgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAA',
      'AAAAAAAAwAAAAAAAAAAAAAAAAAAAAMAAAAAAAAAAwAAAAACAAACAAQADEAAAAAIAAABwMQAAAAAAANL///8AAAEAzP///xQAAAAA',
      'AAABFAAAAAAAAAMYAAAAAgAAAHAwAAAAAAAAAAAGAAgABgAGAAAAAAACABAAGAAEAAsAEwAUAAAADAAQAAAAFAAAAAAAAAEUAAAA',
      'AAAAAhgAAAACAAAAaWQAAAAAAAAIAAwACAAHAAgAAAAAAAAACAAAAAAAAAAAgAEAAAAAAABgAAAAAAAAAOAB',
    ].join(''), 'base64');
    expect(bomb.length).toBe(663);
    const e = await predError(write('bomb.arrow', bomb), DEMO, false);
    expect(e.message).toMatch(/not a valid Arrow IPC stream/);
  });
});
