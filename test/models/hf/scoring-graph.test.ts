// The scoring graph: derived once per submission into a cache folder (the submission is not
// touched), its float64 log-probabilities agree with the JS log-softmax over the full logits on the
// bundled LM benchmarks, a graph that cannot be extended is E_MODEL_CONTRACT, and batch order
// does not change a bit.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildModel } from '../../../src/models/onnx/builder.ts';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../../../src/models/onnx/proto.ts';
import { admitLmFolder } from '../../../src/models/hf/admission.ts';
import { clearLmCache, loadLm, lmSessionOptions, type LoadedLm } from '../../../src/models/hf/load.ts';
import { scoringGraphOf, LOGPROBS_OUTPUT, POSITIONS_INPUT, TARGETS_INPUT } from '../../../src/models/hf/scoring-graph.ts';
import { qwenShapedLmOnnx, randomLm, tinyLmOnnx, writeLmFolder } from '../../../src/models/hf/tiny-lm.ts';
import { forwardPadded, prepareChatExample } from '../../../src/tasks/lm/chat-score.ts';
import { exampleNll, scoredNlls } from '../../../src/tasks/lm/nll.ts';
import { scoreChoicesBatch } from '../../../src/tasks/lm/choice-score.ts';
import { parseChatJsonl } from '../../../src/data/lm-rows.ts';
import { chatLossTaskSchema } from '../../../src/benchmark/lm-task.ts';
import { buildDemoSubmissions as buildChatDemo, DEMO_SUBMISSIONS as CHAT_SUBS } from '../../../benchmarks/qwen-chat-demo/submissions.ts';
import { buildDemoSubmissions as buildChoiceDemo, DEMO_SUBMISSIONS as CHOICE_SUBS } from '../../../benchmarks/choice-demo/submissions.ts';
import { tempDir, wordLevelTokenizer } from '../../tasks/lm/helpers.ts';

const root = new URL('../../../', import.meta.url);
let savedCache: string | undefined;
let cacheDir: string;
beforeAll(() => { savedCache = process.env.ARBITER_CACHE_DIR; cacheDir = tempDir('arbiter-cache-'); process.env.ARBITER_CACHE_DIR = cacheDir; clearLmCache(); });
afterAll(() => { if (savedCache === undefined) delete process.env.ARBITER_CACHE_DIR; else process.env.ARBITER_CACHE_DIR = savedCache; clearLmCache(); });

/** The JS reference: full logits out of the submitted graph, float64 log-softmax in JS. */
async function referenceNlls(model: LoadedLm, seqs: number[][], scored: Uint8Array[]): Promise<number[]> {
  const { logits, seq, vocab } = await forwardPadded(model, seqs);
  return seqs.map((ids, b) => exampleNll(logits, b, seq, vocab, ids, scored[b]!).nll);
}

function expectAgree(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const rel = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-300);
    expect(rel, `row ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-12);
  }
}

function wordFolder(dir: string, onnx: Uint8Array): string {
  const t = wordLevelTokenizer();
  return writeLmFolder(dir, { onnx, tokenizerJson: t.json, tokenizerConfig: t.config });
}

describe('scoring graph', () => {
  it('moves the elementwise tail after the row selection and drops the full-logits nodes', () => {
    const g = scoringGraphOf(decodeModel(tinyLmOnnx(randomLm(8, 1, 4, 3, 1, 0.5)))).graph!;
    const ops = (g.node ?? []).map((n) => n.name);
    expect(g.output!.map((o) => o.name)).toEqual([LOGPROBS_OUTPUT]);
    // the tail MatMul(unembed) -> Gather(tok_class, axis 2) -> Add(bias) is copied after the row
    // selection (the Gather as Transpose, Gather along axis 0, Transpose)
    expect(ops.filter((n) => n!.startsWith('arbiter_score_tail'))).toEqual([
      'arbiter_score_tail0_MatMul', 'arbiter_score_tail1_t_in', 'arbiter_score_tail1_Gather', 'arbiter_score_tail1_t_out', 'arbiter_score_tail2_Add',
    ]);
    expect((g.node ?? []).some((n) => (n.output ?? []).includes('logits'))).toBe(false);
  });

  it('is derived into the cache folder; the submission folder is not changed', async () => {
    const d = wordFolder(tempDir(), tinyLmOnnx(randomLm(8, 2, 4, 3, 1, 0.5)));
    const before = readFileSync(path.join(d, 'onnx', 'model.onnx'));
    const filesBefore = readdirSync(d, { recursive: true }).sort();
    const m = await loadLm(d);
    await scoredNlls(m, [[0, 3, 6, 7]], [Uint8Array.from([0, 1, 1, 1])]);
    expect(readFileSync(path.join(d, 'onnx', 'model.onnx')).equals(before)).toBe(true);
    expect(readdirSync(d, { recursive: true }).sort()).toEqual(filesBefore);
    expect(readdirSync(path.join(cacheDir, 'scoring-graphs')).length).toBeGreaterThan(0);
  });

  it('agrees with the JS log-softmax when the tail cannot be moved (logits from LogSoftmax)', async () => {
    // logits = LogSoftmax(h @ W): LogSoftmax is not row-selectable by the walk, so the whole logits tensor is gathered from
    const V = 8;
    const W = Float32Array.from({ length: 3 * V }, (_, i) => Math.sin(i * 1.7) * 3);
    const E = Float32Array.from({ length: V * 3 }, (_, i) => Math.cos(i * 0.9));
    const onnx = buildModel({
      inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] }, { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] }],
      outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', V] }],
      initializers: [{ name: 'E', dtype: 'float32', dims: [V, 3], data: E }, { name: 'W', dtype: 'float32', dims: [3, V], data: W }],
      nodes: [
        { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['h'], attrs: { axis: 0 } },
        { op: 'MatMul', inputs: ['h', 'W'], outputs: ['z'] },
        { op: 'LogSoftmax', inputs: ['z'], outputs: ['logits'], attrs: { axis: -1 } },
      ],
      opset: 18,
    });
    const m = await loadLm(wordFolder(tempDir(), onnx));
    const seqs = [[0, 3, 6, 7, 1], [0, 4, 7], [2, 2, 6, 6, 6, 7]];
    const scored = seqs.map((s) => Uint8Array.from(s, (_, j) => (j > 0 ? 1 : 0)));
    const got = await scoredNlls(m, seqs, scored);
    expectAgree(got.nll, await referenceNlls(m, seqs, scored));
    expect(Array.from(got.tokens)).toEqual([4, 2, 5]);
  });

  it('agrees with the JS log-softmax on a Qwen3-shaped decoder (attention, MLP, LM head MatMul)', async () => {
    const m = await loadLm(wordFolder(tempDir(), qwenShapedLmOnnx({ vocab: 8, hidden: 16, layers: 2, heads: 2, intermediate: 32, seed: 5 })));
    const seqs = [[0, 3, 6, 7, 1, 6, 6], [0, 4, 7], [2, 2, 6, 6, 6, 7]];
    const scored = seqs.map((s) => Uint8Array.from(s, (_, j) => (j > 1 ? 1 : 0)));
    expectAgree((await scoredNlls(m, seqs, scored)).nll, await referenceNlls(m, seqs, scored));
  });

  describe('rows selected before the LM head are the full logits, bit for bit', () => {
    // the float32 rows the scoring graph feeds to its float64 cast, against the submitted graph's full
    // logits at the same positions: moving the selection before the head must not change one bit
    // (onnxruntime's fusions or a kernel picked by row count would show here first)
    async function selectedRowsEqualLogits(onnx: Uint8Array, V: number): Promise<void> {
      const dir = tempDir();
      const folder = wordFolder(dir, onnx);
      const g = scoringGraphOf(decodeModel(onnx));
      const cast = g.graph!.node!.find((n) => n.name === 'arbiter_score_cast')!;
      g.graph!.output!.push({ name: cast.input![0]!, type: { tensorType: { elemType: 1 } } });
      const session = await ort.InferenceSession.create(encodeModel(g), lmSessionOptions());
      const plain = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'), lmSessionOptions());
      const [B, S] = [3, 7];
      const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt((i * 5 + 3) % V));
      const mask = BigInt64Array.from({ length: B * S }, (_, i) => (i % S < S - (i < S ? 0 : 2) ? 1n : 0n));
      const positions = [0, 4, 5, 8, 9, 13, 15, 20];
      const feeds = { input_ids: new ort.Tensor('int64', ids, [B, S]), attention_mask: new ort.Tensor('int64', mask, [B, S]) };
      const full = (await plain.run(feeds)).logits!.data as Float32Array;
      const out = await session.run({
        ...feeds,
        [POSITIONS_INPUT]: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [positions.length]),
        [TARGETS_INPUT]: new ort.Tensor('int64', BigInt64Array.from(positions, (p) => BigInt(p % V)), [positions.length, 1]),
      });
      const rows = out[cast.input![0]!]!.data as Float32Array;
      const want = Float32Array.from(positions.flatMap((p) => Array.from(full.subarray(p * V, (p + 1) * V))));
      expect(rows.length).toBe(want.length);
      expect(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
    }
    it('tiny LM: head MatMul, vocabulary Gather, bias', async () => {
      await selectedRowsEqualLogits(tinyLmOnnx(randomLm(5000, 4, 64, 16, 1, 0.5)), 5000);
      expect(scoringGraphOf(decodeModel(tinyLmOnnx(randomLm(8, 4, 4, 3, 1, 0.5)))).graph!.node!.some((n) => n.name === 'arbiter_score_tail0_MatMul')).toBe(true);
    });
    it('Qwen3-shaped decoder: the head after a fused RMSNorm', async () => {
      await selectedRowsEqualLogits(qwenShapedLmOnnx({ vocab: 3000, hidden: 64, layers: 2, heads: 2, intermediate: 128, seed: 9 }), 3000);
    });
    it('tied weights: Transpose(embedding) as the head, plus a bias', async () => {
      const [V, H] = [4000, 24];
      const E = Float32Array.from({ length: V * H }, (_, i) => Math.sin(i * 0.37));
      const bias = Float32Array.from({ length: V }, (_, i) => Math.cos(i * 0.11));
      const onnx = buildModel({
        inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] }, { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] }],
        outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', V] }],
        initializers: [{ name: 'E', dtype: 'float32', dims: [V, H], data: E }, { name: 'bias', dtype: 'float32', dims: [V], data: bias }],
        nodes: [
          { op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['h'], attrs: { axis: 0 } },
          { op: 'Tanh', inputs: ['h'], outputs: ['t'] },
          { op: 'Transpose', inputs: ['E'], outputs: ['Et'], attrs: { perm: [1, 0] } },
          { op: 'MatMul', inputs: ['t', 'Et'], outputs: ['z'] },
          { op: 'Add', inputs: ['z', 'bias'], outputs: ['logits'] },
        ],
        opset: 17,
      });
      expect(scoringGraphOf(decodeModel(onnx)).graph!.node!.map((n) => n.name).filter((n) => n!.startsWith('arbiter_score_tail'))).toEqual(['arbiter_score_tail0_MatMul', 'arbiter_score_tail1_Add']);
      await selectedRowsEqualLogits(onnx, V);
    });
  });

  it('same batch composition gives the same bits, whatever ran before', async () => {
    const m = await loadLm(wordFolder(tempDir(), tinyLmOnnx(randomLm(8, 3, 4, 3, 1, 0.5))));
    const a = { seqs: [[0, 3, 6, 7, 1], [0, 4, 7]], scored: [Uint8Array.from([0, 1, 1, 1, 1]), Uint8Array.from([0, 0, 1])] };
    const b = { seqs: [[2, 6, 6]], scored: [Uint8Array.from([0, 1, 1])] };
    const a1 = await scoredNlls(m, a.seqs, a.scored);
    await scoredNlls(m, b.seqs, b.scored);
    const a2 = await scoredNlls(m, a.seqs, a.scored);
    expect(Buffer.from(a2.nll.buffer).equals(Buffer.from(a1.nll.buffer))).toBe(true);
  });

  describe('a graph that cannot be extended: E_MODEL_CONTRACT at load', () => {
    const graph = (outName: string, rank: number) => buildModel({
      inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] }, { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] }],
      outputs: [{ name: outName, dtype: 'float32', shape: rank === 3 ? ['batch', 'seq', 8] : ['batch', 8] }],
      initializers: [{ name: 'E', dtype: 'float32', dims: [8, 8], data: new Float32Array(64) }, { name: 'ax', dtype: 'int64', dims: [1], data: new BigInt64Array([1n]) }],
      nodes: rank === 3
        ? [{ op: 'Gather', inputs: ['E', 'input_ids'], outputs: [outName], attrs: { axis: 0 } }]
        : [{ op: 'Gather', inputs: ['E', 'input_ids'], outputs: ['g'], attrs: { axis: 0 } }, { op: 'ReduceSum', inputs: ['g', 'ax'], outputs: [outName], attrs: { keepdims: 0 } }],
      opset: 17,
    });
    it('no "logits" output', async () => {
      await expect(loadLm(wordFolder(tempDir(), graph('scores', 3)))).rejects.toMatchObject({ code: 'E_MODEL_CONTRACT', message: expect.stringContaining('"logits"') });
    });
    it('and at admission, when the task scores a causal LM', () => {
      const d = wordFolder(tempDir(), graph('logits', 2));
      expect(() => admitLmFolder(d, { contextLength: 8, causalLm: true })).toThrow(expect.objectContaining({ code: 'E_MODEL_CONTRACT' }));
      expect(admitLmFolder(wordFolder(tempDir(), graph('logits', 3)), { contextLength: 8, causalLm: true }).opset).toBe(17);
    });
    it('logits of rank 2', async () => {
      await expect(loadLm(wordFolder(tempDir(), graph('logits', 2)))).rejects.toMatchObject({ code: 'E_MODEL_CONTRACT', message: expect.stringContaining('rank 2') });
    });
  });
});

describe('agreement with the JS path on the bundled LM benchmarks (1e-12 relative)', () => {
  it('qwen-chat-demo: 3 submissions, first 8 hidden conversations, batches of 4', async () => {
    const spec = parseYaml(readFileSync(new URL('benchmarks/qwen-chat-demo/benchmark.yaml', root), 'utf8'));
    const task = chatLossTaskSchema.parse(spec.task);
    const examples = parseChatJsonl(readFileSync(new URL('datasets/qwen-chat-demo/chat.jsonl', root), 'utf8')).slice(0, 8);
    const folders = await buildChatDemo(tempDir('arbiter-demo-'), { trainRows: 200 });
    for (const n of CHAT_SUBS) {
      const m = await loadLm(folders[n]);
      for (let i = 0; i < examples.length; i += 4) {
        const prep = examples.slice(i, i + 4).map((ex) => prepareChatExample(m, ex, task));
        const seqs = prep.map((p) => p.ids);
        const scored = prep.map((p) => p.scored);
        expectAgree((await scoredNlls(m, seqs, scored)).nll, await referenceNlls(m, seqs, scored));
      }
    }
  }, 300_000);

  it('choice-demo: 3 submissions, every question, batches of 4 questions', async () => {
    const rows = readFileSync(new URL('datasets/lm-task-demos/animals.jsonl', root), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { context: string; choices: string[] });
    const folders = await buildChoiceDemo(tempDir('arbiter-choice-'));
    for (const n of CHOICE_SUBS) {
      const m = await loadLm(folders[n]);
      for (let i = 0; i < rows.length; i += 4) {
        const qs = rows.slice(i, i + 4).map((r) => ({ context: r.context, choices: r.choices }));
        const got = await scoreChoicesBatch(m, qs, { contextLength: 32, delimiter: ' ' });
        const seqs: number[][] = [];
        const scored: Uint8Array[] = [];
        for (const q of qs) {
          const ctx = m.tokenizer.encode(q.context);
          for (const c of q.choices) {
            const cont = m.tokenizer.encode(' ' + c);
            const ids = [...ctx, ...cont].slice(-32);
            seqs.push(ids);
            scored.push(Uint8Array.from(ids, (_, j) => (j >= Math.max(1, ids.length - cont.length) ? 1 : 0)));
          }
        }
        expectAgree(Array.from(got.logliks, (v) => -v), await referenceNlls(m, seqs, scored));
      }
    }
  }, 300_000);
});
