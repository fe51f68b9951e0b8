// `arbiter submit`: admission-check a submission and register it for a benchmark.
import type { Argv } from 'yargs';
import { ArbiterError } from '../../errors.ts';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { print, reportError } from '../io.ts';

export const submitCommand = {
  command: 'submit <file>',
  describe: 'Check a submission against the benchmark contract and register it in the store',
  builder: (y: Argv) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'an .onnx model or a .csv/.arrow prediction file; for language-model benchmarks a model folder or .tar' })
    .option('benchmark', { alias: 'b', type: 'string', demandOption: true, describe: 'benchmark id (under ./benchmarks or bundled) or path' })
    .option('participant', { alias: 'p', type: 'string', describe: 'who submits (default: the file name without extension)' })
    .option('base-model', { type: 'string', describe: 'the model this one was fine-tuned from: a name (e.g. Qwen/Qwen3-0.6B) or the hash of a model in the store (a unique prefix of 8+ digits is stored as the full hash); shown by `arbiter models`' })
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (submission, participant, kind, id, baseModel)' })
    .example('$0 submit my-model.onnx -b tabular-demo -p alice', 'register alice\'s model; `arbiter score -b tabular-demo` then scores it')
    .example('$0 submit my-lm/ -b qwen-chat-demo --base-model Qwen/Qwen3-0.6B', 'register a fine-tune and the model it comes from (its lineage in `arbiter models show`)'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { loadBenchmark } = await import('../../benchmark/loader.ts');
      const { Store } = await import('../../store/store.ts');
      const { taskKindOf } = await import('../../tasks/index.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const kind = taskKindOf(b);
      const [f] = kind.collect([argv.file as string]);
      if (!f) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${argv.file}: expected a submission (${kind.name === 'tabular' ? 'a file' : 'a model folder or a .tar of one'})`);
      if (argv.participant) f.participant = argv.participant as string;
      const baseModel = argv.baseModel as string | undefined;
      const { checkBaseModelName } = await import('../../models/submission-file.ts');
      if (baseModel !== undefined) checkBaseModelName(baseModel);
      const store = Store.open(argv.db as string);
      try {
        await kind.checkOne(b, store, f);
        const rec = kind.register(store, b, f);
        const { declareBaseModel } = await import('../../run/models.ts');
        const stored = baseModel === undefined ? null : declareBaseModel(store, rec.id, baseModel);
        if (json) print(JSON.stringify({ submission: rec.sha256, participant: rec.participant, kind: rec.kind, id: rec.id, ...(stored === null ? {} : { baseModel: stored }) }));
        else print(`registered ${kind.name === 'tabular' ? rec.kind : 'model'} submission ${rec.sha256} for ${rec.participant} on ${b.spec.id} (#${rec.id})${stored === null ? '' : `, base model ${stored}`}`);
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, json);
    }
  },
};
