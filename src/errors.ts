// Stable error codes, the error class that carries them, and the plain-data form that crosses
// worker and process boundaries. Every failure a user can cause is one of these codes.

/** What each code means and which process exit code a command returns for it. */
export const ERROR_CODES = {
  E_USAGE: { exit: 2, summary: 'The command line is wrong: unknown option, missing argument, bad value.' },
  E_SPEC_INVALID: { exit: 3, summary: 'benchmark.yaml is not valid YAML or does not match the spec schema.' },
  E_SPEC_NOT_FOUND: { exit: 3, summary: 'No benchmark with that id or path was found.' },
  E_DATASET_INVALID: { exit: 3, summary: 'A dataset file is unreadable, has the wrong schema, unsorted or duplicate ids, or nulls.' },
  E_DATASET_COMMITMENT: { exit: 3, summary: "The dataset's sha256 or Merkle root differs from the one the spec commits to." },
  E_PACK_INPUT: { exit: 3, summary: '`dataset pack` input is malformed: ragged row, wrong type, NaN label (with its line number).' },
  E_METRIC_UNKNOWN: { exit: 3, summary: 'The spec names a metric the registry does not have.' },
  E_METRIC_INPUT: { exit: 3, summary: 'A metric got input it cannot score: wrong length, NaN, unknown class id, empty set.' },
  E_SUBMISSION_NOT_FOUND: { exit: 3, summary: 'A submission path does not exist or is not a file.' },
  E_MODEL_FORMAT: { exit: 3, summary: 'The submission is not a loadable ONNX model.' },
  E_MODEL_CONTRACT: { exit: 3, summary: "The model's inputs or outputs do not match the benchmark's contract." },
  E_MODEL_TOO_LARGE: { exit: 3, summary: "The submission is larger than the benchmark's size limit." },
  E_MODEL_RUNTIME: { exit: 3, summary: 'onnxruntime failed while running the model on a batch.' },
  E_MODEL_OUTPUT: { exit: 3, summary: 'The model produced NaN or infinite values.' },
  E_PREDICTIONS: { exit: 3, summary: 'A prediction file has missing, extra or duplicate ids or wrong value types.' },
  E_DATASET_KEY: { exit: 3, summary: 'The dataset key is missing, malformed, or not the key the dataset was encrypted with.' },
  E_DATASET_CORRUPT: { exit: 3, summary: 'An encrypted dataset file is truncated, modified, or not in the arbiter encrypted format.' },
  E_MODEL_OPSET: { exit: 3, summary: "The model's ONNX opset or IR version is outside the benchmark's allowed range." },
  E_MODEL_OPERATOR: { exit: 3, summary: "The model uses an operator or domain outside the benchmark's operator allowlist." },
  E_MODEL_EXTERNAL_DATA: { exit: 3, summary: 'External tensor data is missing, too large, or points outside the submission folder.' },
  E_MODEL_PARAMS: { exit: 3, summary: "The model's parameter count (from its initializers) exceeds the benchmark's maximum." },
  E_MODEL_SANITY: { exit: 3, summary: 'The sanity run gave the same output for every public row (admission.sanity.rejectConstant); wrong shapes there are E_MODEL_CONTRACT, NaN/Inf E_MODEL_OUTPUT.' },
  E_SUBMISSION_ARCHIVE: { exit: 3, summary: 'A submission archive is malformed, too large when unpacked, or has unsafe entries.' },
  E_DUPLICATE: { exit: 3, summary: 'The submission duplicates an earlier one (same bytes, same weights, or near-identical predictions).' },
  E_MODEL_FAMILY: { exit: 3, summary: "config.json's model_type is not one of the benchmark's allowed base families." },
  E_TOKENIZER: { exit: 3, summary: "The submission's tokenizer (vocabulary + merges hash) or chat template is not approved, or the template is missing or does not write each message once." },
  E_CONTEXT_LENGTH: { exit: 3, summary: "The model's maximum context (config.json) is shorter than the benchmark's context length." },
  E_TAR_UNSAFE: { exit: 3, summary: 'A submission .tar is malformed or unsafe: absolute path, "..", a link pointing out, a device, too large.' },
  E_CHAT_DATA: { exit: 3, summary: 'A chat / choice / text dataset row is malformed (with its line number): bad JSON, unknown role, empty conversation.' },
  E_WORKER_CRASH: { exit: 1, summary: 'A worker thread or inference child process died while running a submission.' },
  E_RESUME: { exit: 3, summary: 'A run cannot be resumed: unknown, or its spec, dataset or benchmark differs from the one given.' },
  E_STORE: { exit: 3, summary: 'The SQLite store is unreadable, corrupted, read-only for a command that writes, full (disk or max_page_count), from a newer arbiter, or has no such run.' },
  E_REWARDS_INPUT: { exit: 3, summary: 'Reward allocation got bad input: invalid rewards spec values, a missing or malformed stake, a non-finite score.' },
  E_RECEIPT_INVALID: { exit: 4, summary: 'A receipt file is not JSON or does not have the receipt shape.' },
  E_RECEIPT_TAMPERED: { exit: 4, summary: "A receipt's body does not hash to its recorded sha256, or the file is not in canonical form." },
  E_RECEIPT_SIGNATURE: { exit: 4, summary: "A receipt's Ed25519 signature is invalid, or it was not made by the expected public key." },
  E_RECEIPT_MISMATCH: { exit: 4, summary: 'Re-scoring a receipt gave different scores, ranks, statuses or rewards (each difference is listed).' },
  E_RECEIPT_KEY: { exit: 3, summary: 'A key file is missing, unreadable, not an Ed25519 PEM key, or would be overwritten.' },
  E_CONSENSUS_INPUT: { exit: 3, summary: 'Consensus cannot run: no usable receipts, a validator without a stake or id, malformed stakes file.' },
  E_CONSENSUS_MISMATCH: { exit: 4, summary: 'Some receipts differ from the others in spec hash, dataset commitment or submission set (reported, not mixed).' },
  E_TIMEOUT: { exit: 3, summary: "A submission ran past its wall-clock limit (whole submission or one batch) and was killed." },
  E_MEMORY_LIMIT: { exit: 3, summary: "A submission's inference used more memory than its limit and was stopped or killed." },
  E_SHARD_INVALID: { exit: 2, summary: 'A shard selector (`--shard i/N`, JOB_COMPLETION_INDEX) is malformed or out of range.' },
  E_SHARD_PART: { exit: 3, summary: 'A partial-result file is unreadable, not a partial result, or from an unknown format version.' },
  E_SHARD_MISMATCH: { exit: 3, summary: 'Partial results to merge differ in spec, dataset, shard count or fingerprint, or a shard is missing or repeated.' },
  E_FL_SPEC: { exit: 3, summary: 'federation.yaml is not valid YAML, does not match the federation schema, or names a party twice or a key that is not Ed25519; with secureAggregation, a party without an X25519 agreementKey, fewer than 2 parties, or rewards by rows.' },
  E_FL_ROW_METRIC: { exit: 3, summary: 'A federation names a metric whose state keeps every row (roc_auc, average_precision, spearman) without allowRowRevealingMetrics: true.' },
  E_FL_PARTY: { exit: 3, summary: 'The key given is not the signing key of any party of the federation.' },
  E_FL_PARTIAL: { exit: 3, summary: 'A federated partial is unreadable, not a partial, of an unknown format, or its signature or content does not hold.' },
  E_FL_MISMATCH: { exit: 3, summary: 'The partials of a round do not score one model under one spec (federation, spec hash, round, model hash) and no --model says which.' },
  E_FL_REPLAY: { exit: 3, summary: 'The round is already stored, or is not after the last stored round of the federation.' },
  E_LEASE: { exit: 4, summary: 'The run is held by another live process (its lease has not expired), or this process lost its lease.' },
  E_CANCELLED: { exit: 130, summary: 'The run was stopped by SIGINT or SIGTERM and marked cancelled; `arbiter score --resume <run>` (or `arbiter work --run <run>`) continues it.' },
  E_FL_NOT_MASKABLE: { exit: 3, summary: "Secure aggregation was asked for a metric whose state is not a sum of integer counts and exact sums (roc_auc, average_precision, spearman keep rows)." },
  E_FL_MASK_INPUT: { exit: 3, summary: 'Secure aggregation got bad input: a malformed party name, round, X25519 key or peer list, a vector of the wrong length or range, a malformed metric state.' },
  E_FL_DROPOUT: { exit: 3, summary: "A round of a federation with secure aggregation lacks a valid masked partial of some party and not every survivor's dropout correction was given (`arbiter fl correct`), or too few parties survive to hide anyone." },
  E_FL_CORRECTION: { exit: 3, summary: 'A dropout correction is unreadable, not signed by its party, of another federation, spec or round, for another set of dropped parties, from a dropped party, or given when no party dropped.' },
  E_FL_MASK_MIXED: { exit: 3, summary: 'A round mixes masked and plain partials, or its partials are not of the kind the federation says (secureAggregation: true takes masked partials only).' },
  E_FL_MASK_SUM: { exit: 4, summary: 'An unmasked sum is not a sum of honest parties\' states (a wrong key, a missing party or dropout correction, or a modified masked vector).' },
  E_TASK_UNSUPPORTED: { exit: 3, summary: 'The spec is valid but `arbiter score` cannot score its task type (every current task type is scored; kept for forward compatibility).' },
  E_MODEL_UNKNOWN: { exit: 3, summary: 'No model in the store (submission or round model) has a hash starting with the given prefix.' },
  E_MODEL_AMBIGUOUS: { exit: 3, summary: 'The hash prefix matches more than one model in the store: give more digits.' },
  E_INTERNAL: { exit: 1, summary: 'A bug in arbiter. Please report it with the command and its output.' },
} as const satisfies Record<string, { exit: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The form an error takes on the wire: between workers, in the store, in JSON output. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class ArbiterError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ArbiterError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Any thrown value as plain error data; SQLite errors become E_STORE, other unknown errors E_INTERNAL (or `fallback`). */
export function toErrorData(err: unknown, fallback: ErrorCode = 'E_INTERNAL'): ErrorData {
  if (err instanceof ArbiterError) return err.toData();
  if (err && typeof err === 'object' && isErrorCode((err as { code?: unknown }).code)) {
    const e = err as { code: ErrorCode; message?: unknown; details?: unknown };
    const data: ErrorData = { code: e.code, message: String(e.message ?? e.code) };
    if (e.details && typeof e.details === 'object') data.details = e.details as Record<string, unknown>;
    return data;
  }
  const message = err instanceof Error ? err.message : String(err);
  // better-sqlite3's errors (disk full, read-only file, corrupted page, I/O error) are the store's
  if (err instanceof Error && err.name === 'SqliteError') {
    const sqlite = (err as { code?: unknown }).code;
    return { code: 'E_STORE', message: `the store failed: ${message}${typeof sqlite === 'string' ? ` (${sqlite})` : ''}`, details: { sqlite } };
  }
  return { code: fallback, message };
}

export function exitCodeFor(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}
