// Multiple-choice log-likelihood (acc vs acc_norm) and sequence classification on hand-made
// models with exactly known probabilities.
import { describe, expect, it, beforeAll } from 'vitest';
import path from 'node:path';
import { bagOfWordsClassifierOnnx, bigramTableLm, writeLmFolder } from '../../../src/models/hf/tiny-lm.ts';
import { loadLm, type LoadedLm } from '../../../src/models/hf/load.ts';
import { scoreChoicesBatch, pickChoices } from '../../../src/tasks/lm/choice-score.ts';
import { classifyBatch } from '../../../src/tasks/lm/classify-score.ts';
import { WORD_VOCAB, tempDir, wordLevelFolder, wordLevelTokenizer } from './helpers.ts';
import { runLmTask } from '../../../src/tasks/lm/worker.ts';
import { choiceMetricBatch, classifyMetricBatch } from '../../../src/tasks/lm/metric-batch.ts';
import { run } from '../../scoring/metrics/run.ts';

const V = 8; // <|im_start|> 0, <|im_end|> 1, <unk> 2, user 3, assistant 4, system 5, a 6, b 7

describe('multiple choice', () => {
  let lm: LoadedLm;
  beforeAll(async () => {
    const t = new Float32Array(V * V);
    const allow = (prev: number, next: number[]) => { for (let k = 0; k < V; k++) t[prev * V + k] = next.includes(k) ? 0 : -1000; };
    allow(WORD_VOCAB.a!, [WORD_VOCAB.user!, WORD_VOCAB.b!]); // after "a": user or b, 1/2 each
    allow(WORD_VOCAB.user!, [WORD_VOCAB.a!, WORD_VOCAB.b!]); // after "user": a or b, 1/2 each
    lm = await loadLm(wordLevelFolder(path.join(tempDir(), 'mc'), bigramTableLm(V, t)));
  });

  it('acc picks the highest total log-likelihood, acc_norm the highest per byte of the choice text', async () => {
    // "b": ln(1/2) over 1 byte; "user b": 2 ln(1/2) over 6 bytes (the delimiter is not counted, as lm-eval's completion_len)
    const r = await scoreChoicesBatch(lm, [{ context: 'a', choices: ['b', 'user b'] }, { context: 'a a', choices: ['user b', 'b'] }], { contextLength: 16, delimiter: ' ' });
    expect([...r.logliks]).toEqual([-Math.log(2), -2 * Math.log(2), -2 * Math.log(2), -Math.log(2)]);
    expect([...r.choiceBytes]).toEqual([1, 6, 6, 1]);
    expect([...r.choiceCounts]).toEqual([2, 2]);
    expect([...r.predicted]).toEqual([0, 1]);
    expect([...r.predictedNorm]).toEqual([1, 0]);
  });

  it('runs through the worker entry and feeds acc / acc_norm metric batches', async () => {
    const r = await runLmTask({ kind: 'multiple-choice', folder: lm.folder, examples: [{ context: 'a', choices: ['b', 'user b'] }], options: { contextLength: 16, delimiter: ' ' } });
    if (!r.ok || r.kind !== 'multiple-choice') throw new Error(JSON.stringify(r));
    const b = choiceMetricBatch(r.scores, new Int32Array([1]));
    expect(run('acc', b).value).toBe(0); // acc picks "b" (index 0)
    expect(run('acc_norm', b).value).toBe(1); // acc_norm picks "user b" (-2 ln 2 / 6 > -ln 2 / 1)
  });

  it('ties go to the lowest index', () => {
    expect(Array.from(pickChoices(new Float64Array([-1, -1, -2]), new Float64Array([1, 1, 1]), new Int32Array([3]), false))).toEqual([0]);
  });

  it('a context longer than the window is cut from the left; the choice stays scored', async () => {
    const long = await scoreChoicesBatch(lm, [{ context: 'b b b b b b a', choices: ['b', 'user b'] }], { contextLength: 3, delimiter: ' ' });
    expect([...long.logliks]).toEqual([-Math.log(2), -2 * Math.log(2)]);
  });

  it('fewer than two choices: E_CHAT_DATA', async () => {
    await expect(scoreChoicesBatch(lm, [{ context: 'a', choices: ['b'] }], { contextLength: 16, delimiter: ' ' })).rejects.toMatchObject({ code: 'E_CHAT_DATA' });
  });
});

describe('sequence classification', () => {
  let clf: LoadedLm;
  beforeAll(async () => {
    const table = new Float32Array(V * 2);
    table[WORD_VOCAB.a! * 2 + 0] = 1; // "a" votes class 0
    table[WORD_VOCAB.b! * 2 + 1] = 1; // "b" votes class 1
    const t = wordLevelTokenizer();
    const folder = writeLmFolder(path.join(tempDir(), 'clf'), {
      onnx: bagOfWordsClassifierOnnx(V, 2, table), config: { model_type: 'bert', id2label: { 0: 'A', 1: 'B' }, label2id: { A: 0, B: 1 } },
      tokenizerJson: t.json, tokenizerConfig: t.config,
    });
    clf = await loadLm(folder, { kind: 'sequence-classification' });
  });

  it('predicts classes and float64 softmax probabilities; padding does not change a row', async () => {
    const r = await classifyBatch(clf, ['a a b', 'b', 'b b a b'], { contextLength: 16, truncation: 'right', numClasses: 2 });
    expect([...r.predictedClasses]).toEqual([0, 1, 1]);
    const p0 = 1 / (1 + Math.exp(-1)); // softmax([2, 1])[0]
    expect(r.probabilities[0]).toBeCloseTo(p0, 15);
    const alone = await classifyBatch(clf, ['b'], { contextLength: 16, truncation: 'right', numClasses: 2 });
    expect(Array.from(alone.probabilities)).toEqual(Array.from(r.probabilities.slice(2, 4)));
  });

  it("truncation 'right' keeps the first tokens, 'left' the last", async () => {
    const right = await classifyBatch(clf, ['a a b b b'], { contextLength: 2, truncation: 'right', numClasses: 2 });
    const left = await classifyBatch(clf, ['a a b b b'], { contextLength: 2, truncation: 'left', numClasses: 2 });
    expect(right.predictedClasses[0]).toBe(0);
    expect(left.predictedClasses[0]).toBe(1);
  });

  it('a classifier with the wrong number of classes: E_MODEL_CONTRACT (as error data through the worker entry)', async () => {
    await expect(classifyBatch(clf, ['a'], { contextLength: 16, truncation: 'right', numClasses: 3 })).rejects.toMatchObject({ code: 'E_MODEL_CONTRACT' });
    const r = await runLmTask({ kind: 'sequence-classification', folder: clf.folder, texts: ['a'], options: { contextLength: 16, truncation: 'right', numClasses: 3 } });
    expect(r).toMatchObject({ ok: false, error: { code: 'E_MODEL_CONTRACT' } });
  });

  it('runs through the worker entry and feeds a classification metric batch', async () => {
    const r = await runLmTask({ kind: 'sequence-classification', folder: clf.folder, texts: ['a', 'b b'], options: { contextLength: 16, truncation: 'right', numClasses: 2 } });
    if (!r.ok || r.kind !== 'sequence-classification') throw new Error(JSON.stringify(r));
    const b = classifyMetricBatch(r.scores, new Int32Array([0, 1]), 2);
    expect(b).toMatchObject({ n: 2, numClasses: 2 });
    expect(Array.from(b.predictedClasses!)).toEqual([0, 1]);
  });
});
