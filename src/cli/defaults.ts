// Defaults the command definitions show in --help. Kept free of heavy imports so that
// `arbiter --help` does not load onnxruntime, SQLite or the worker pool.
import os from 'node:os';

export const DEFAULT_DB = '.arbiter/arbiter.db';

export function defaultWorkerCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
