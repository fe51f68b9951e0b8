// `arbiter runs`: every run in the store with its state and reason, and for a running run whether
// a live process holds it (a dead holder means: resume it).
import type { Argv } from 'yargs';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { print, reportError } from '../io.ts';

/** The last column: the reason, then the command that continues the run (unless a live process is on it), else the queue. */
function nextStep(r: import('../../run/runs.ts').RunStatus): string {
  const parts: string[] = [];
  if (r.reason) parts.push(r.reason);
  if (r.resume && !(r.status === 'running' && r.attended)) parts.push(`resume: ${r.resume}`);
  else if (r.queue) parts.push(`queue: ${r.queue.queued} queued, ${r.queue.claimed} claimed, ${r.queue.done + r.queue.failed} done`);
  return parts.join('; ');
}

export const runsCommand = {
  command: 'runs',
  describe: 'List runs with their state (finished, failed, cancelled, running), reason, and who holds them',
  builder: (y: Argv) => y
    .option('benchmark', { alias: 'b', type: 'string', describe: 'only runs of this benchmark id' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print {"runs": [...]} as one JSON object' })
    .example('$0 runs --json', 'every run, newest first, machine-readable'),
  handler: async (argv: Record<string, unknown>) => {
    try {
      const { existsSync } = await import('node:fs');
      const { ArbiterError } = await import('../../errors.ts');
      const db = argv.db as string;
      if (!existsSync(db)) throw new ArbiterError('E_STORE', `no store at ${db} (check --db)`, { file: db });
      const { Store } = await import('../../store/store.ts');
      const { runStatuses, stateLabel } = await import('../../run/runs.ts');
      const store = Store.open(db, { read: true });
      try {
        const runs = runStatuses(store, argv.benchmark as string | undefined, Date.now(), db);
        if (argv.json) { print(JSON.stringify({ runs })); return; }
        if (runs.length === 0) { print('no runs'); return; }
        const { formatTable, sanitizeTerminal } = await import('../../report/leaderboard.ts');
        print(formatTable(['run', 'benchmark', 'state', 'settled', 'reason / next step'], runs.map((r) => [
          String(r.id), r.benchmark, stateLabel(r), `${r.settled}/${r.submissions}`,
          sanitizeTerminal(nextStep(r)),
        ]), { align: ['right', 'left', 'left', 'right', 'left'] }));
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, argv.json as boolean);
    }
  },
};
