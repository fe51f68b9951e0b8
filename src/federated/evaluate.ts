// `arbiter fl evaluate`: a party scores one round's model on its local set with the same engine
// as `arbiter score`, and writes a signed partial. The federation and the local set make a
// benchmark view (spec.ts); the model goes through that view's task kind and the run lifecycle's
// steps as one shard of one (src/run/shard-job.ts scoreShard: selection, admission, the local set's
// checks, the sanity run, the executor, scoreOne into an in-memory journal); the chunk states are
// folded in chunk order exactly as a run folds them. Nothing is stored but a scratch store that is
// removed. The partial carries merged states, never a row, id, label or prediction.
import type { KeyObject } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArbiterError, type ErrorCode } from '../errors.ts';
import { sha256File } from '../data/file-hash.ts';
import { configuredMetrics, finalizeFold, initFold, mergeChunk, type ChunkStates } from '../fold/fold.ts';
import { scoreShard } from '../run/shard-job.ts';
import type { Isolation } from '../inference/executor.ts';
import { taskKindOf } from '../tasks/index.ts';
import { federationBenchmark, partyOfKey, type LoadedFederation } from './spec.ts';
import { PARTIAL_FORMAT, partialSignatureProblem, signPartial, type FederatedPartial } from './partial.ts';
import { shareableStates } from './states.ts';
import { maskStates } from './secure-round.ts';
import { expectedVote } from './vote.ts';

export interface EvaluateOptions {
  federation: LoadedFederation;
  round: number;
  /** the round's model: an ONNX file (tabular tasks) or a model folder (language-model tasks) */
  model: string;
  /** the party's local set (the federation's data format) */
  data: string;
  /** the party's Ed25519 private key (its public half names the party) */
  key: KeyObject;
  /** the party's own partial of the last accepted round: its local score there is the baseline */
  previous?: FederatedPartial;
  /** vote this way whatever the scores say (the coordinator flags a vote its scores contradict) */
  vote?: 'accept' | 'reject';
  /**
   * The party's X25519 private key: with secureAggregation the partial carries its states masked
   * (secure-round.ts) and no score of the party; required then, refused otherwise.
   */
  maskKey?: KeyObject;
  /**
   * Masked rounds: the party's own primary score of the last accepted round (printed by that
   * round's evaluate; a masked partial does not carry it), the baseline its vote compares with.
   */
  baselineScore?: { round: number; localScore: number };
  workers?: number;
  isolation?: Isolation;
  datasetKeyFile?: string;
}

/** Total bytes of a file, or of every regular file under a folder. */
function bytesOf(p: string): number {
  const st = lstatSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(p)) n += bytesOf(path.join(p, e));
  return n;
}

/** The baseline a party compares with: its own signed partial of an earlier round of this federation. */
function baselineOf(o: EvaluateOptions, party: string): { round: number; localScore: number } | null {
  const prev = o.previous;
  if (!prev) return null;
  const fed = o.federation;
  const where = `--previous (round ${prev.round})`;
  if (prev.federation.id !== fed.spec.id || prev.federation.specHash !== fed.specHash) {
    throw new ArbiterError('E_FL_PARTIAL', `${where}: expected a partial of federation ${fed.spec.id} (spec ${fed.specHash.slice(0, 12)}), found one of ${prev.federation.id} (spec ${prev.federation.specHash.slice(0, 12)})`);
  }
  if (prev.party !== party) throw new ArbiterError('E_FL_PARTIAL', `${where}: expected party ${party}'s own partial, found party ${prev.party}'s`);
  if (prev.round >= o.round) throw new ArbiterError('E_FL_PARTIAL', `${where}: expected a partial of an earlier round than ${o.round}, found round ${prev.round}`);
  const problem = partialSignatureProblem(prev, fed.parties.find((p) => p.name === party)!.publicKey);
  if (problem) throw new ArbiterError('E_FL_PARTIAL', `${where}: ${problem}`);
  if (prev.masked) throw new ArbiterError('E_FL_PARTIAL', `${where}: a masked partial carries no score of its party; give --baseline-score <your ${fed.primary} of round ${prev.round}, as its fl evaluate printed it> instead`);
  const s = prev.localScores[fed.primary];
  if (s === undefined) throw new ArbiterError('E_FL_PARTIAL', `${where}: expected a local ${fed.primary} score, found none`);
  return { round: prev.round, localScore: s };
}

/** The signed partial, and the party's own local scores (kept by the party: a masked partial does not carry them). */
export interface Evaluation { partial: FederatedPartial; localScores: Record<string, number>; rows: number }

export async function evaluateRound(o: EvaluateOptions): Promise<Evaluation> {
  const fed = o.federation;
  if (!Number.isInteger(o.round) || o.round < 1) throw new ArbiterError('E_USAGE', `--round: expected a round number 1, 2, ..., found ${o.round}`);
  const party = partyOfKey(fed, o.key);
  const secure = fed.spec.secureAggregation === true;
  if (secure && !o.maskKey) throw new ArbiterError('E_FL_MASK_INPUT', `federation ${fed.spec.id} uses secure aggregation: expected --mask-key <your X25519 private key>, found none`);
  if (!secure && o.maskKey) throw new ArbiterError('E_USAGE', `--mask-key: federation ${fed.spec.id} does not use secure aggregation (secureAggregation: true in its spec), so partials are not masked`);
  if (o.baselineScore && o.previous) throw new ArbiterError('E_USAGE', 'give --previous or --baseline-score, not both');
  if (o.baselineScore && !(Number.isInteger(o.baselineScore.round) && o.baselineScore.round >= 1 && o.baselineScore.round < o.round && Number.isFinite(o.baselineScore.localScore))) {
    throw new ArbiterError('E_USAGE', `--baseline-score: expected a finite score of an earlier round than ${o.round}, found ${JSON.stringify(o.baselineScore)}`);
  }
  const baseline = o.baselineScore ?? baselineOf(o, party.name);
  const data = path.resolve(o.data);
  let sha256: string;
  try {
    sha256 = await sha256File(data);
  } catch (err) {
    throw new ArbiterError('E_DATASET_INVALID', `--data ${o.data}: expected the party's local set, found no readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { path: o.data });
  }
  const b = federationBenchmark(fed, { path: data, sha256 });
  const kind = taskKindOf(b);
  const files = kind.collect([o.model]);
  if (files.length !== 1) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `--model ${o.model}: expected one model (${kind.name === 'tabular' ? 'an ONNX file' : 'a model folder'}), found ${files.length}`, { path: o.model });

  // A scratch store: the lifecycle registers the model there; nothing of the party's is kept.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'arbiter-fl-'));
  try {
    const part = await scoreShard({
      benchmark: b.file, loaded: b, submissions: [{ path: files[0]!.path, participant: party.name }],
      db: path.join(scratch, 'scratch.db'), shard: { index: 0, count: 1 }, mode: 'submission',
      ...(o.workers !== undefined ? { workers: o.workers } : {}), isolation: o.isolation ?? 'process',
      ...(o.datasetKeyFile !== undefined ? { datasetKeyFile: o.datasetKeyFile } : {}),
    });
    const entry = part.roster[0];
    if (!entry) throw new ArbiterError('E_INTERNAL', 'the evaluation registered no model');
    if (entry.error) throw new ArbiterError(entry.error.code as ErrorCode, `round ${o.round}'s model was refused on ${party.name}'s set: ${entry.error.message}`);
    const unit = part.units[0];
    if (!unit) throw new ArbiterError('E_INTERNAL', 'the evaluation scored no model');
    if (unit.status === 'failed') {
      const e = unit.error as { code: string; message: string };
      throw new ArbiterError(e.code as ErrorCode, `round ${o.round}'s model failed on ${party.name}'s set: ${e.message}`);
    }
    // The run's own fold, replayed: fresh states, every chunk merged in chunk order.
    const fold = initFold(b);
    const keys = configuredMetrics(b).map((m) => m.key);
    for (const c of unit.chunks) {
      const chunk = {} as ChunkStates;
      for (const split of ['public', 'private'] as const) chunk[split] = keys.map((k) => c.states[split]![k]);
      mergeChunk(fold, chunk, c.rows);
    }
    if (fold.rowsFolded !== part.rows) throw new ArbiterError('E_INTERNAL', `folded ${fold.rowsFolded} of ${part.rows} rows`);
    const localScores = finalizeFold(fold).scores.private!;
    const localScore = localScores[fed.primary]!;
    const decision = o.vote ?? expectedVote(localScore, baseline?.localScore ?? null, fed.higherIsBetter, fed.minImprovement);
    const { specHash: _s, datasetSha256: _d, ...fingerprint } = part.fingerprint as Record<string, string | number>;
    const states = shareableStates(b, fold);
    // Masked: the states as pairwise-masked vectors, and no score of the party anywhere in the
    // file (its vote still counts; the coordinator cannot check it against scores it never sees).
    const shared = o.maskKey
      ? { masked: true, rows: null, maskedStates: maskStates(fed, o.round, party.name, o.maskKey, states, part.rows), localScores: {}, vote: { decision, metric: fed.primary, localScore: null, baseline: null } }
      : { masked: false, rows: part.rows, states, localScores, vote: { decision, metric: fed.primary, localScore, baseline } };
    const signed = signPartial({
      format: PARTIAL_FORMAT,
      federation: { id: fed.spec.id, specHash: fed.specHash },
      round: o.round,
      party: party.name,
      model: { sha256: entry.submission, kind: kind.name === 'tabular' ? 'onnx' : 'model-folder', bytes: bytesOf(files[0]!.path) },
      fingerprint,
      dataSha256: sha256,
      ...shared,
    }, o.key);
    return { partial: signed, localScores, rows: part.rows };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

