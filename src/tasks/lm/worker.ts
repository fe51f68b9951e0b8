// Piscina worker entry for language-model tasks (the engine's `--isolation thread` mode): scores
// one batch with the LM runner (run-task.ts; loadLm caches the folder per worker). The default
// export is what `new Piscina({ filename: <this file> })` runs. A worker thread exists only to run
// models, so it silences the libraries' logging (they would print hidden inputs on a failure).
import { Piscina, move } from 'piscina';
import { runLmTask, silenceLibraryLogs, type LmTaskMessage, type LmTaskResult } from './run-task.ts';

export { runLmTask, type LmRunTask, type LmTaskMessage, type LmTaskResult } from './run-task.ts';

let silenced = false;

function buffersOf(r: LmTaskResult): ArrayBuffer[] {
  if (!r.ok) return [];
  return Object.values(r.scores).filter((v): v is Float64Array | Int32Array => ArrayBuffer.isView(v)).map((v) => v.buffer as ArrayBuffer);
}

export default async function lmWorker(t: LmTaskMessage): Promise<unknown> {
  if (!silenced) {
    silenceLibraryLogs();
    silenced = true;
  }
  const r = await runLmTask(t);
  // typed arrays go back transferred, not copied (piscina's Transferable protocol, stack-facts §4)
  return move({ [Piscina.transferableSymbol]: buffersOf(r), [Piscina.valueSymbol]: r } as any);
}
