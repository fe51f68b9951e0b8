// The fingerprint every run records: what the scores were made with. Two runs with the same
// fingerprint and inputs give identical bits.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { GRAPH_OPTIMIZATION_LEVEL } from './task.ts';
import { ENGINE_VERSION } from '../version.ts';
import type { Fingerprint } from '../results.ts';

export type { Fingerprint };

export { ENGINE_VERSION };

/** sha256 (first 16 hex) of the CPU feature flags: MLAS picks kernels by instruction set. */
function cpuFlagsHash(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    const flags = (line?.split(':')[1] ?? '').trim().split(/\s+/).sort().join(' ');
    return createHash('sha256').update(flags).digest('hex').slice(0, 16);
  } catch {
    return 'unknown';
  }
}

export function makeFingerprint(specHash: string, datasetSha256: string, batchSize: number): Fingerprint {
  return {
    engine: ENGINE_VERSION,
    onnxruntime: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cpuFlags: cpuFlagsHash(),
    specHash,
    datasetSha256,
    batchSize,
    graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL,
  };
}

/**
 * The installed @huggingface/transformers version, read from its package.json at run time (the
 * package does not export package.json, so walk up from its resolved entry point). 'unknown'
 * when it is not installed.
 */
export function transformersVersion(): string {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('@huggingface/transformers'));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@huggingface/transformers' && typeof pkg.version === 'string') return pkg.version;
      } catch { /* no package.json at this level */ }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'unknown';
  }
}

/** The fingerprint of a language-model run: the tabular one plus the transformers.js version. */
export function makeLmFingerprint(specHash: string, datasetSha256: string, batchSize: number): Fingerprint {
  return { ...makeFingerprint(specHash, datasetSha256, batchSize), transformers: transformersVersion() };
}
