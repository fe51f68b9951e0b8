// `arbiter models`: the model registry (every submission and federated round model the store knows,
// with kind, size, parameters, base model, parent round, weights identity and every score) and
// `arbiter models show <hash>`: one model with its lineage chain. Reads the store only (it caches
// what it reads from model bytes when the store is writable).
import type { Argv } from 'yargs';
import { ArbiterError } from '../../errors.ts';
import { DEFAULT_DB } from '../../store/default-path.ts';
import type { ModelsFormat } from '../../report/models.ts';
import { print, reportError } from '../io.ts';

const FORMATS = ['table', 'json', 'csv', 'md'] as const;

function formatOf(argv: Record<string, unknown>): ModelsFormat {
  return argv.json ? 'json' : argv.format as ModelsFormat;
}

async function openStore(db: string) {
  const { existsSync } = await import('node:fs');
  if (!existsSync(db)) throw new ArbiterError('E_STORE', `no store at ${db} (check --db)`, { file: db });
  const { Store } = await import('../../store/store.ts');
  return Store.open(db, { read: true });
}

const common = (y: Argv) => y
  .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
  .option('format', { alias: 'f', choices: FORMATS, default: 'table' as const, describe: 'output format' })
  .option('json', { type: 'boolean', default: false, describe: 'the same as --format json' });

export const modelsCommand = {
  command: 'models',
  describe: 'List every model the store knows (submissions, federated round models): kind, bytes, parameters, base model, parent round, weights identity, scores',
  builder: (y: Argv) => common(y)
    .command({
      command: 'show <hash>',
      describe: 'One model (by its sha256 or a unique prefix) with its lineage chain and every score',
      builder: (yy: Argv) => common(yy)
        .positional('hash', { type: 'string', demandOption: true, describe: 'the model\'s sha256, or a prefix of it that names one model' })
        .example('$0 models show 3f2a9c1b7d4e', 'the model whose hash starts with 3f2a9c1b7d4e, its base model and parent rounds')
        .example('$0 models show 3f2a9c1b7d4e --json', '{"model": {...}, "lineage": [...]}'),
      handler: async (argv: Record<string, unknown>) => {
        const format = formatOf(argv);
        try {
          const store = await openStore(argv.db as string);
          try {
            const { showModel } = await import('../../run/models.ts');
            const { formatModelShow } = await import('../../report/models.ts');
            const { colorsFor } = await import('../../report/terminal.ts');
            const { model, lineage } = showModel(store, String(argv.hash));
            print(formatModelShow(model, lineage, format, format === 'table' ? colorsFor(process.stdout) : undefined));
          } finally {
            store.close();
          }
        } catch (err) {
          reportError(err, format === 'json');
        }
      },
    })
    .example('$0 models', 'every model in ./.arbiter/arbiter.db, oldest first')
    .example('$0 models --format csv > models.csv', 'full hashes and full-precision scores')
    .example('$0 models --json', '{"models": [...]}'),
  handler: async (argv: Record<string, unknown>) => {
    const format = formatOf(argv);
    try {
      const store = await openStore(argv.db as string);
      try {
        const { modelRegistry } = await import('../../run/models.ts');
        const { formatModels } = await import('../../report/models.ts');
        const { colorsFor } = await import('../../report/terminal.ts');
        const entries = modelRegistry(store);
        if (entries.length === 0 && format === 'table') { print('no models'); return; }
        print(formatModels(entries, format, format === 'table' ? colorsFor(process.stdout) : undefined));
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, format === 'json');
    }
  },
};
