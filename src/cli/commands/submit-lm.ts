// `arbiter submit` for language-model benchmarks: admission-check a model folder (or .tar of one)
// against the spec's LM rules, then register it by content hash (src/tasks/lm/submissions.ts).
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import type { LoadedBenchmark } from '../../benchmark/loader.ts';
import { Store } from '../../store/store.ts';
import { collectLmSubmissions, registerLmSubmission } from '../../tasks/lm/submissions.ts';
import { admitLmFolder } from '../../models/hf/admission.ts';
import { resolveModelFolder } from '../../models/hf/tar.ts';
import { admissionRulesOf, type LmTask } from '../../benchmark/lm-task.ts';
import { print } from '../io.ts';

export async function submitLm(b: LoadedBenchmark, file: string, participant: string | undefined, db: string, json: boolean): Promise<void> {
  const [f] = collectLmSubmissions([file]);
  if (!f) throw new ArbiterError('E_SUBMISSION_NOT_FOUND', `${file}: expected a model folder or a .tar of one`);
  if (participant) f.participant = participant;
  const task = b.spec.task as LmTask;
  const store = Store.open(db);
  try {
    const maxBytes = (task.maxModelBytes ?? 4 * 1024 ** 3) + 512 * 1024 ** 2;
    admitLmFolder(resolveModelFolder(f.path, path.join(store.blobDir, 'unpacked'), { maxBytes }), admissionRulesOf(task));
    const rec = registerLmSubmission(store, b.spec.id, f, maxBytes);
    if (json) print(JSON.stringify({ submission: rec.sha256, participant: rec.participant, kind: rec.kind, id: rec.id }));
    else print(`registered model submission ${rec.sha256} for ${rec.participant} on ${b.spec.id} (#${rec.id})`);
  } finally {
    store.close();
  }
}
