// Sharding across machines, as pure functions:
// - which slice of the work `--shard i/N` (or `--shard auto/N` with JOB_COMPLETION_INDEX, as a
//   Kubernetes Indexed Job sets it) scores: whole submissions, or ranges of the fixed batch
//   plan within every submission (for very large sets);
// - the partial-result file a shard writes (mergeable metric states, never finals) and its
//   validation;
// - mergeParts: refuses parts that do not belong together (spec, dataset, shard count, plan,
//   roster, fingerprint, missing or repeated shards) and lays every submission's chunk states out
//   in chunk order, so the result cannot depend on the order the parts are given in. The engine
//   (shard-job.ts) then folds them exactly as a single-machine run does.
// Slices are cut at batch boundaries: the batch plan is part of the benchmark and a shard never
// changes what a batch contains.
import { type KeyObject, createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { ArbiterError, type ErrorData } from '../errors.ts';
import { registry, validateState } from '../../scoring/index.ts';
import { keyIdOf } from '../receipts/sign.ts';

// ---- shard selectors -----------------------------------------------------------------------

/** Shard `index` (0-based, as JOB_COMPLETION_INDEX) of `count`. */
export interface ShardSelector {
  index: number;
  count: number;
}

/** The largest shard count accepted (a sanity bound, not a design limit). */
export const MAX_SHARDS = 10_000;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function parseCount(text: string, what: string): number {
  if (!DECIMAL.test(text)) throw new ArbiterError('E_SHARD_INVALID', `${what}: expected a shard count as a positive decimal integer, found "${text}"`);
  const n = Number(text);
  if (n < 1 || n > MAX_SHARDS) throw new ArbiterError('E_SHARD_INVALID', `${what}: expected a shard count from 1 to ${MAX_SHARDS}, found ${n}`);
  return n;
}

function parseIndex(text: string, count: number, what: string): number {
  if (!DECIMAL.test(text)) throw new ArbiterError('E_SHARD_INVALID', `${what}: expected a 0-based shard index as a decimal integer, found "${text}"`);
  const i = Number(text);
  if (i >= count) throw new ArbiterError('E_SHARD_INVALID', `${what}: expected a shard index from 0 to ${count - 1} (0-based), found ${i}`);
  return i;
}

/**
 * Parse a `--shard` value: `i/N` (0-based index i of N shards), or `auto/N` to take i from
 * JOB_COMPLETION_INDEX in `env` (Kubernetes Indexed Jobs set it on every pod).
 */
export function parseShard(text: string, env: Readonly<Record<string, string | undefined>> = process.env): ShardSelector {
  const m = /^([^/]+)\/([^/]+)$/.exec(text.trim());
  if (!m) throw new ArbiterError('E_SHARD_INVALID', `--shard: expected "i/N" (e.g. "0/3") or "auto/N", found "${text}"`);
  const count = parseCount(m[2]!, '--shard');
  if (m[1] === 'auto') return shardFromEnv(count, env);
  return { index: parseIndex(m[1]!, count, '--shard'), count };
}

/** The shard of an Indexed Job pod: index from JOB_COMPLETION_INDEX, count given. */
export function shardFromEnv(count: number, env: Readonly<Record<string, string | undefined>> = process.env): ShardSelector {
  const raw = env.JOB_COMPLETION_INDEX;
  if (raw === undefined || raw === '') {
    throw new ArbiterError('E_SHARD_INVALID', '--shard auto/N: expected the environment variable JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job), found it unset');
  }
  return { index: parseIndex(raw.trim(), count, 'JOB_COMPLETION_INDEX'), count };
}

export function formatShard(s: ShardSelector): string {
  return `${s.index}/${s.count}`;
}

// ---- the slice -----------------------------------------------------------------------------

/**
 * 'submission': whole submissions, dealt round-robin in submission-id order.
 * 'rows': every submission, on a contiguous range of the batch plan (for very large sets).
 */
export type ShardMode = 'submission' | 'rows';

/** Batches [batchStart, batchEnd) of the fixed batch plan, for one submission. */
export interface WorkUnit {
  submission: string;
  batchStart: number;
  batchEnd: number;
}

export interface ShardPlan {
  /** submission ids (sha256 hex); order does not matter, they are sorted */
  submissions: readonly string[];
  /** the number of batches in the benchmark's fixed batch plan */
  batchCount: number;
  count: number;
  mode: ShardMode;
  /**
   * Rows mode cuts ranges at multiples of `step` batches (default 1). The engine sets it to the
   * batches per worker task, so a shard's chunks are exactly the chunks of a single-machine run
   * with the same task size, and merged chunk states replay that run's fold step for step.
   */
  step?: number;
}

/** A default mode: whole submissions when there are at least as many as shards, else rows. */
export function chooseShardMode(submissionCount: number, shardCount: number): ShardMode {
  return submissionCount >= shardCount ? 'submission' : 'rows';
}

function sortedUnique(ids: readonly string[]): string[] {
  const s = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < s.length; i++) {
    if (s[i] === s[i - 1]) throw new ArbiterError('E_INTERNAL', `shard plan: submission ${s[i]} listed twice`);
  }
  return s;
}

function checkPlan(plan: ShardPlan): void {
  if (!Number.isInteger(plan.batchCount) || plan.batchCount < 0) throw new ArbiterError('E_INTERNAL', `shard plan: batchCount must be an integer >= 0, found ${plan.batchCount}`);
  if (!Number.isInteger(plan.count) || plan.count < 1 || plan.count > MAX_SHARDS) throw new ArbiterError('E_SHARD_INVALID', `shard plan: expected a shard count from 1 to ${MAX_SHARDS}, found ${plan.count}`);
  if (plan.step !== undefined && (!Number.isInteger(plan.step) || plan.step < 1)) throw new ArbiterError('E_INTERNAL', `shard plan: step must be an integer >= 1, found ${plan.step}`);
}

/** Batch range [start, end) of shard `index` when `batchCount` batches are cut into `count` contiguous ranges. */
export function batchRange(batchCount: number, index: number, count: number): [number, number] {
  // Integer arithmetic only: floor(i * B / N) is exact for any B, N below 2^26.
  return [Math.floor((index * batchCount) / count), Math.floor(((index + 1) * batchCount) / count)];
}

/** The work of one shard, in (submission id, batchStart) order. Empty ranges are left out. */
export function shardUnits(plan: ShardPlan, index: number): WorkUnit[] {
  checkPlan(plan);
  if (!Number.isInteger(index) || index < 0 || index >= plan.count) throw new ArbiterError('E_SHARD_INVALID', `expected a shard index from 0 to ${plan.count - 1}, found ${index}`);
  const subs = sortedUnique(plan.submissions);
  const units: WorkUnit[] = [];
  if (plan.mode === 'submission') {
    subs.forEach((submission, k) => {
      if (k % plan.count === index && plan.batchCount > 0) units.push({ submission, batchStart: 0, batchEnd: plan.batchCount });
    });
  } else {
    // Cut whole steps (worker tasks), then clip the last one to the plan.
    const step = plan.step ?? 1;
    const [t0, t1] = batchRange(Math.ceil(plan.batchCount / step), index, plan.count);
    const batchStart = Math.min(t0 * step, plan.batchCount);
    const batchEnd = Math.min(t1 * step, plan.batchCount);
    if (batchEnd > batchStart) for (const submission of subs) units.push({ submission, batchStart, batchEnd });
  }
  return units;
}

/** Rows [rowStart, rowEnd) of a unit, for a batch plan of `batchSize` rows over `rowCount` rows. */
export function unitRows(unit: WorkUnit, batchSize: number, rowCount: number): [number, number] {
  return [Math.min(unit.batchStart * batchSize, rowCount), Math.min(unit.batchEnd * batchSize, rowCount)];
}

/** sha256 of the plan (sorted submissions, batch count, shard count, mode, step): equal plans, equal hashes. */
export function planHash(plan: ShardPlan): string {
  checkPlan(plan);
  return createHash('sha256')
    .update(canonicalJson({ batchCount: plan.batchCount, count: plan.count, mode: plan.mode, step: plan.step ?? 1, submissions: sortedUnique(plan.submissions) }))
    .digest('hex');
}

// ---- the partial-result file ---------------------------------------------------------------

export const PART_FORMAT = 'arbiter-partial-result';
/** 2: parts carry `shard.binding` and may carry a signature. */
export const PART_VERSION = 2;

/** Metric states: split name -> metric key -> the metric's JSON state. */
export type SplitStates = Record<string, Record<string, unknown>>;

/**
 * One folded chunk (worker task) of a unit: its index in the run's chunk sequence, its rows, and
 * the metric states of those rows alone (what a single run journals for that chunk).
 */
export interface PartChunk {
  index: number;
  rows: number;
  states: SplitStates;
}

export interface PartUnit extends WorkUnit {
  status: 'scored' | 'failed';
  /** for failed units: why (E_TIMEOUT, E_MEMORY_LIMIT, ...) */
  error: ErrorData | null;
  /** in chunk order; empty for failed units */
  chunks: PartChunk[];
}

/**
 * A member of the run, in run order (the order "earliest" tie-breaks and reward shares use),
 * with its admission outcome: admission is decided by every shard over the whole list (byte
 * copies and weight copies need all of it), so every part carries the same roster.
 */
export interface RosterEntry {
  participant: string;
  /** sha256 of the submission's bytes */
  submission: string;
  /** failed or duplicate at admission: why; null when admitted (then it is in the plan) */
  error: { code: string; message: string } | null;
}

/** Fingerprint fields as in the run's fingerprint (engine, onnxruntime, node, cpu, specHash, ...). */
export type PartFingerprint = Record<string, string | number>;

export interface PartialResult {
  format: typeof PART_FORMAT;
  version: typeof PART_VERSION;
  benchmark: { id: string; version: number; specHash: string };
  datasetSha256: string;
  fingerprint: PartFingerprint;
  /** step: rows mode cuts at multiples of this many batches (ShardPlan.step) */
  /** binding: sha256 tying the part to its job (spec, dataset, submission set, shard count, mode, plan) and its shard index (partBinding) */
  shard: { index: number; count: number; mode: ShardMode; step: number; planHash: string; binding: string };
  batchCount: number;
  /** rows in the dataset, and rows per chunk (worker task: whole batches) */
  rows: number;
  taskRows: number;
  /** the validated spec (canonical JSON object): what the merge finalizes, ranks and rewards with */
  spec: unknown;
  /** every member of the run, in run order */
  roster: RosterEntry[];
  /** every submission of the plan (sorted), not only this shard's */
  submissions: string[];
  units: PartUnit[];
  /** Ed25519 over canonicalJson of the part without this field, when the shard was scored with --sign */
  signature?: PartSignature;
}

export interface PartSignature { algorithm: 'ed25519'; publicKey: string; keyId: string; value: string }

const errorDataSchema = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });
const partSchema = z.object({
  format: z.literal(PART_FORMAT),
  version: z.literal(PART_VERSION),
  benchmark: z.object({ id: z.string(), version: z.number().int(), specHash: z.string() }).strict(),
  datasetSha256: z.string(),
  fingerprint: z.record(z.string(), z.union([z.string(), z.number()])),
  shard: z.object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive().max(MAX_SHARDS),
    mode: z.enum(['submission', 'rows']),
    step: z.number().int().positive(),
    planHash: z.string(),
    binding: z.string(),
  }).strict(),
  batchCount: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  taskRows: z.number().int().positive(),
  spec: z.record(z.string(), z.unknown()),
  roster: z.array(z.object({ participant: z.string(), submission: z.string(), error: z.object({ code: z.string(), message: z.string() }).strict().nullable() }).strict()),
  submissions: z.array(z.string()),
  units: z.array(z.object({
    submission: z.string(),
    batchStart: z.number().int().nonnegative(),
    batchEnd: z.number().int().nonnegative(),
    status: z.enum(['scored', 'failed']),
    error: errorDataSchema.nullable(),
    chunks: z.array(z.object({
      index: z.number().int().nonnegative(),
      rows: z.number().int().nonnegative(),
      states: z.record(z.string(), z.record(z.string(), z.unknown())),
    }).strict()),
  }).strict()),
  signature: z.object({ algorithm: z.literal('ed25519'), publicKey: z.string(), keyId: z.string(), value: z.string() }).strict().optional(),
}).strict();

/**
 * The hash that binds a part to its job and its place in it: spec hash, dataset sha256, the
 * submission set (submission, participant and admission outcome of every member, in run order),
 * shard count, mode, step, plan hash and the shard's index. A part moved to another job or index,
 * or with any of these fields edited, no longer matches; signed, it cannot be re-made by anyone else.
 */
export function partBinding(p: Pick<PartialResult, 'benchmark' | 'datasetSha256' | 'roster' | 'shard'>): string {
  return createHash('sha256').update(canonicalJson({
    specHash: p.benchmark.specHash, datasetSha256: p.datasetSha256,
    roster: p.roster.map((r) => ({ participant: r.participant, submission: r.submission, error: r.error?.code ?? null })),
    count: p.shard.count, mode: p.shard.mode, step: p.shard.step, planHash: p.shard.planHash, index: p.shard.index,
  })).digest('hex');
}

function unsignedBytes(part: PartialResult): Buffer {
  const { signature: _ignored, ...rest } = part;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** The part signed with an Ed25519 private key (what `score --shard --sign` writes). */
export function signPart(part: PartialResult, privateKey: KeyObject | string): PartialResult {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new ArbiterError('E_RECEIPT_KEY', `expected an Ed25519 private key, found ${key.asymmetricKeyType}`);
  const pub = createPublicKey(key);
  return {
    ...part,
    signature: {
      algorithm: 'ed25519', publicKey: pub.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(pub),
      value: sign(null, unsignedBytes(part), key).toString('base64'),
    },
  };
}

/** Why a part's signature does not hold, or null when it is valid (and by `expected`, when given). */
export function partSignatureProblem(part: PartialResult, expected?: KeyObject): string | null {
  const sig = part.signature;
  if (!sig) return 'the part is not signed';
  let key: KeyObject;
  try {
    key = createPublicKey(sig.publicKey);
  } catch {
    return 'its signature carries no valid public key';
  }
  if (key.asymmetricKeyType !== 'ed25519' || keyIdOf(key) !== sig.keyId) return 'its signature key does not match its key id';
  if (expected && keyIdOf(expected) !== sig.keyId) return `expected a signature by key ${keyIdOf(expected)}, found one by key ${sig.keyId}`;
  let ok = false;
  try {
    ok = verify(null, unsignedBytes(part), key, Buffer.from(sig.value, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : `its Ed25519 signature by key ${sig.keyId} does not match its content`;
}

/** Build a shard's partial result (units are sorted; the plan hash is computed here). */
export function makePart(args: {
  benchmark: PartialResult['benchmark'];
  datasetSha256: string;
  fingerprint: PartFingerprint;
  plan: ShardPlan;
  index: number;
  rows: number;
  taskRows: number;
  spec: unknown;
  roster: RosterEntry[];
  units: PartUnit[];
}): PartialResult {
  const units = [...args.units].sort(compareUnits);
  const shard = { index: args.index, count: args.plan.count, mode: args.plan.mode, step: args.plan.step ?? 1, planHash: planHash(args.plan) };
  return {
    format: PART_FORMAT,
    version: PART_VERSION,
    benchmark: args.benchmark,
    datasetSha256: args.datasetSha256,
    fingerprint: args.fingerprint,
    shard: { ...shard, binding: partBinding({ benchmark: args.benchmark, datasetSha256: args.datasetSha256, roster: args.roster, shard: { ...shard, binding: '' } }) },
    batchCount: args.plan.batchCount,
    rows: args.rows,
    taskRows: args.taskRows,
    spec: args.spec,
    roster: args.roster,
    submissions: sortedUnique(args.plan.submissions),
    units,
  };
}

/** The file text: canonical JSON (sorted keys) plus a newline, so equal parts are equal bytes. */
export function serializePart(part: PartialResult): string {
  return `${canonicalJson(part)}\n`;
}

/** Parse and validate a part file's text. `source` (a path) goes into error messages. */
export function parsePart(text: string, source = 'partial result'): PartialResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ArbiterError('E_SHARD_PART', `${source}: expected JSON, found a parse error: ${(e as Error).message}`, { source });
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== PART_FORMAT) throw new ArbiterError('E_SHARD_PART', `${source}: expected format "${PART_FORMAT}", found ${JSON.stringify(format)}`, { source });
  const version = (raw as { version?: unknown }).version;
  if (version !== PART_VERSION) throw new ArbiterError('E_SHARD_PART', `${source}: expected partial-result version ${PART_VERSION}, found ${JSON.stringify(version)}`, { source });
  const r = partSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ArbiterError('E_SHARD_PART', `${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { source, issues: r.error.issues.length });
  }
  return r.data as PartialResult;
}

// ---- merging -------------------------------------------------------------------------------

/** Fingerprint fields that may differ between parts when the caller allows mixed hardware. */
export type TolerableField = 'cpu' | 'node' | 'platform' | 'arch';

export interface MergeOptions {
  /**
   * Fingerprint fields allowed to differ (default none: different CPUs may give different bits).
   * The merged fingerprint then lists the distinct values, sorted, joined with " + ".
   */
  tolerate?: readonly TolerableField[];
  /** every part must be signed by this Ed25519 public key */
  key?: KeyObject;
}

export interface MergedSubmission {
  submission: string;
  status: 'scored' | 'failed';
  error: ErrorData | null;
  /**
   * Every chunk of the submission, in chunk order (checked: indexes 0, 1, 2, ... and `rows` rows
   * in all); folding them in this order replays the single-machine fold. Empty when failed.
   */
  chunks: PartChunk[];
}

export interface MergedResult {
  benchmark: PartialResult['benchmark'];
  datasetSha256: string;
  fingerprint: PartFingerprint;
  shardCount: number;
  mode: ShardMode;
  batchCount: number;
  rows: number;
  taskRows: number;
  spec: unknown;
  roster: RosterEntry[];
  /** the plan's submissions, in submission-id order */
  submissions: MergedSubmission[];
}

function mismatch(message: string, details?: Record<string, unknown>): ArbiterError {
  return new ArbiterError('E_SHARD_MISMATCH', message, details);
}

function compareUnits(a: WorkUnit, b: WorkUnit): number {
  if (a.submission !== b.submission) return a.submission < b.submission ? -1 : 1;
  return a.batchStart - b.batchStart;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Put the parts of one sharded run back together: every submission's chunks in chunk order, as
 * a single-machine run folds them. Throws E_SHARD_MISMATCH when the parts do not form exactly
 * one complete, consistent set.
 */
export function mergeParts(parts: readonly PartialResult[], opts: MergeOptions = {}): MergedResult {
  if (parts.length === 0) throw mismatch('merge: expected at least one partial result, found none');
  // Everything below reads the parts in shard-index order, never in the order given.
  const sorted = [...parts].sort((a, b) => a.shard.index - b.shard.index);
  const first = sorted[0]!;
  const tolerate = new Set<string>(opts.tolerate ?? []);

  const signed = sorted.filter((p) => p.signature).length;
  if (opts.key && signed < sorted.length) throw mismatch(`merge: expected every part signed by key ${keyIdOf(opts.key)}, found ${sorted.length - signed} unsigned`, { field: 'signature' });
  if (signed > 0 && signed < sorted.length) throw mismatch(`merge: expected every part signed or none, found ${signed} of ${sorted.length} signed`, { field: 'signature' });
  for (const p of sorted) {
    const at = `shard ${p.shard.index}/${p.shard.count}`;
    if (p.signature) {
      const problem = partSignatureProblem(p, opts.key);
      if (problem) throw mismatch(`merge: ${at}: ${problem}`, { field: 'signature' });
    }
    if (!same(p.benchmark, first.benchmark) || !same(p.spec, first.spec)) {
      throw mismatch(`merge: parts come from different benchmark specs: expected ${first.benchmark.id} v${first.benchmark.version} spec ${first.benchmark.specHash}, found ${p.benchmark.id} v${p.benchmark.version} spec ${p.benchmark.specHash} in ${at}`, { field: 'benchmark' });
    }
    if (p.datasetSha256 !== first.datasetSha256 || p.rows !== first.rows) {
      throw mismatch(`merge: parts come from different datasets: expected sha256 ${first.datasetSha256} (${first.rows} rows), found ${p.datasetSha256} (${p.rows} rows) in ${at}`, { field: 'datasetSha256' });
    }
    if (p.shard.count !== first.shard.count) {
      throw mismatch(`merge: parts come from different shard counts: expected ${first.shard.count}, found ${p.shard.count} in ${at}`, { field: 'shard.count' });
    }
    if (!same(p.roster, first.roster)) {
      const a = first.roster.map((r) => `${r.participant}:${r.submission.slice(0, 12)}`).join(', ');
      const b = p.roster.map((r) => `${r.participant}:${r.submission.slice(0, 12)}`).join(', ');
      throw mismatch(`merge: parts scored different submission lists or admitted them differently: expected [${a}], found [${b}] in ${at}`, { field: 'roster' });
    }
    if (p.taskRows !== first.taskRows) {
      throw mismatch(`merge: parts were scored with different task sizes: expected ${first.taskRows} rows per task, found ${p.taskRows} in ${at}`, { field: 'taskRows' });
    }
    if (p.shard.mode !== first.shard.mode || p.shard.step !== first.shard.step || p.batchCount !== first.batchCount || !same(p.submissions, first.submissions) || p.shard.planHash !== first.shard.planHash) {
      throw mismatch(`merge: parts were cut from different plans (mode, batch count or submission list): expected plan ${first.shard.planHash}, found ${p.shard.planHash} in ${at}`, { field: 'plan' });
    }
    const keys = [...new Set([...Object.keys(first.fingerprint), ...Object.keys(p.fingerprint)])].sort();
    for (const k of keys) {
      if (tolerate.has(k)) continue;
      if (first.fingerprint[k] !== p.fingerprint[k]) {
        throw mismatch(`merge: parts were scored under different fingerprints: expected ${k} = ${JSON.stringify(first.fingerprint[k])}, found ${JSON.stringify(p.fingerprint[k])} in ${at}`, { field: `fingerprint.${k}` });
      }
    }
  }
  const count = first.shard.count;
  const plan: ShardPlan = { submissions: first.submissions, batchCount: first.batchCount, count, mode: first.shard.mode, step: first.shard.step };
  if (planHash(plan) !== first.shard.planHash) throw mismatch(`merge: the plan hash ${first.shard.planHash} does not match the plan the parts describe (${planHash(plan)})`, { field: 'plan' });
  for (let i = 0; i < sorted.length; i++) {
    const idx = sorted[i]!.shard.index;
    if (i > 0 && idx === sorted[i - 1]!.shard.index) throw mismatch(`merge: shard ${idx}/${count} is given more than once`, { shard: idx });
  }
  const present = new Set(sorted.map((p) => p.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  if (missing.length > 0) throw mismatch(`merge: expected all ${count} shards, missing ${missing.map((i) => `${i}/${count}`).join(', ')}`, { missing });
  // The fields above agree across parts; the binding says each part's were not edited since it was made (and signed).
  for (const p of sorted) {
    if (p.shard.binding !== partBinding(p)) {
      throw mismatch(`merge: shard ${p.shard.index}/${count}: expected its binding hash to match its job and index (${partBinding(p)}), found ${p.shard.binding}: the part was edited or belongs elsewhere`, { field: 'binding' });
    }
  }
  for (const p of sorted) {
    if (p.shard.index >= count) throw mismatch(`merge: shard index ${p.shard.index} is out of range for ${count} shards`);
    const expected = shardUnits(plan, p.shard.index).map((u) => `${u.submission}:${u.batchStart}-${u.batchEnd}`);
    const found = [...p.units].sort(compareUnits).map((u) => `${u.submission}:${u.batchStart}-${u.batchEnd}`);
    if (!same(expected, found)) {
      throw mismatch(`merge: shard ${p.shard.index}/${count} does not hold exactly its slice: expected ${expected.length} units (${expected.slice(0, 3).join(', ')}${expected.length > 3 ? ', ...' : ''}), found ${found.length} (${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''})`, { shard: p.shard.index });
    }
  }

  const bySubmission = new Map<string, PartUnit[]>();
  for (const p of sorted) for (const u of p.units) {
    const list = bySubmission.get(u.submission) ?? [];
    list.push(u);
    bySubmission.set(u.submission, list);
  }
  const submissions: MergedSubmission[] = [];
  for (const submission of first.submissions) {
    const units = (bySubmission.get(submission) ?? []).sort(compareUnits);
    const failed = units.find((u) => u.status === 'failed');
    if (failed) {
      submissions.push({ submission, status: 'failed', error: failed.error ?? { code: 'E_INTERNAL', message: 'a shard recorded a failure without an error' }, chunks: [] });
      continue;
    }
    const chunks = units.flatMap((u) => u.chunks);
    const shape = chunks.length > 0 ? stateShape(chunks[0]!.states) : '';
    let rows = 0;
    chunks.forEach((c, k) => {
      if (c.index !== k) throw mismatch(`merge: submission ${submission}: expected chunk ${k} next in chunk order, found chunk ${c.index}`, { submission, chunk: c.index });
      if (stateShape(c.states) !== shape) {
        throw mismatch(`merge: submission ${submission} has different splits or metrics in different chunks: expected ${shape}, found ${stateShape(c.states)} (chunk ${c.index})`, { submission });
      }
      rows += c.rows;
    });
    if (rows !== first.rows) throw mismatch(`merge: submission ${submission}: expected chunks covering all ${first.rows} rows, found ${rows}`, { submission });
    for (const c of chunks) checkChunkStates(first.spec, submission, c);
    submissions.push({ submission, status: 'scored', error: null, chunks });
  }

  const fingerprint: PartFingerprint = {};
  for (const k of Object.keys(first.fingerprint).sort()) {
    if (tolerate.has(k)) {
      const values = [...new Set(sorted.map((p) => String(p.fingerprint[k])))].sort();
      fingerprint[k] = values.length === 1 ? first.fingerprint[k]! : values.join(' + ');
    } else fingerprint[k] = first.fingerprint[k]!;
  }
  return {
    benchmark: first.benchmark, datasetSha256: first.datasetSha256, fingerprint, shardCount: count, mode: first.shard.mode,
    batchCount: first.batchCount, rows: first.rows, taskRows: first.taskRows, spec: first.spec, roster: first.roster, submissions,
  };
}

/** Every metric state of a chunk must be one its metric could have produced (scoring/validate-state.ts). */
function checkChunkStates(spec: unknown, submission: string, chunk: PartChunk): void {
  const s = spec as { metrics?: Array<{ name: string; key?: string; options?: unknown }>; task?: { type?: string; numClasses?: number } };
  // the metric context the fold builds (src/fold/fold.ts)
  const t = s.task;
  const ctx = (t?.type === 'classification' || t?.type === 'sequence-classification') && t.numClasses !== undefined ? { numClasses: t.numClasses } : {};
  for (const m of s.metrics ?? []) {
    const key = m.key ?? m.name;
    if (!registry.has(m.name)) continue; // the spec check (benchmarkFromPart) reports an unknown metric
    const metric = registry.get(m.name);
    const parsed = metric.optionsSchema.safeParse(m.options ?? {});
    if (!parsed.success) continue;
    for (const split of Object.keys(chunk.states).sort()) {
      const state = chunk.states[split]![key];
      if (state === undefined) continue; // shape differences are reported as E_SHARD_MISMATCH
      const problem = validateState(metric, state, parsed.data, ctx);
      if (problem) {
        throw new ArbiterError('E_METRIC_INPUT', `merge: submission ${submission.slice(0, 12)} chunk ${chunk.index}, ${split} ${key}: expected a state ${m.name} could have produced, found one where ${problem}`, { submission, chunk: chunk.index, split, metric: key });
      }
    }
  }
}

function stateShape(s: SplitStates): string {
  return Object.keys(s).sort().map((split) => `${split}[${Object.keys(s[split]!).sort().join(',')}]`).join(' ');
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
