// `arbiter score`: score submissions against a benchmark and print the leaderboard.
import type { Argv } from 'yargs';
import path from 'node:path';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { defaultWorkerCount } from '../../inference/defaults.ts';
import type { ScoreArgs } from './score-args.ts';
import { cancelOnSignals, displayPath, print, reportError, testTaskDelay } from '../io.ts';

export type { ScoreArgs };

export async function runScoreCommand(args: ScoreArgs): Promise<void> {
  if (args.shard !== undefined || args.partOut !== undefined) {
    const { runShardScore } = await import('./shard.ts');
    return runShardScore({ ...args, shard: args.shard ?? '' });
  }
  const cancel = cancelOnSignals('the run');
  try {
    const { loadBenchmark } = await import('../../benchmark/loader.ts');
    const { score } = await import('../../run/index.ts');
    const { formatLeaderboard, colorsFor } = await import('../../report/leaderboard.ts');
    const { createProgress } = await import('../../report/progress.ts');
    const { finalSetBenchmark, withheldResult, releaseFinalSet } = await import('../../run/final-set.ts');
    const { Store } = await import('../../store/store.ts');
    let live: ReturnType<typeof loadBenchmark>;
    try {
      live = loadBenchmark(args.benchmark, args.benchmarksDir);
    } catch (err) {
      // The bundled federation sits among the bundled benchmarks: its parties' sets are generated
      // here, so scoring it runs its rounds (as `arbiter fl demo`). Any other federation's data stay
      // with its parties: E_SPEC_NOT_FOUND, naming `arbiter fl evaluate`.
      const { FL_DEMO_DIR } = await import('../../federated/demo.ts');
      const { ArbiterError } = await import('../../errors.ts');
      const bundledFederation = err instanceof ArbiterError && err.code === 'E_SPEC_NOT_FOUND' && err.details?.federation === path.join(FL_DEMO_DIR, 'federation.yaml');
      if (!bundledFederation || args.set === 'final' || args.resume !== undefined) throw err;
      process.stderr.write(`arbiter: ${args.benchmark} is the bundled federation: running its rounds, as \`arbiter fl demo\` does (docs/federated.md)\n`);
      const { runFlDemoCommand } = await import('./fl.ts');
      await runFlDemoCommand({ dir: path.join(path.dirname(path.resolve(args.db)), 'fl-demo'), isolation: args.isolation ?? 'process', format: args.json ? 'json' : 'table', workers: args.workers });
      return;
    }
    const b = args.set === 'final' ? finalSetBenchmark(live) : live;
    const progress = args.json ? null : createProgress({ total: 0, label: `scoring ${b.spec.id}` });
    let ticked = 0;
    const result = await score({
      benchmark: b.file, submissions: args.submissions, workers: args.workers, db: args.db, taskRows: args.taskRows, resume: args.resume, isolation: args.isolation,
      ...(args.datasetKeyFile !== undefined ? { datasetKeyFile: args.datasetKeyFile } : {}),
      ...(args.set ? { set: args.set } : {}),
      signal: cancel.signal,
      ...(testTaskDelay() ? { hooks: testTaskDelay() } : {}),
      onProgress: (p) => { progress?.setTotal(p.total); progress?.tick(p.done - ticked); ticked = p.done; },
      onPhase: (phase) => progress?.phase(phase),
      onRefused: (f, e) => process.stderr.write(`arbiter: refused ${f.participant} (${path.basename(f.path)}): ${e.code}: ${e.message}\n`),
    });
    progress?.done();
    let released = false;
    if (args.set === 'final') {
      // The release is a state of the store: --release records it, `arbiter release` too.
      const store = Store.open(args.db);
      try {
        if (args.release) releaseFinalSet(live, store);
        released = store.isReleased(live.spec.id);
      } finally { store.close(); }
    }
    if (args.set === 'final' && !released) {
      // Set B: who was scored and who failed, nothing else, and no receipt, until the host releases it.
      const shown = withheldResult(result);
      if (args.json) print(JSON.stringify({ ...shown, withheld: true }));
      else {
        print(`run ${result.run.id} · ${b.spec.id} v${b.spec.version} · final hidden set scored; scores withheld until \`arbiter release ${live.spec.id}\``);
        for (const r of shown.rows) print(`  ${r.participant}  ${r.submission.slice(0, 12)}  ${r.status}${r.error ? `  ${r.error.code}` : ''}`);
      }
      process.stderr.write(`final-set scores withheld: no receipt written (\`arbiter release ${live.spec.id}\` releases them; then \`arbiter score --set final --resume ${result.run.id}\` prints them and writes it)\n`);
      return;
    }
    if (args.set !== 'final') {
      // leaderboard.live: public: until the release, the live run shows the public split only, and
      // writes no receipt (a receipt carries the private scores).
      const { visibleLiveResult } = await import('../../run/final-set.ts');
      const store = Store.open(args.db);
      let shown: ReturnType<typeof visibleLiveResult>;
      try { shown = visibleLiveResult(store, b, result); } finally { store.close(); }
      if (shown.view === 'public') {
        if (args.json) print(JSON.stringify({ ...shown.result, view: 'public' }));
        else {
          print(`run ${result.run.id} · ${b.spec.id} v${b.spec.version} · public leaderboard (public split, by ${b.primary}); the private ranking is withheld until \`arbiter release ${b.spec.id}\` · workers ${args.workers}`);
          print(formatLeaderboard(shown.result, 'table', { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
        }
        process.stderr.write(`private ranking withheld: no receipt written (\`arbiter release ${b.spec.id}\` releases it; then \`arbiter score -b ${b.spec.id} --resume ${result.run.id}\` prints it and writes the receipt)\n`);
        return;
      }
    }
    const receiptPath = await writeRunReceipt(b, result, args);
    if (args.json) print(JSON.stringify(result));
    else {
      print(`run ${result.run.id} · ${b.spec.id} v${b.spec.version} · ranked on the ${b.spec.ranking.split} split by ${b.primary} · workers ${args.workers}`);
      print(formatLeaderboard(result, 'table', { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
    }
    process.stderr.write(`receipt ${displayPath(receiptPath)}\n`);
  } catch (err) {
    reportError(err, args.json);
  } finally {
    cancel.dispose();
  }
}

/** Every score writes a receipt (signed with --sign); returns its path. */
export async function writeRunReceipt(b: import('../../benchmark/loader.ts').LoadedBenchmark, result: import('../../run/index.ts').ScoreResult, args: Pick<ScoreArgs, 'db' | 'receipt' | 'sign' | 'validator'>): Promise<string> {
  const { mkdirSync } = await import('node:fs');
  const path = await import('node:path');
  const { Store } = await import('../../store/store.ts');
  const { receiptForRun, defaultReceiptPath } = await import('../../receipts/for-run.ts');
  const { signReceipt, loadPrivateKey, writeReceiptFile } = await import('../../receipts/index.ts');
  const store = Store.open(args.db);
  try {
    let receipt = receiptForRun(result, b, store, { validator: args.validator });
    if (args.sign) receipt = signReceipt(receipt, loadPrivateKey(args.sign));
    const file = args.receipt ?? defaultReceiptPath(args.db, b.spec.id, result.run.id);
    mkdirSync(path.dirname(file), { recursive: true });
    writeReceiptFile(file, receipt);
    return file;
  } finally {
    store.close();
  }
}

export const scoreCommand = {
  command: 'score',
  describe: 'Score submissions against a benchmark and print the ranked leaderboard',
  builder: (y: Argv) => y
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path' })
    .option('submissions', { alias: 's', type: 'string', array: true, describe: 'submission files or folders (default: the benchmark\'s submissions/ folder plus everything registered with `arbiter submit`)' })
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount(), describe: 'inference worker threads' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (benchmark, run, rows) on stdout' })
    .option('task-rows', { type: 'number', describe: 'rows per worker task, rounded to whole batches; default up to 32768, fewer for wide rows (speed only, never results)' })
    .option('receipt', { type: 'string', describe: 'where to write the run\'s receipt (default: <db folder>/receipts/<benchmark>-run-<id>.json)' })
    .option('sign', { type: 'string', describe: 'Ed25519 private key (PEM, from `arbiter keygen`) that signs the receipt' })
    .option('validator', { type: 'string', describe: 'the validator name recorded in the receipt' })
    .option('isolation', { choices: ['process', 'thread'] as const, default: 'process' as const, describe: 'run inference in child processes under the spec\'s time and memory limits (safe for untrusted models), or in worker threads (faster start, no hard limits); same scores either way' })
    .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted hidden set (default: the ARBITER_DATASET_KEY environment variable)' })
    .option('set', { type: 'string', choices: ['live', 'final'], default: 'live', describe: 'hidden set to score: live (dataset) or final (hiddenSets.final; scores withheld until released)' })
    .option('release', { type: 'boolean', default: false, describe: 'with --set final: record the release of the final set in the store (as `arbiter release`), print its scores and write the receipt' })
    .option('resume', { type: 'number', describe: 'continue an interrupted run from its journal (same benchmark files required)' })
    .option('shard', { type: 'string', describe: 'score one shard of a sharded run: "i/N" (0-based) or "auto/N" (i from JOB_COMPLETION_INDEX); needs --part-out; combine the parts with `arbiter merge`' })
    .option('part-out', { type: 'string', describe: 'with --shard: where to write the partial result (mergeable metric states)' })
    .option('shard-mode', { choices: ['submission', 'rows'] as const, describe: 'with --shard: deal whole submissions, or a range of every submission\'s rows (default: submission when there are at least as many admitted submissions as shards)' })
    .example('$0 score -b tabular-demo --shard 0/3 --part-out parts/part-0.json', 'score the first of 3 shards; then `arbiter merge parts/*.json`')
    .example('$0 score -b tabular-demo --resume 3', 'finish run 3 after a crash; scores are identical to an uninterrupted run')
    .example('$0 score --benchmark tabular-demo', 'score the demo\'s bundled submissions')
    .example('$0 score -b tabular-demo -s my-model.onnx --workers 2 --json', 'score one file, machine-readable'),
  handler: (argv: Record<string, unknown>) => runScoreCommand({
    benchmark: argv.benchmark as string, submissions: argv.submissions as string[] | undefined, workers: argv.workers as number,
    db: argv.db as string, json: argv.json as boolean, taskRows: argv.taskRows as number | undefined, resume: argv.resume as number | undefined,
    isolation: argv.isolation as 'process' | 'thread', receipt: argv.receipt as string | undefined, sign: argv.sign as string | undefined, validator: argv.validator as string | undefined,
    datasetKeyFile: argv.datasetKeyFile as string | undefined,
    set: argv.set as 'live' | 'final', release: argv.release as boolean,
    shard: argv.shard as string | undefined, partOut: argv.partOut as string | undefined, shardMode: argv.shardMode as 'submission' | 'rows' | undefined,
  }),
};
