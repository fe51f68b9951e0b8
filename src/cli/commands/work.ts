// `arbiter work`: create a queued run (--create), or drain one with several processes sharing
// the store: each claims submissions, scores them, and the last one ranks the run.
import type { Argv } from 'yargs';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { defaultWorkerCount } from '../../inference/defaults.ts';
import { cancelOnSignals, displayPath, print, reportError, testTaskDelay, usageError } from '../io.ts';

export interface WorkArgs {
  benchmark: string; db: string; json: boolean; workers: number; run?: number; create: boolean; submissions?: string[]; taskRows?: number;
  isolation: 'process' | 'thread'; maxAttempts: number; datasetKeyFile?: string; benchmarksDir?: string;
  receipt?: string; sign?: string; validator?: string;
}

/** `--queue run:<id>` is the same as `--run <id>`. */
export function parseQueue(q: string): number {
  const m = /^run:(\d+)$/.exec(q);
  if (!m) throw usageError(`--queue must be run:<id> (a run id, as \`arbiter work --create\` prints), found ${JSON.stringify(q)}`);
  return Number(m[1]);
}

export async function runWorkCommand(args: WorkArgs): Promise<void> {
  // --create is one transaction: a signal's default (exit at once) leaves either the whole run or nothing.
  const cancel = args.create ? { signal: undefined, dispose: () => {} } : cancelOnSignals('this worker');
  try {
    const { loadBenchmark } = await import('../../benchmark/loader.ts');
    const b = loadBenchmark(args.benchmark, args.benchmarksDir);
    if (args.create) {
      if (args.run !== undefined) throw usageError('--create makes a new run: give either --create or --run/--queue, not both');
      const { createQueuedRun } = await import('../../run/work.ts');
      const q = await createQueuedRun({
        benchmark: b.file, db: args.db, submissions: args.submissions, taskRows: args.taskRows,
        ...(args.datasetKeyFile !== undefined ? { datasetKeyFile: args.datasetKeyFile } : {}),
      });
      if (args.json) print(JSON.stringify({ run: { id: q.runId }, queue: q.queue, submissions: q.submissions, queued: q.queued, settled: q.settled }));
      else {
        print(`run ${q.runId} · ${b.spec.id} v${b.spec.version} · ${q.queued} of ${q.submissions} submissions queued in ${q.queue}${q.settled ? ` (${q.settled} settled at admission)` : ''}`);
        print(`drain it with one or more: arbiter work ${b.spec.id} --run ${q.runId} --db ${args.db}`);
      }
      return;
    }
    if (args.submissions?.length || args.taskRows !== undefined) throw usageError('--submissions and --task-rows fix a new run: use them with --create');
    const { work } = await import('../../run/work.ts');
    const verbose = !args.json;
    const result = await work({
      benchmark: b.file, db: args.db, run: args.run, workers: args.workers, isolation: args.isolation, maxAttempts: args.maxAttempts,
      ...(args.datasetKeyFile !== undefined ? { datasetKeyFile: args.datasetKeyFile } : {}),
      signal: cancel.signal,
      ...(testTaskDelay() ? { hooks: testTaskDelay() } : {}),
      onEvent: (e) => {
        if (!verbose) return;
        if (e.kind === 'claimed') {
          process.stderr.write(`claimed ${e.item.participant} ${e.item.submission.slice(0, 12)}${e.item.takenOverFrom ? ` (attempt ${e.item.attempt}, taken over from ${e.item.takenOverFrom})` : ''}\n`);
        } else if (e.kind === 'completed') process.stderr.write(`${e.item.reason === 'scored' ? 'scored' : e.item.reason} ${e.item.participant} ${e.item.submission.slice(0, 12)}\n`);
      },
    });
    // leaderboard.live: public: until the release, the live run shows the public split only and
    // writes no receipt (a receipt carries the private scores), as `arbiter score` does.
    let view: 'public' | 'private' = 'private';
    if (result.result) {
      const { visibleLiveResult } = await import('../../run/final-set.ts');
      const { Store } = await import('../../store/store.ts');
      const store = Store.open(args.db, { read: true });
      try {
        const shown = visibleLiveResult(store, b, result.result);
        view = shown.view;
        result.result = shown.result;
      } finally { store.close(); }
    }
    let receiptPath: string | null = null;
    if (result.finishedHere && result.result && view === 'private') {
      const { writeRunReceipt } = await import('./score.ts');
      receiptPath = await writeRunReceipt(b, result.result, args);
    }
    if (args.json) print(JSON.stringify(view === 'public' ? { ...result, view } : result));
    else {
      const mine = result.worker.items.filter((i) => i.state === 'done' || i.state === 'failed').length;
      print(`run ${result.run.id} · ${b.spec.id} v${b.spec.version} · ${result.run.status}${result.finishedHere ? ' (ranked by this worker)' : ''} · this worker settled ${mine} submission${mine === 1 ? '' : 's'}`);
      if (result.result) {
        const { formatLeaderboard, colorsFor } = await import('../../report/leaderboard.ts');
        print(formatLeaderboard(result.result, 'table', { primaryMetric: b.primary, metricKeys: b.metricKeys, colors: colorsFor(process.stdout) }));
      }
    }
    if (receiptPath) process.stderr.write(`receipt ${displayPath(receiptPath)}\n`);
    else if (view === 'public' && result.finishedHere) process.stderr.write(`private ranking withheld: no receipt written (\`arbiter release ${b.spec.id}\` releases it)\n`);
  } catch (err) {
    reportError(err, args.json);
  } finally {
    cancel.dispose();
  }
}

export const workCommand = {
  command: 'work [benchmark]',
  describe: 'Drain a run\'s queue of submissions with several processes sharing one store (--create makes the run)',
  builder: (y: Argv) => y
    .positional('benchmark', { type: 'string', describe: 'benchmark id (under ./benchmarks or bundled) or path' })
    .option('b', { type: 'string', describe: 'the benchmark, as an option (same as the positional)' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file, shared by every worker (a local disk, never NFS)' })
    .option('create', { type: 'boolean', default: false, describe: 'create a run, admit its submissions and queue them (prints the run id); scores nothing' })
    .option('submissions', { alias: 's', type: 'string', array: true, describe: 'with --create: submission files or folders (default: the benchmark\'s submissions/ folder plus everything registered)' })
    .option('task-rows', { type: 'number', describe: 'with --create: rows per inference task, rounded to whole batches; default up to 32768, fewer for wide rows (speed only, never results)' })
    .option('run', { type: 'number', describe: 'the run to drain (default: the newest run of the benchmark that has a queue)' })
    .option('queue', { type: 'string', describe: 'the same as --run, as the queue is named: run:<id>' })
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount(), describe: 'inference workers of this process (it scores that many submissions at a time)' })
    .option('isolation', { choices: ['process', 'thread'] as const, default: 'process' as const, describe: 'inference in child processes under the spec\'s limits, or in worker threads; same scores either way' })
    .option('max-attempts', { type: 'number', default: 3, describe: 'a submission whose holder died this many times is failed with E_WORKER_CRASH' })
    .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted hidden set (default: ARBITER_DATASET_KEY)' })
    .option('receipt', { type: 'string', describe: 'where the worker that ranks the run writes its receipt (default: <db folder>/receipts/<benchmark>-run-<id>.json)' })
    .option('sign', { type: 'string', describe: 'Ed25519 private key (PEM) that signs that receipt' })
    .option('validator', { type: 'string', describe: 'the validator name recorded in the receipt' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object: the run\'s state, what this worker did, and the result once finished' })
    .example('$0 work tabular-demo --create --json', 'make run N and queue its submissions')
    .example('$0 work tabular-demo --run 3 --workers 1 & $0 work tabular-demo --run 3 --workers 1', 'two processes drain run 3; the last ranks it'),
  handler: (argv: Record<string, unknown>) => {
    let run = argv.run as number | undefined;
    const benchmark = (argv.benchmark as string | undefined) ?? (argv.b as string | undefined);
    try {
      if (!benchmark) throw usageError('name the benchmark: arbiter work <benchmark> (or -b <benchmark>)');
      if (argv.queue !== undefined) {
        const q = parseQueue(String(argv.queue));
        if (run !== undefined && run !== q) throw usageError(`--run ${run} and --queue ${String(argv.queue)} name different runs`);
        run = q;
      }
      const workers = argv.workers as number;
      if (!Number.isInteger(workers) || workers < 1) throw usageError(`--workers must be a positive integer, found ${workers}`);
      const maxAttempts = argv.maxAttempts as number;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw usageError(`--max-attempts must be a positive integer, found ${maxAttempts}`);
    } catch (err) {
      reportError(err, argv.json as boolean);
      return;
    }
    return runWorkCommand({
      benchmark: benchmark!, db: argv.db as string, json: argv.json as boolean, workers: argv.workers as number, run, create: argv.create as boolean,
      submissions: argv.submissions as string[] | undefined, taskRows: argv.taskRows as number | undefined,
      isolation: argv.isolation as 'process' | 'thread', maxAttempts: argv.maxAttempts as number,
      datasetKeyFile: argv.datasetKeyFile as string | undefined,
      receipt: argv.receipt as string | undefined, sign: argv.sign as string | undefined, validator: argv.validator as string | undefined,
    });
  },
};
