// `arbiter fl demo`: the bundled federation (benchmarks/fl-demo) end to end. Writes the parties'
// local sets, the four rounds' models and the demo keys (src/demo/fl-demo.ts, seeded) into a work
// folder; then, round by round, every party evaluates the round's model on its own set and signs a
// partial (carol votes reject in round 2 although her own scores improved), and the coordinator
// aggregates the round into the store. Returns the rounds table `fl rounds` prints.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLED_BENCHMARKS_DIR } from '../benchmark/loader.ts';
import type { Isolation } from '../inference/executor.ts';
import { demoPartyKey, demoRoundWeights, evalRows, FL_PARTIES, roundModelOnnx, writeFlRows } from '../demo/fl-demo.ts';
import type { RoundsTable } from '../report/rounds.ts';
import { loadFederation } from './spec.ts';
import { evaluateRound } from './evaluate.ts';
import { aggregateRound, type RoundResult } from './aggregate.ts';
import { serializePartial, type FederatedPartial } from './partial.ts';
import { roundsTable } from './rounds.ts';

export const FL_DEMO_DIR = path.join(BUNDLED_BENCHMARKS_DIR, 'fl-demo');
/** The party that votes against its own scores, and the round it does. */
export const FL_DEMO_LIAR = { party: 'carol', round: 2 } as const;

export interface FlDemoOptions {
  /** work folder for the generated sets, models, keys and partials */
  dir: string;
  /** the store (default: <dir>/fl-demo.db, recreated on every run) */
  db?: string;
  workers?: number;
  isolation?: Isolation;
  log?: (line: string) => void;
}

export async function runFlDemo(o: FlDemoOptions): Promise<{ table: RoundsTable; results: RoundResult[]; db: string }> {
  const log = o.log ?? (() => {});
  const fed = loadFederation(FL_DEMO_DIR);
  const dir = path.resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const db = o.db ?? path.join(dir, 'fl-demo.db');
  if (o.db === undefined) for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });

  // The parties' sets and keys, and the coordinator's round models.
  const data = new Map<string, string>();
  for (const p of FL_PARTIES) {
    const file = path.join(dir, 'data', `${p}.arrow`);
    if (!existsSync(file)) writeFlRows(evalRows(p), file);
    data.set(p, file);
    mkdirSync(path.join(dir, 'keys'), { recursive: true });
    writeFileSync(path.join(dir, 'keys', `${p}.pem`), demoPartyKey(p).privatePem, { mode: 0o600 });
  }
  const models = demoRoundWeights().map((w, i) => {
    const file = path.join(dir, 'models', `round-${i + 1}.onnx`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, roundModelOnnx(w));
    return file;
  });
  log(`fl-demo: ${FL_PARTIES.length} parties, ${models.length} rounds; sets, models and keys in ${dir}`);

  const results: RoundResult[] = [];
  const ownPartials = new Map<string, FederatedPartial>(); // party's partial of the last accepted round
  for (let r = 1; r <= models.length; r++) {
    const files: string[] = [];
    const thisRound = new Map<string, FederatedPartial>();
    for (const p of FL_PARTIES) {
      const { partial } = await evaluateRound({
        federation: fed, round: r, model: models[r - 1]!, data: data.get(p)!, key: demoPartyKey(p).privateKey,
        ...(ownPartials.has(p) ? { previous: ownPartials.get(p)! } : {}),
        ...(p === FL_DEMO_LIAR.party && r === FL_DEMO_LIAR.round ? { vote: 'reject' as const } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.isolation ? { isolation: o.isolation } : {}),
      });
      const file = path.join(dir, 'partials', `round-${r}`, `${p}.json`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, serializePartial(partial));
      files.push(file);
      thisRound.set(p, partial);
    }
    const res = aggregateRound(fed, files.map((f) => ({ source: path.relative(dir, f), text: readFileSync(f, 'utf8') })), { db });
    results.push(res);
    log(`round ${r}: global ${fed.primary} ${res.global?.scores[fed.primary]} · ${res.accepted ? 'accepted' : 'rejected'}${res.flagged.length ? ` · flagged ${res.flagged.map((f) => `${f.party} (${f.reason})`).join(', ')}` : ''}`);
    if (res.accepted) {
      for (const [p, partial] of thisRound) ownPartials.set(p, partial);
    }
  }
  return { table: roundsTable(fed.spec.id, db), results, db };
}
