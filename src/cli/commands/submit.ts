// `arbiter submit`: admission-check a submission and register it for a benchmark.
import { readFileSync } from 'node:fs';
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
    .option('db', { type: 'string', default: DEFAULT_DB, describe: 'SQLite store file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (submission, participant, kind, id)' })
    .example('$0 submit my-model.onnx -b tabular-demo -p alice', 'register alice\'s model; `arbiter score -b tabular-demo` then scores it'),
  handler: async (argv: Record<string, unknown>) => {
    const json = argv.json as boolean;
    try {
      const { loadBenchmark } = await import('../../benchmark/loader.ts');
      const { Store } = await import('../../store/store.ts');
      const { collectSubmissionFiles, kindOf, registerFile, regularFileSize, checkSubmissionSize, submissionByteLimit } = await import('../../tasks/tabular/submissions.ts');
      const { admitOnnxBytes } = await import('../../models/onnx/contract.ts');
      const { loadPredictions } = await import('../../models/predictions.ts');
      const { metricsNeed } = await import('../../fold/fold.ts');
      const b = loadBenchmark(argv.benchmark as string);
      const { isLmTaskType, requireModel } = await import('../../benchmark/schema.ts');
      if (isLmTaskType(b.spec.task.type)) {
        const { submitLm } = await import('./submit-lm.ts');
        await submitLm(b, argv.file as string, argv.participant as string | undefined, argv.db as string, json);
        return;
      }
      const [f] = collectSubmissionFiles([argv.file as string]);
      if (!f) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${argv.file}: expected a submission file`);
      if (argv.participant) f.participant = argv.participant as string;
      // size from lstat before a byte is read: a file over the limit is never loaded
      const limit = submissionByteLimit(b, kindOf(f.path));
      checkSubmissionSize(f.path, regularFileSize(f.path), limit);
      if (kindOf(f.path) === 'onnx') {
        const res = admitOnnxBytes(readFileSync(f.path), requireModel(b.spec).model, b.spec.batching.size, b.spec.batching.last === 'pad');
        if (!res.ok) throw new ArbiterError(res.error.code, res.error.message, res.error.details);
      } else {
        // What the file alone (or with the public sample) decides fails here, not at score time.
        const { checkPredictionFile, publicSampleIds } = await import('../../tasks/tabular/submit-checks.ts');
        const table = await loadPredictions(f.path, b, metricsNeed(b, 'probabilities'));
        checkPredictionFile(table, b, f.path, await publicSampleIds(b));
      }
      const store = Store.open(argv.db as string);
      try {
        const rec = registerFile(store, b.spec.id, f, limit);
        if (json) print(JSON.stringify({ submission: rec.sha256, participant: rec.participant, kind: rec.kind, id: rec.id }));
        else print(`registered ${rec.kind} submission ${rec.sha256} for ${rec.participant} on ${b.spec.id} (#${rec.id})`);
      } finally {
        store.close();
      }
    } catch (err) {
      reportError(err, json);
    }
  },
};
