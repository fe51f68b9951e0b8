// `arbiter score --shard i/N --part-out <file>` (one shard of a sharded run) and `arbiter merge`
// (the parts back into the single-machine result). Parsing and printing only: the work is in
// src/run/shard-job.ts.
import type { Argv } from 'yargs';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { displayPath, print, reportError, usageError } from '../io.ts';
import type { ScoreArgs } from './score-args.ts';

export interface ShardArgs extends ScoreArgs {
  shard: string;
  partOut?: string;
  shardMode?: 'submission' | 'rows';
}

/** Score one shard and write its partial result (atomically: a temp file renamed into place). */
export async function runShardScore(args: ShardArgs): Promise<void> {
  try {
    if (!args.partOut) throw usageError('--shard needs --part-out <file>: where the shard writes its partial result');
    if (args.resume !== undefined) throw usageError('--shard cannot be combined with --resume: a shard that stopped is scored again from the start');
    if (args.set === 'final') throw usageError('--shard scores the live hidden set only (--set final runs on one machine)');
    if (args.receipt) throw usageError('--shard writes a partial result, not a receipt (--receipt): a receipt covers a whole run scored on one machine');
    const { parseShard, serializePart, formatShard, signPart } = await import('../../run/shard.ts');
    // Load the key before scoring: a missing key file fails at once, not after the work.
    const signKey = args.sign ? (await import('../../receipts/sign.ts')).loadPrivateKey(args.sign) : null;
    const { scoreShard } = await import('../../run/shard-job.ts');
    const { createProgress } = await import('../../report/progress.ts');
    const { mkdirSync, renameSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    const shard = parseShard(args.shard, process.env);
    const progress = args.json ? null : createProgress({ total: 0, label: `shard ${formatShard(shard)}` });
    let ticked = 0;
    const scored = await scoreShard({
      benchmark: args.benchmark, benchmarksDir: args.benchmarksDir, submissions: args.submissions, workers: args.workers, db: args.db,
      taskRows: args.taskRows, isolation: args.isolation, shard,
      ...(args.shardMode ? { mode: args.shardMode } : {}),
      ...(args.datasetKeyFile !== undefined ? { datasetKeyFile: args.datasetKeyFile } : {}),
      onProgress: (p) => { progress?.setTotal(p.total); progress?.tick(p.done - ticked); ticked = p.done; },
    });
    progress?.done();
    const part = signKey ? signPart(scored, signKey) : scored;
    const file = path.resolve(args.partOut);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, serializePart(part));
    renameSync(tmp, file);
    const failed = part.units.filter((u) => u.status === 'failed').length;
    const summary = { part: file, shard: { index: part.shard.index, count: part.shard.count, mode: part.shard.mode }, units: part.units.length, failed };
    if (args.json) print(JSON.stringify(summary));
    else print(`shard ${formatShard(shard)} (${part.shard.mode} mode) · ${part.units.length} unit${part.units.length === 1 ? '' : 's'}, ${failed} failed · partial result ${displayPath(file)}`);
  } catch (err) {
    reportError(err, args.json);
  }
}

export interface MergeArgs { parts: string[]; json: boolean; db?: string; tolerate?: Array<'cpu' | 'node' | 'platform' | 'arch'>; key?: string }

export async function runMergeCommand(args: MergeArgs): Promise<void> {
  try {
    const { readFileSync } = await import('node:fs');
    const { ArbiterError } = await import('../../errors.ts');
    const { parsePart } = await import('../../run/shard.ts');
    const { mergeShards, benchmarkFromPart } = await import('../../run/shard-job.ts');
    const { formatLeaderboard, colorsFor } = await import('../../report/leaderboard.ts');
    const parts = args.parts.map((f) => {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (err) {
        throw new ArbiterError('E_SHARD_PART', `${f}: expected a partial-result file, found none readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { source: f });
      }
      return parsePart(text, f);
    });
    const db = args.db === undefined ? undefined : args.db === '' ? DEFAULT_DB : args.db;
    const key = args.key ? (await import('../../receipts/sign.ts')).loadPublicKey(args.key) : undefined;
    const merged = mergeShards(parts, { ...(args.tolerate ? { tolerate: args.tolerate } : {}), ...(db !== undefined ? { db } : {}), ...(key ? { key } : {}) });
    const b = benchmarkFromPart(parts[0]!.spec, merged.benchmark.specHash);
    // leaderboard.live: public: the private ranking stays withheld until its release, which the store records.
    let result = merged;
    let view: 'public' | 'private' = 'private';
    const { showsPublicLive, visibleLiveResult } = await import('../../run/final-set.ts');
    if (showsPublicLive(b)) {
      if (db === undefined) throw usageError(`merge: ${b.spec.id} shows a public leaderboard until the private ranking is released (leaderboard.live: public): give --db <store> so the merge knows whether it was released`);
      const { Store } = await import('../../store/store.ts');
      const store = Store.open(db, { read: true });
      try {
        const shown = visibleLiveResult(store, b, { ...merged, run: { ...merged.run, id: merged.run.id ?? 0 } });
        view = shown.view;
        result = { ...merged, rows: shown.result.rows };
      } finally { store.close(); }
    }
    if (args.json) { print(JSON.stringify(view === 'public' ? { ...result, view } : result)); return; }
    print(`${result.run.id === null ? 'merged' : `run ${result.run.id}`} · ${b.spec.id} v${b.spec.version} · ${result.shards.count} shard${result.shards.count === 1 ? '' : 's'} (${result.shards.mode} mode) · ${view === 'public' ? `public leaderboard (public split, by ${b.primary}); the private ranking is withheld until \`arbiter release ${b.spec.id}\`` : `ranked on the ${b.spec.ranking.split} split by ${b.primary}`}`);
    print(formatLeaderboard({ ...result, run: { ...result.run, id: result.run.id ?? 0 } }, 'table', { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
  } catch (err) {
    reportError(err, args.json);
  }
}

export const mergeCommand = {
  command: 'merge <parts..>',
  describe: 'Merge the partial results of a sharded run (arbiter score --shard) into the single-machine result',
  builder: (y: Argv) => y
    .positional('parts', { type: 'string', array: true, demandOption: true, describe: 'part files written by `arbiter score --shard i/N --part-out`, every shard once, in any order' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (benchmark, run, rows, shards) on stdout' })
    .option('db', { type: 'string', describe: `record the merged run in this SQLite store (a bare --db, last on the line: ${DEFAULT_DB}); its submissions must be registered there` })
    .option('tolerate', { type: 'string', array: true, choices: ['cpu', 'node', 'platform', 'arch'], describe: 'fingerprint fields allowed to differ between parts (default none: mixed CPUs may give different bits)' })
    .option('key', { type: 'string', describe: 'public key (PEM): every part must be signed by it (parts are signed with `score --shard --sign`)' })
    .example('$0 merge parts/part-*.json --json', 'the merged leaderboard as one JSON object')
    .example('$0 merge parts/*.json --db', 'record the merged run in the default store (leaderboard, report)'),
  handler: (argv: Record<string, unknown>) => runMergeCommand({
    parts: argv.parts as string[], json: argv.json as boolean, db: argv.db as string | undefined,
    tolerate: argv.tolerate as MergeArgs['tolerate'], key: argv.key as string | undefined,
  }),
};
