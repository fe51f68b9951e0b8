// The LM runner: scores one batch of a language-model task with a transformers.js model folder
// (loadLm + the chat-loss / multiple-choice / sequence-classification scorers). It runs wherever
// the engine puts inference: a piscina worker thread (worker.ts) or an isolated child process
// (src/inference/isolation/child.ts). It sees hidden rows, so what it lets out is kept narrow:
// scores, or an error code with a message that never quotes the library (onnxruntime and
// chat-template messages can carry hidden token ids or text), and no library logging.
import { env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { ArbiterError, toErrorData, type ErrorData } from '../../errors.ts';
import { loadLm, unloadLmModels, type LmKind } from '../../models/hf/load.ts';
import { lmKindOf } from './model-kind.ts';
import { collectGarbage } from '../../inference/heap.ts';
import type { ChatExample } from '../../data/lm-rows.ts';
import { scoreChatBatch, type ChatBatchScores, type ChatScoreOptions } from './chat-score.ts';
import { scoreChoicesBatch, type ChoiceExample, type ChoiceBatchScores, type ChoiceScoreOptions } from './choice-score.ts';
import { classifyBatch, type ClassifyBatchResult, type ClassifyOptions } from './classify-score.ts';

export type LmTaskMessage =
  | { kind: 'chat-loss'; folder: string; examples: ChatExample[]; options: ChatScoreOptions }
  | { kind: 'multiple-choice'; folder: string; examples: ChoiceExample[]; options: ChoiceScoreOptions }
  | { kind: 'sequence-classification'; folder: string; texts: string[]; options: ClassifyOptions };

export type LmTaskResult =
  | { ok: true; kind: 'chat-loss'; scores: ChatBatchScores }
  | { ok: true; kind: 'multiple-choice'; scores: ChoiceBatchScores }
  | { ok: true; kind: 'sequence-classification'; scores: ClassifyBatchResult }
  | { ok: false; error: ErrorData };

type WithoutFolder<T> = T extends unknown ? Omit<T, 'folder'> : never;
/** An LM batch for a runner that already holds its model folder. */
export type LmRunTask = WithoutFolder<LmTaskMessage>;

export { lmKindOf };

const loadOptions = (kind: LmKind) => ({ intraOpNumThreads: 1, kind });

/**
 * Load a folder before any hidden row is seen (its errors, E_MODEL_FORMAT / E_TOKENIZER, may be
 * quoted in full). The runner then scores with the cached model.
 */
export async function loadLmRunner(folder: string, kind: LmKind): Promise<void> {
  await loadCollected(folder, kind);
}

/** Models whose load was followed by a full GC (once per load). */
const collected = new WeakSet<object>();

/**
 * The cached model, loaded if need be, with one full GC after its load: the tokenizer's parse and
 * the graph's decode leave ~100 MB of garbage behind (src/inference/heap.ts). A child process loads
 * in loadLmRunner, a worker thread on its first batch.
 */
async function loadCollected(folder: string, kind: LmKind) {
  const model = await loadLm(folder, loadOptions(kind));
  if (!collected.has(model)) { collected.add(model); collectGarbage(); }
  return model;
}

/** Forget loaded models (a warm child switching to the next submission's folder). */
export async function unloadLmRunner(): Promise<void> {
  await unloadLmModels();
}

/** Score one batch; user-caused failures come back as `{ ok: false, error }` data, never as a throw. */
export async function runLmTask(t: LmTaskMessage): Promise<LmTaskResult> {
  let model;
  try {
    model = await loadCollected(t.folder, lmKindOf(t.kind));
  } catch (e) {
    // model load failures are already coded (E_MODEL_FORMAT, E_TOKENIZER); no hidden row was involved
    return { ok: false, error: toErrorData(e, 'E_MODEL_FORMAT') };
  }
  try {
    if (t.kind === 'chat-loss') return { ok: true, kind: t.kind, scores: await scoreChatBatch(model, t.examples, t.options) };
    if (t.kind === 'multiple-choice') return { ok: true, kind: t.kind, scores: await scoreChoicesBatch(model, t.examples, t.options) };
    return { ok: true, kind: t.kind, scores: await classifyBatch(model, t.texts, t.options) };
  } catch (e) {
    return { ok: false, error: hiddenSafeError(e) };
  }
}

// onnxruntime (its arena, or std::bad_alloc under RLIMIT_AS) and V8 report memory exhaustion as
// ordinary errors; they are the memory limit doing its job.
const MEMORY_PATTERN = /Failed to allocate|bad_alloc|out of memory|Cannot allocate memory|Array buffer allocation failed|Invalid typed array length/i;

// Messages the engine words from shapes, types and counts alone: safe to keep. (Not every
// E_MODEL_CONTRACT is: "token id N is outside the logits row" names a hidden token.)
const engineWorded = (d: ErrorData): boolean =>
  d.code === 'E_CHAT_DATA' || d.code === 'E_METRIC_INPUT' || (d.code === 'E_MODEL_CONTRACT' && /^expected [^:]*$/.test(d.message));

/**
 * The error data of a failure while scoring hidden rows. Library and chat-template messages are
 * never quoted: a model can make onnxruntime's text input-dependent (an out-of-range Gather quotes
 * the token id) and a chat template can raise with the hidden text itself.
 */
export function hiddenSafeError(e: unknown): ErrorData {
  const raw = e instanceof Error ? e.message : String(e);
  const data = toErrorData(e, 'E_MODEL_RUNTIME');
  if (data.code === 'E_MEMORY_LIMIT' || MEMORY_PATTERN.test(raw)) {
    return { code: 'E_MEMORY_LIMIT', message: 'the model ran out of memory under its limit while scoring a batch' };
  }
  if (e instanceof ArbiterError && engineWorded(data)) return data;
  const withheld = '(the library\'s message is withheld: it can quote hidden tokens or text; `arbiter check` on the public sample shows how the model behaves there)';
  if (data.code === 'E_TOKENIZER') return { code: 'E_TOKENIZER', message: `the tokenizer or chat template failed on a hidden example ${withheld}` };
  if (data.code === 'E_MODEL_RUNTIME') return { code: 'E_MODEL_RUNTIME', message: `the model failed at run time on a batch of hidden rows ${withheld}` };
  if (data.code === 'E_MODEL_CONTRACT') return { code: 'E_MODEL_CONTRACT', message: `the model's output broke the contract on a batch of hidden rows ${withheld}` };
  return { code: data.code, message: `the model failed on a batch of hidden rows with ${data.code} ${withheld}` };
}

/**
 * Make sure nothing the libraries print can reach a log: transformers.js prints the model's
 * inputs (the hidden token ids) with console.error when a run fails, and onnxruntime's default
 * logger writes errors to stderr. Call only in a thread or process that exists to run models:
 * it silences that isolate's console for good.
 */
export function silenceLibraryLogs(): void {
  env.logLevel = 50; // LogLevel.NONE: logger.error no longer prints; ORT's env log level becomes 'fatal'
  // loadLm asks for session log severity 3 (errors), and onnxruntime's native logger writes a
  // failed kernel's message (naming a hidden token id) straight to fd 2: force fatal-only (4)
  // on every session this isolate creates. transformers.js calls InferenceSession.create on the
  // same onnxruntime-node module, looked up at call time.
  const IS = ort.InferenceSession as unknown as { create: (...a: unknown[]) => unknown; __arbiterQuiet?: true };
  if (!IS.__arbiterQuiet) {
    const create = IS.create.bind(IS);
    IS.create = (...a: unknown[]) => {
      const last = a[a.length - 1];
      if (a.length >= 2 && last && typeof last === 'object' && !ArrayBuffer.isView(last) && !(last instanceof ArrayBuffer)) {
        a[a.length - 1] = { ...(last as Record<string, unknown>), logSeverityLevel: 4 };
      } else if (a.length === 1) {
        a.push({ logSeverityLevel: 4 });
      }
      return create(...a);
    };
    IS.__arbiterQuiet = true;
  }
  const quiet = (): void => undefined;
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const) {
    (console as unknown as Record<string, unknown>)[k] = quiet;
  }
}
