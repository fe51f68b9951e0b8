// The model registry as the store knows it (`arbiter models`): one entry per content hash, gathered
// from every submission of every benchmark and every federated round model, with the facts read
// from its bytes (parameters, weights hash, config base model: read once, cached in the store per
// content hash), its declared base model, and every score outputs may show (finished runs, minus
// what a benchmark withholds until its release; rounds' global scores). The rules over the entries
// (weight copies, hash prefixes, lineage) are pure: src/models/registry.ts.
import { closeSync, existsSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store.ts';
import { allFlRounds, type FlRoundRecord } from '../store/fl.ts';
import {
  cacheModelFacts, cachedModelFacts, modelHashesWithPrefix, registryScores, registrySubmissions, releasedBenchmarks,
  setSubmissionBaseModel, type RegistrySubmissionRow,
} from '../store/model-registry.ts';
import { lmFolderFacts, MODEL_FACTS_VERSION, onnxArchiveFacts, onnxFileFacts, PREDICTION_FACTS, type ModelFacts } from '../models/model-facts.ts';
import {
  findModel, lineageOf, markWeightCopies, resolveBaseModelHash, sortEntries,
  type LineageLink, type ModelEntry, type ModelKind, type ModelScore,
} from '../models/registry.ts';
import { checkBaseModelName } from '../models/submission-file.ts';
import { resolveModelFolder } from '../models/hf/tar.ts';
import { isGzip, isTar } from '../models/admission/archive.ts';
import { AdmissionRulesSchema } from '../models/admission/schema.ts';
import { lmSubmissionByteLimit } from '../tasks/lm/folder.ts';
import type { LmTask } from '../benchmark/lm-task.ts';
import { isFinalSetBenchmark, liveIdOf } from './final-set.ts';
import { toErrorData } from '../errors.ts';

const LM_TASK_TYPES = new Set(['chat-loss', 'multiple-choice', 'sequence-classification']);

function parseTask(json: string | null): { type?: unknown } | null {
  if (json === null) return null;
  try {
    const t = JSON.parse(json) as unknown;
    return t && typeof t === 'object' ? t as { type?: unknown } : null;
  } catch { return null; }
}

function isDirectory(p: string): boolean | null {
  try { return lstatSync(p).isDirectory(); } catch { return null; }
}

/**
 * What a submission's bytes are. The store's kind column says 'predictions' or 'onnx'; an 'onnx'
 * submission of a language-model benchmark is a model folder (stored as a folder) or an archive of
 * one. Without the benchmark's spec in the store (submitted, never scored), the stored copy decides:
 * a folder, an .onnx file, or an archive.
 */
function submissionKind(s: RegistrySubmissionRow): ModelKind {
  if (s.kind === 'predictions') return 'predictions';
  const type = parseTask(s.taskJson)?.type;
  const dir = isDirectory(s.blobPath) ?? path.extname(s.blobPath) === '';
  if (typeof type === 'string') return LM_TASK_TYPES.has(type) ? (dir ? 'lm-folder' : 'lm-archive') : isArchive(s.blobPath) ? 'onnx-archive' : 'onnx';
  return dir ? 'lm-folder' : path.extname(s.blobPath).toLowerCase() === '.onnx' ? 'onnx' : 'lm-archive';
}

/** A tabular submission stored as a .tar or .tar.gz (an ONNX model with its external data), by its first bytes. */
function isArchive(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(512);
      const n = readSync(fd, head, 0, 512, 0);
      return isGzip(head.subarray(0, n)) || isTar(head.subarray(0, n));
    } finally { closeSync(fd); }
  } catch { return false; }
}

interface Draft {
  entry: ModelEntry;
  /** where the store holds the bytes, and how to read them */
  source: { kind: ModelKind; path: string; task: { type?: unknown } | null; admissionJson: string | null } | null;
}

/** A round model's bytes in the blob store, when the store holds a copy: `<sha256>.onnx`, a `<sha256>` folder, or `<sha256>.tar`. */
function roundModelBlob(store: Store, sha: string, kind: string): Draft['source'] {
  for (const [name, k] of [[`${sha}.onnx`, 'onnx'], [sha, 'lm-folder'], [`${sha}.tar`, 'lm-archive']] as const) {
    const p = path.join(store.blobDir, name);
    if (existsSync(p) && (k === 'lm-folder') === (isDirectory(p) === true)) return { kind: kind === 'predictions' ? 'predictions' : k, path: p, task: null, admissionJson: null };
  }
  return null;
}

/** Read a model's bytes for its facts; null when there is nothing to read (the facts stay unknown). */
function readFacts(store: Store, src: NonNullable<Draft['source']>): ModelFacts | null {
  if (!existsSync(src.path)) return null;
  switch (src.kind) {
    case 'predictions': return PREDICTION_FACTS;
    case 'onnx': return onnxFileFacts(src.path);
    case 'onnx-archive': return onnxArchiveFacts(src.path, admissionRulesOf(src.admissionJson));
    case 'lm-folder': return lmFolderFacts(src.path);
    case 'lm-archive': {
      // the archive is unpacked once beside the blobs (as scoring does); a read-only store cannot
      if (store.readonly) return null;
      const limit = lmSubmissionByteLimit((src.task ?? {}) as LmTask);
      try {
        return lmFolderFacts(resolveModelFolder(src.path, path.join(store.blobDir, 'unpacked'), { maxBytes: limit }));
      } catch (err) {
        return { params: null, weightsHash: null, configBaseModel: null, error: toErrorData(err, 'E_SUBMISSION_ARCHIVE') };
      }
    }
    default: return null;
  }
}

/** The archive limits of a benchmark's stored `admission` section (its defaults when absent or unreadable). */
function admissionRulesOf(json: string | null) {
  let raw: unknown = {};
  try { if (json !== null) raw = JSON.parse(json); } catch { /* the defaults */ }
  const parsed = AdmissionRulesSchema.safeParse(raw);
  return parsed.success ? parsed.data : AdmissionRulesSchema.parse({});
}

function roundScores(r: FlRoundRecord): ModelScore[] {
  let parsed: unknown;
  try { parsed = JSON.parse(r.globalScoresJson); } catch { return []; }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  return Object.entries(parsed as Record<string, unknown>)
    .filter((kv): kv is [string, number] => typeof kv[1] === 'number')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([metric, value]) => ({ source: 'round', federation: r.federation, round: r.round, accepted: r.accepted, metric, value }));
}

/**
 * Every model the store knows, in registry order (first seen, then hash), weight copies marked.
 * Facts missing from the cache are read from the stored bytes now and cached (unless the store is
 * read-only), so a listing reads each model's bytes once over the store's life.
 */
export function modelRegistry(store: Store): ModelEntry[] {
  const db = store.db;
  const drafts = new Map<string, Draft>();
  const draftOf = (sha: string, firstSeen: string, kind: ModelKind, bytes: number): Draft => {
    let d = drafts.get(sha);
    if (!d) {
      d = {
        entry: { sha256: sha, kind, bytes, params: null, weightsHash: null, sameWeightsAs: null, baseModel: null, submissions: [], rounds: [], scores: [], withheldScores: 0, factsError: null, firstSeen },
        source: null,
      };
      drafts.set(sha, d);
    }
    if (firstSeen < d.entry.firstSeen) d.entry.firstSeen = firstSeen;
    return d;
  };

  for (const s of registrySubmissions(db)) {
    const kind = submissionKind(s);
    const d = draftOf(s.sha256, s.submittedAt, kind, s.size);
    d.entry.submissions.push({ id: s.id, benchmark: s.benchmarkId, participant: s.participant, filename: s.filename, submittedAt: s.submittedAt, baseModel: s.baseModel });
    if (!d.source && existsSync(s.blobPath)) d.source = { kind, path: s.blobPath, task: parseTask(s.taskJson), admissionJson: s.admissionJson };
  }
  const rounds = allFlRounds(db);
  for (const r of rounds) {
    const d = draftOf(r.modelSha256, r.createdAt, r.modelKind, r.modelBytes);
    d.entry.rounds.push({ federation: r.federation, round: r.round, parentRound: r.parentRound, accepted: r.accepted, createdAt: r.createdAt });
    if (!d.source) d.source = roundModelBlob(store, r.modelSha256, r.modelKind);
  }

  // Facts: cached per content hash; read once from the stored bytes when missing or outdated.
  const cache = cachedModelFacts(db);
  for (const d of drafts.values()) {
    const e = d.entry;
    let facts: ModelFacts | null = null;
    const hit = cache.get(e.sha256);
    if (hit && hit.factsVersion === MODEL_FACTS_VERSION) facts = { params: hit.params, weightsHash: hit.weightsHash, configBaseModel: hit.configBaseModel, error: hit.error as ModelFacts['error'] };
    else if (d.source) {
      facts = readFacts(store, d.source);
      if (facts && !store.readonly) cacheModelFacts(db, { sha256: e.sha256, factsVersion: MODEL_FACTS_VERSION, ...facts });
    }
    if (facts) {
      e.params = facts.params;
      e.weightsHash = facts.weightsHash;
      e.factsError = facts.error ? { code: facts.error.code, message: facts.error.message } : null;
    }
    // the base model declared at submit (earliest declaring submission), else the one config.json names
    const declared = e.submissions.find((s) => s.baseModel !== null)?.baseModel ?? null;
    if (declared !== null) e.baseModel = { name: declared, source: 'submit', sha256: null };
    else if (facts?.configBaseModel) e.baseModel = { name: facts.configBaseModel, source: 'config', sha256: null };
  }

  // Scores: a run's rows as its leaderboard may show them; round models' global scores.
  const released = releasedBenchmarks(db);
  for (const sc of registryScores(db)) {
    const d = drafts.get(sc.sha256);
    if (!d) continue;
    const live = liveIdOf(sc.benchmarkId);
    const withheld = !released.has(live) && (isFinalSetBenchmark(sc.benchmarkId) || (sc.publicLive && sc.split === 'private'));
    if (withheld) d.entry.withheldScores++;
    else d.entry.scores.push({ source: 'run', benchmark: sc.benchmarkId, run: sc.runId, participant: sc.participant, split: sc.split, metric: sc.metric, value: sc.value });
  }
  for (const r of rounds) drafts.get(r.modelSha256)!.entry.scores.push(...roundScores(r));

  const known = new Set(drafts.keys());
  const entries = [...drafts.values()].map((d) => d.entry);
  for (const e of entries) if (e.baseModel) e.baseModel.sha256 = resolveBaseModelHash(e.baseModel.name, known);
  return markWeightCopies(sortEntries(entries));
}

/** One model by its hash or a unique prefix of it, with its lineage chain (E_MODEL_UNKNOWN, E_MODEL_AMBIGUOUS). */
export function showModel(store: Store, query: string): { model: ModelEntry; lineage: LineageLink[] } {
  const entries = modelRegistry(store);
  const model = findModel(entries, query);
  return { model, lineage: lineageOf(entries, model) };
}

/**
 * Record the base model a submission declares. A hex name of 8 to 63 digits that is the prefix of
 * exactly one model in the store is stored as that model's full hash (so the lineage chain can
 * follow it); any other name is stored as given. Returns what was stored.
 */
export function declareBaseModel(store: Store, submissionId: number, name: string): string {
  checkBaseModelName(name);
  let stored = name;
  if (/^[0-9a-fA-F]{8,64}$/.test(name)) {
    const hits = modelHashesWithPrefix(store.db, name.toLowerCase(), 2);
    if (hits.length === 1) stored = hits[0]!;
  }
  setSubmissionBaseModel(store.db, submissionId, stored);
  return stored;
}
