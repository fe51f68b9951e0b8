// The model registry's data and its pure rules: what one model (one content hash) is in the store
// (kind, size, parameters, weights, who submitted it, which federated rounds published it, its
// base model, every visible score), which models store the same weights as an earlier one, how a
// hash prefix names one model, and the lineage chain (round model -> parent round -> ...; model ->
// base model -> ...). Gathering the entries from the store is src/run/models.ts; printing them is
// src/report/models.ts.
import { ArbiterError } from '../errors.ts';

/**
 * What a model's bytes are: an ONNX file (tabular), a .tar / .tar.gz of one with its external
 * data (tabular), a prediction file (no model), a
 * transformers.js model folder or a .tar of one (language models); a round model carries the kind
 * its federation recorded.
 */
export type ModelKind = 'onnx' | 'onnx-archive' | 'predictions' | 'lm-folder' | 'lm-archive' | (string & {});

export type ModelScore =
  | { source: 'run'; benchmark: string; run: number; participant: string; split: string; metric: string; value: number }
  | { source: 'round'; federation: string; round: number; accepted: boolean; metric: string; value: number };

export interface ModelSubmission {
  id: number;
  benchmark: string;
  participant: string;
  filename: string;
  submittedAt: string;
  /** declared at submit (`--base-model`), null when not */
  baseModel: string | null;
}

export interface ModelRound {
  federation: string;
  round: number;
  /** the last accepted round before this one, null for the first */
  parentRound: number | null;
  accepted: boolean;
  createdAt: string;
}

export interface BaseModel {
  name: string;
  /** declared at submit, or read from the folder's config.json `_name_or_path` */
  source: 'submit' | 'config';
  /** the base model's content hash when the name is the hash of a model in the store */
  sha256: string | null;
}

export interface ModelEntry {
  sha256: string;
  kind: ModelKind;
  bytes: number;
  /** null when unknown: a prediction file, bytes the store does not hold, or bytes that are no model */
  params: number | null;
  weightsHash: string | null;
  /** the earliest model storing the same weights (same tensors; names, metadata, config may differ) */
  sameWeightsAs: string | null;
  baseModel: BaseModel | null;
  submissions: ModelSubmission[];
  rounds: ModelRound[];
  /** every score outputs may show: finished runs on every benchmark, and federated rounds' global scores */
  scores: ModelScore[];
  /** scores the store holds but withholds until the benchmark's release (final hidden set; private split of a public live board) */
  withheldScores: number;
  /** why the model's bytes could not be read as a model (then params and weightsHash are null) */
  factsError: { code: string; message: string } | null;
  /** the earliest registration or round time (ISO 8601): the registry's order */
  firstSeen: string;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Registry order: first seen, then hash (a stable order for equal times). */
export function sortEntries(entries: ModelEntry[]): ModelEntry[] {
  return [...entries].sort((x, y) => cmp(x.firstSeen, y.firstSeen) || cmp(x.sha256, y.sha256));
}

/**
 * Mark weight copies: every model whose weights hash equals an earlier model's (registry order)
 * gets `sameWeightsAs` = that earliest model's hash. Models without a weights hash are never copies.
 */
export function markWeightCopies(entries: ModelEntry[]): ModelEntry[] {
  const first = new Map<string, string>();
  return entries.map((e) => {
    if (e.weightsHash === null) return { ...e, sameWeightsAs: null };
    const of = first.get(e.weightsHash);
    if (of === undefined) { first.set(e.weightsHash, e.sha256); return { ...e, sameWeightsAs: null }; }
    return { ...e, sameWeightsAs: of };
  });
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The known model a base-model name stands for: a full content hash of a model in the registry. */
export function resolveBaseModelHash(name: string, known: ReadonlySet<string>): string | null {
  const h = name.toLowerCase();
  return SHA256.test(h) && known.has(h) ? h : null;
}

/**
 * The one model whose hash starts with `query` (hex, any case). E_USAGE for a query that is not
 * hex; E_MODEL_UNKNOWN when none matches; E_MODEL_AMBIGUOUS (naming the candidates) when several do.
 */
export function findModel(entries: readonly ModelEntry[], query: string): ModelEntry {
  const q = query.toLowerCase();
  if (!/^[0-9a-f]{1,64}$/.test(q)) {
    throw new ArbiterError('E_USAGE', `model hash: expected 1 to 64 hex digits (a sha256 or its prefix, as \`arbiter models\` prints it), found ${JSON.stringify([...query].slice(0, 80).join(''))}`);
  }
  const hits = entries.filter((e) => e.sha256.startsWith(q));
  if (hits.length === 0) {
    throw new ArbiterError('E_MODEL_UNKNOWN', `no model in the store has a hash starting with ${q}: expected the hash (or a prefix of it) of a submission or a round model (\`arbiter models\` lists ${entries.length})`, { query: q, models: entries.length });
  }
  if (hits.length > 1) {
    const shown = hits.slice(0, 10).map((e) => e.sha256.slice(0, Math.max(12, q.length + 4)));
    throw new ArbiterError('E_MODEL_AMBIGUOUS', `hash prefix ${q} matches ${hits.length} models (${shown.join(', ')}${hits.length > 10 ? ', ...' : ''}): expected one; give more digits`, { query: q, matches: hits.length });
  }
  return hits[0]!;
}

export type LineageLink =
  | { relation: 'parent-round'; federation: string; round: number; sha256: string | null; cycle: boolean }
  | { relation: 'base-model'; name: string; source: 'submit' | 'config'; sha256: string | null; cycle: boolean };

/** The longest chain followed (a store could hold a chain of any length; outputs stay bounded). */
export const MAX_LINEAGE = 1000;

/**
 * The lineage chain of `start`: each step goes to the model this one came from. A round model
 * (with a parent round) comes from its parent round's model, in its first such round (federation,
 * round order); otherwise a model with a base model comes from it. The chain ends at a model with
 * neither, at a name the store does not hold (sha256 null), or where it would revisit a model
 * (that last link has `cycle: true`).
 */
export function lineageOf(entries: readonly ModelEntry[], start: ModelEntry): LineageLink[] {
  const bySha = new Map(entries.map((e) => [e.sha256, e]));
  const roundModel = new Map<string, string>();
  for (const e of entries) for (const r of e.rounds) roundModel.set(`${r.federation}\u0000${r.round}`, e.sha256);
  const seen = new Set<string>([start.sha256]);
  const out: LineageLink[] = [];
  let at: ModelEntry | undefined = start;
  while (at && out.length < MAX_LINEAGE) {
    const withParent: ModelRound | undefined = at.rounds.find((r) => r.parentRound !== null);
    let link: LineageLink;
    if (withParent) {
      const sha = roundModel.get(`${withParent.federation}\u0000${withParent.parentRound}`) ?? null;
      link = { relation: 'parent-round', federation: withParent.federation, round: withParent.parentRound!, sha256: sha, cycle: sha !== null && seen.has(sha) };
    } else if (at.baseModel) {
      const sha = at.baseModel.sha256;
      link = { relation: 'base-model', name: at.baseModel.name, source: at.baseModel.source, sha256: sha, cycle: sha !== null && seen.has(sha) };
    } else break;
    out.push(link);
    if (link.cycle || link.sha256 === null) break;
    seen.add(link.sha256);
    at = bySha.get(link.sha256);
  }
  return out;
}
