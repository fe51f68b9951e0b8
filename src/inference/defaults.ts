// The default worker count (one per core), which the command definitions show in --help. Kept
// free of heavy imports so that `arbiter --help` does not load onnxruntime or the worker pool.
import os from 'node:os';

export function defaultWorkerCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
