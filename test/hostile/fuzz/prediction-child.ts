// Child process of the fuzz test's prediction surfaces: loads one prediction file per request
// (loadPredictions, then lookup against the hidden ids and the extra-id check) and replies with the
// outcome. Runs with a small heap cap so an allocation bomb kills this child, not the test runner.
import { ArbiterError } from '../../../src/errors.ts';
import { checkNoExtraPredictions, loadPredictions, lookupPredictions } from '../../../src/models/predictions.ts';
import { loadBenchmark, parseBenchmark, type LoadedBenchmark } from '../../../src/benchmark/loader.ts';
import { HIDDEN_IDS, REGRESSION_SPEC } from './predictions.ts';

export interface PredictionRequest { id: number; file: string; classification: boolean; needsProbabilities: boolean; specDir: string }
/** `cpuMs`: CPU time the child spent on this file (start-up excluded). */
export interface PredictionReply { id: number; outcome: string; crash?: string; cpuMs: number }

let demo: LoadedBenchmark | undefined;
let regression: LoadedBenchmark | undefined;

process.on('message', (req: PredictionRequest) => {
  void (async () => {
    demo ??= loadBenchmark('tabular-demo');
    regression ??= parseBenchmark(REGRESSION_SPEC, `${req.specDir}/benchmark.yaml`);
    let reply: Omit<PredictionReply, 'cpuMs'>;
    const c0 = process.cpuUsage();
    try {
      const table = await loadPredictions(req.file, req.classification ? demo : regression, req.needsProbabilities);
      lookupPredictions(table, HIDDEN_IDS, HIDDEN_IDS.length, req.file);
      checkNoExtraPredictions(table, req.file);
      reply = { id: req.id, outcome: 'ok' };
    } catch (e) {
      reply = e instanceof ArbiterError && e.code !== 'E_INTERNAL'
        ? { id: req.id, outcome: e.code }
        : { id: req.id, outcome: 'crash', crash: `${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? String(e)}`.slice(0, 300) };
    }
    const cpu = process.cpuUsage(c0);
    process.send!({ ...reply, cpuMs: (cpu.user + cpu.system) / 1000 });
  })();
});
