// Give a large burst of garbage back to the system now. Parsing a Qwen tokenizer.json (11 MB of
// JSON, ~120 MB of heap while parsed) leaves garbage that V8 collects only when the old generation
// next fills, so a process that parsed one kept ~130 MB more resident memory for the rest of a run
// (measured: the main process after admitting the qwen-chat-demo submissions, 266 MB resident; 128
// MB one second after a full collection). Called at points where a burst has just ended: after LM
// admission in the main process, after an LM worker loads a model. Garbage collection changes no
// value, only when memory is returned.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Run a full garbage collection (V8's `gc`, exposed once on first use); a no-op where that is not possible. */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
