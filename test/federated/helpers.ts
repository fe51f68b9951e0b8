// Fixtures for the federated tests: a federation folder written in code (fresh party keys, a
// spec made of the given task/model/metrics sections), the union benchmark `arbiter score` scores
// for the exactness checks, and the CLI in process.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { generateKeyPair } from '../../src/receipts/sign.ts';
import { canonicalJson, sha256Hex } from '../../src/benchmark/canonical.ts';
import { federationBenchmarkSpec, loadFederation } from '../../src/federated/spec.ts';
import { arbiterInProcess } from '../cli-in-process.ts';

export const PARTIES = ['alice', 'bob', 'carol'] as const;

export interface Fed { dir: string; keys: Record<string, string>; pubs: Record<string, string> }

/** A federation folder: federation.yaml from `spec` (parties, keys and stakes added), keys/<party>.pem. */
export function writeFederation(dir: string, spec: Record<string, unknown>, stakes: Record<string, number> = { alice: 40, bob: 35, carol: 25 }): Fed {
  mkdirSync(path.join(dir, 'keys'), { recursive: true });
  const keys: Record<string, string> = {};
  const pubs: Record<string, string> = {};
  const parties = Object.keys(stakes).map((name) => {
    const pair = generateKeyPair();
    keys[name] = path.join(dir, 'keys', `${name}.pem`);
    pubs[name] = pair.publicKeyPem;
    writeFileSync(keys[name]!, pair.privateKeyPem, { mode: 0o600 });
    return { name, stake: stakes[name], publicKey: pair.publicKeyPem };
  });
  writeFileSync(path.join(dir, 'federation.yaml'), stringify({ ...spec, parties }));
  return { dir, keys, pubs };
}

/** benchmark.yaml for `arbiter score` on one data file under the federation's own view of it. */
export function writeUnionBenchmark(fedDir: string, data: string, out: string): string {
  const fed = loadFederation(fedDir);
  const spec = federationBenchmarkSpec(fed.spec, { path: path.resolve(data), sha256: sha256Hex(readFileSync(data)) });
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'benchmark.yaml'), canonicalJson(spec));
  return path.join(out, 'benchmark.yaml');
}

export function fl(args: string[], cwd: string) {
  return arbiterInProcess(['fl', ...args], { cwd });
}

export function arbiter(args: string[], cwd: string) {
  return arbiterInProcess(args, { cwd });
}
