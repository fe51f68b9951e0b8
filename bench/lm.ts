// `npm run bench` section for language models: chat-loss throughput (input tokens/s) of the engine's
// LM scoring path (piscina workers running runLmTask: render, tokenize, scoring graph) with 1 and 2
// workers, against a plain onnxruntime loop running the same scoring graph on the same batches in
// one process; their ratio, and the peak RSS of each (every measurement runs in its own child
// process, so each peak is its own). Two models over the real Qwen3 vocabulary (151,669 logits
// per position): today's tiny class-bigram bench model, and a Qwen3-shaped decoder (hidden 256,
// 4 layers, seeded random weights; BENCH_LM_SHAPED=0 skips it). 120 hidden demo conversations (BENCH_LM_CONV) in
// batches of 4, timed over BENCH_LM_PASSES (default 3) passes after one untimed pass (the first
// pass grows onnxruntime's arena to the largest batch: a one-time cost per worker and model);
// then multiple choice (12 four-choice questions) on the tiny model.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { Piscina } from 'piscina';
import { qwenShapedLmOnnx, randomLm, qwenTokenizerDir, tinyLmOnnx, writeLmFolder } from '../src/models/hf/tiny-lm.ts';
import { scoringGraphFile, LOGPROBS_OUTPUT, POSITIONS_INPUT, TARGETS_INPUT } from '../src/models/hf/scoring-graph.ts';
import { parseChatJsonl, type ChatExample } from '../src/data/lm-rows.ts';
import { lmPoolOptions } from '../src/tasks/lm/pool.ts';
import type { LmTaskMessage, LmTaskResult } from '../src/tasks/lm/worker.ts';
import type { ChoiceExample } from '../src/tasks/lm/choice-score.ts';
import { loadLm, lmSessionOptions } from '../src/models/hf/load.ts';
import { prepareChatExample } from '../src/tasks/lm/chat-score.ts';
import { ExactSum } from '../src/tasks/lm/exact-sum.ts';

/** hidden demo conversations per pass (BENCH_LM_CONV; more gives steadier ratios on a shared machine) */
const CONVERSATIONS = Math.max(4, Number(process.env.BENCH_LM_CONV ?? 120));
const BATCH = 4;
/** timed passes over the batches after one untimed pass (BENCH_LM_PASSES) */
const PASSES = Math.max(1, Number(process.env.BENCH_LM_PASSES ?? 3));
const OPTIONS = { contextLength: 512, truncation: 'left' as const };

interface Plan { folder: string; examples: ChatExample[]; batches: Array<{ ids: number[][]; scored: number[][] }>; padId: number }
interface Measured { seconds: number; cpuSeconds: number; maxRssMb: number; bits: string }

export async function runLmBench(opts: { log: (line: string) => void }): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arbiter-lm-bench-'));
  const saved = process.env.ARBITER_CACHE_DIR;
  process.env.ARBITER_CACHE_DIR = path.join(dir, 'cache'); // children inherit it: one derivation, then cached
  try {
    const q = qwenTokenizerDir();
    const tok = { tokenizerJsonPath: path.join(q, 'tokenizer.json'), tokenizerConfigPath: path.join(q, 'tokenizer_config.json') };
    const models: Array<[string, string]> = [['tiny LM (bench model)', writeLmFolder(path.join(dir, 'tiny'), { onnx: tinyLmOnnx(randomLm(151669, 1, 64, 16, 1, 0.5)), ...tok })]];
    if (process.env.BENCH_LM_SHAPED !== '0') {
      models.push(['Qwen3-shaped H256 L4', writeLmFolder(path.join(dir, 'shaped'), { onnx: qwenShapedLmOnnx({ vocab: 151669, hidden: 256, layers: 4, heads: 4, intermediate: 768, seed: 1 }), ...tok })]);
    }
    const examples = parseChatJsonl(readFileSync(new URL('../datasets/qwen-chat-demo/chat.jsonl', import.meta.url), 'utf8')).slice(0, CONVERSATIONS);
    for (const [name, folder] of models) {
      // token counts and the batches' token ids, made once here (the plain loop gets them ready-made)
      const m = await loadLm(folder);
      const prepared = examples.map((ex) => prepareChatExample(m, ex, OPTIONS));
      const inputTokens = prepared.reduce((a, p) => a + p.ids.length, 0);
      const scoredTokens = prepared.reduce((a, p) => a + p.scored.reduce((x, y) => x + y, 0), 0);
      const plan: Plan = { folder, examples, padId: m.padId, batches: [] };
      for (let i = 0; i < prepared.length; i += BATCH) {
        const b = prepared.slice(i, i + BATCH);
        plan.batches.push({ ids: b.map((p) => p.ids), scored: b.map((p) => Array.from(p.scored)) });
      }
      const planFile = path.join(dir, `plan-${path.basename(folder)}.json`);
      writeFileSync(planFile, JSON.stringify(plan));
      const plain = child('plain', planFile);
      const line = (label: string, r: Measured) => `lm chat-loss  ${name}  ${label}  batch=${BATCH}  ${examples.length} conv  ` +
        `${(inputTokens / r.seconds).toFixed(0)} input tok/s  ${(scoredTokens / r.seconds).toFixed(1)} scored tok/s  (${r.seconds.toFixed(2)} s)  ` +
        `${(inputTokens / r.cpuSeconds).toFixed(0)} input tok per CPU-s  peak RSS ${r.maxRssMb.toFixed(0)} MB`;
      opts.log(line('plain ORT loop, 1 process', plain));
      for (const workers of [1, 2]) {
        const r = child(`engine${workers}`, planFile);
        opts.log(`${line(`engine workers=${workers}`, r)}  engine/plain ${(plain.seconds / r.seconds).toFixed(2)} (per CPU-s ${(plain.cpuSeconds / r.cpuSeconds).toFixed(2)})  ` +
          `bits ${r.bits === plain.bits ? 'identical to the plain loop' : 'DIFFER from the plain loop'}`);
      }
    }
    await choiceBench(models[0]![1], examples, opts.log);
  } finally {
    if (saved === undefined) delete process.env.ARBITER_CACHE_DIR; else process.env.ARBITER_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run one measurement in a fresh process (so its peak RSS is its own). */
function child(phase: string, planFile: string): Measured {
  const file = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...lmPoolOptions().execArgv, file, '--child', phase, planFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`bench child ${phase} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(last) as Measured;
}

/** Per-example NLL sums, as hex of their float64 bits (the engine's nllSums for the same batches). */
function hexOf(nll: Float64Array): string { return Buffer.from(nll.buffer, nll.byteOffset, nll.byteLength).toString('hex'); }

async function childMain(phase: string, planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  let seconds: number;
  let cpuSeconds: number;
  let bits: string;
  if (phase === 'plain') {
    // the same scoring graph, session options, padded batches and positions as the engine, nothing else
    const file = scoringGraphFile(plan.folder);
    const session = await ort.InferenceSession.create(file.path, lmSessionOptions());
    const feeds = plan.batches.map(({ ids, scored }) => {
      const B = ids.length;
      const S = Math.max(1, ...ids.map((s) => s.length));
      const flat = new BigInt64Array(B * S).fill(BigInt(plan.padId));
      const mask = new BigInt64Array(B * S);
      const pos: bigint[] = [];
      const tgt: bigint[] = [];
      const owner: number[] = [];
      ids.forEach((s, b) => {
        s.forEach((t, j) => { flat[b * S + j] = BigInt(t); mask[b * S + j] = 1n; });
        for (let j = 1; j < s.length; j++) if (scored[b]![j]) { pos.push(BigInt(b * S + j - 1)); tgt.push(BigInt(s[j]!)); owner.push(b); }
      });
      return {
        B, owner, feeds: {
          input_ids: new ort.Tensor('int64', flat, [B, S]), attention_mask: new ort.Tensor('int64', mask, [B, S]),
          [POSITIONS_INPUT]: new ort.Tensor('int64', BigInt64Array.from(pos), [pos.length]), [TARGETS_INPUT]: new ort.Tensor('int64', BigInt64Array.from(tgt), [tgt.length, 1]),
        },
      };
    });
    // warm-up, as the engine's: one pass over every batch (onnxruntime's arena grows to the largest)
    for (const f of feeds) await session.run(f.feeds);
    const out: Float64Array[] = [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let pass = 0; pass < PASSES; pass++) {
      for (const [k, f] of feeds.entries()) {
        const r = (await session.run(f.feeds))[LOGPROBS_OUTPUT]!.data as Float64Array;
        if (pass === 0) out.push(r);
        else if (Buffer.compare(Buffer.from(r.buffer, r.byteOffset, r.byteLength), Buffer.from(out[k]!.buffer, out[k]!.byteOffset, out[k]!.byteLength)) !== 0) throw new Error('plain loop: a pass gave other bits');
      }
    }
    seconds = (performance.now() - t0) / 1000 / PASSES;
    const c = process.cpuUsage(c0);
    cpuSeconds = (c.user + c.system) / 1e6 / PASSES;
    const all: number[] = [];
    feeds.forEach((f, k) => {
      const sums = Array.from({ length: f.B }, () => new ExactSum());
      out[k]!.forEach((v, i) => sums[f.owner[i]!]!.add(-v));
      all.push(...sums.map((s) => s.value()));
    });
    bits = hexOf(Float64Array.from(all));
  } else {
    const threads = Number(phase.slice('engine'.length));
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: threads, maxThreads: threads });
    try {
      const batches: ChatExample[][] = [];
      for (let i = 0; i < plan.examples.length; i += BATCH) batches.push(plan.examples.slice(i, i + BATCH));
      // warm-up (not timed): each worker loads the tokenizer and the model, then one pass over
      // every batch, as the plain loop's
      const run = (b: ChatExample[]) => pool.run({ kind: 'chat-loss', folder: plan.folder, examples: b, options: OPTIONS } satisfies LmTaskMessage) as Promise<LmTaskResult>;
      await Promise.all(Array.from({ length: threads }, () => run(batches[0]!)));
      await Promise.all(batches.map(run));
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const passes = await Promise.all(Array.from({ length: PASSES }, () => Promise.all(batches.map(run))));
      seconds = (performance.now() - t0) / 1000 / PASSES;
      const c = process.cpuUsage(c0); // every thread of the process: the main thread and the workers
      cpuSeconds = (c.user + c.system) / 1e6 / PASSES;
      const results = passes[0]!;
      if (passes.some((p) => JSON.stringify(p) !== JSON.stringify(results))) throw new Error('engine: a pass gave other results');
      const all: number[] = [];
      for (const r of results) {
        if (!r.ok || r.kind !== 'chat-loss') throw new Error(`engine batch failed: ${JSON.stringify(r)}`);
        all.push(...r.scores.nllSums);
      }
      bits = hexOf(Float64Array.from(all));
    } finally {
      await pool.destroy();
    }
  }
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds, maxRssMb, bits } satisfies Measured) + '\n');
}

/** Multiple choice: 12 questions x 4 choices; input tokens = context + continuation of every choice. */
async function choiceBench(folder: string, chats: ChatExample[], log: (line: string) => void): Promise<void> {
  const text = (ex: ChatExample, role: string) => ex.messages.find((m) => m.role === role)?.content ?? '';
  const questions: ChoiceExample[] = Array.from({ length: 12 }, (_, i) => ({
    context: text(chats[i]!, 'user'), choices: [0, 1, 2, 3].map((k) => text(chats[(i + k) % chats.length]!, 'assistant')),
  }));
  const options = { contextLength: 512, delimiter: ' ' };
  const m = await loadLm(folder);
  let inputTokens = 0;
  for (const q of questions) {
    const ctx = m.tokenizer.encode(q.context).length;
    for (const c of q.choices) inputTokens += Math.min(512, ctx + m.tokenizer.encode(' ' + c).length);
  }
  const batches: ChoiceExample[][] = [];
  for (let i = 0; i < questions.length; i += BATCH) batches.push(questions.slice(i, i + BATCH));
  let reference: string | null = null;
  for (const threads of [1, 2]) {
    const pool = new Piscina({ ...lmPoolOptions(), minThreads: threads, maxThreads: threads });
    try {
      const run = (b: ChoiceExample[]) => pool.run({ kind: 'multiple-choice', folder, examples: b, options } satisfies LmTaskMessage) as Promise<LmTaskResult>;
      // untimed: the model loads, then one pass grows the arena to the largest batch (as the chat bench)
      await Promise.all(Array.from({ length: threads }, () => run([questions[0]!])));
      await Promise.all(batches.map(run));
      const t0 = performance.now();
      const passes = await Promise.all(Array.from({ length: PASSES }, () => Promise.all(batches.map(run))));
      const s = (performance.now() - t0) / 1000 / PASSES;
      const results = passes[0]!;
      if (passes.some((p) => JSON.stringify(p) !== JSON.stringify(results))) throw new Error('multiple choice: a pass gave other results');
      const bits = results.map((r) => (r.ok && r.kind === 'multiple-choice' ? Buffer.from(r.scores.logliks.buffer).toString('hex') : JSON.stringify(r))).join('');
      reference ??= bits;
      log(`lm multiple-choice  tiny LM (bench model)  workers=${threads}  batch=${BATCH}  ${questions.length} questions x 4 choices  ` +
        `${(inputTokens / s).toFixed(0)} input tok/s  ${(questions.length / s).toFixed(2)} questions/s  (${s.toFixed(2)} s)  ` +
        `bits ${bits === reference ? 'identical to workers=1' : 'DIFFER from workers=1'}`);
    } finally {
      await pool.destroy();
    }
  }
}

if (process.argv[2] === '--child') await childMain(process.argv[3]!, process.argv[4]!);
// run alone: npx tsx bench/lm.ts
else if (import.meta.url === `file://${process.argv[1]}`) await runLmBench({ log: (l) => console.log(l) });
