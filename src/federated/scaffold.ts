// `arbiter fl init <dir>`: a federation folder that validates at once and can run a round:
// federation.yaml (a 3-class tabular task, three parties with fresh Ed25519 keys and stakes, the
// acceptance rule, a reward pool), each party's key pair under keys/ (in a real federation every
// party makes its own with `arbiter keygen` and sends only the public half), a local set per party
// under data/ (seeded, non-IID: src/demo/fl-demo.ts) and a first round's model under models/.
// With secureAggregation, each party also gets an X25519 agreement key pair (keys/<party>.x25519.pem)
// whose public half the spec lists, and the spec says secureAggregation: true.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArbiterError } from '../errors.ts';
import { generateKeyPair } from '../receipts/sign.ts';
import { demoRoundWeights, evalRows, FL_PARTIES, roundModelOnnx, writeFlRows } from '../demo/fl-demo.ts';
import { FEDERATION_FILE, loadFederation } from './spec.ts';

export interface FlScaffoldResult { dir: string; id: string; specHash: string; files: string[] }

const GITIGNORE = `# Private keys: each belongs to its party alone (arbiter fl init).
keys/*.pem
!keys/*.pub.pem
`;

function specYaml(id: string, keys: Record<string, string>, agreement: Record<string, string> | null): string {
  const indent = (pem: string) => pem.trim().split('\n').map((l) => `      ${l}`).join('\n');
  const stakes: Record<string, number> = { alice: 40, bob: 35, carol: 25 };
  return `# A federation (docs/federated.md): every party scores each round's model on its own local set
# and sends a signed partial; \`arbiter fl aggregate\` merges them exactly and decides the round.
id: ${id}
version: 1
description: Three parties score each round's model on local sets that never leave them.
task:
  type: classification
  numClasses: 3
  labelColumn: label
  output: probabilities
model:
  inputs:
    - { name: features, column: features, dtype: float32, shape: [batch, 8] }
  outputs:
    - { name: probabilities, dtype: float32, shape: [batch, 3] }
  maxBytes: 1048576
data:
  idColumn: id
batching:
  size: 64
metrics:
  - name: log_loss
  - name: accuracy
  - name: macro_f1
acceptance:
  primary: log_loss
  minImprovement: "0.001"
  quorum: "0.6"
  majority: "0.5"
${agreement ? '# Parties mask their metric states with pairwise X25519 masks: the coordinator learns only the sum\n# (docs/federated-secure-aggregation.md).\nsecureAggregation: true\n' : ''}parties:
${FL_PARTIES.map((p) => `  - name: ${p}\n    stake: ${stakes[p]}\n    publicKey: |\n${indent(keys[p]!)}${agreement ? `\n    agreementKey: |\n${indent(agreement[p]!)}` : ''}`).join('\n')}
rewards:
  pool: "9000"
  scheme: stake
  penalty: "500"
`;
}

/** Create the federation folder `dir` (it must not exist, or be empty). */
export function scaffoldFederation(dir: string, opts: { secureAggregation?: boolean } = {}): FlScaffoldResult {
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    throw new ArbiterError('E_USAGE', `${abs} already exists and is not empty: arbiter fl init never overwrites; pick another folder`, { dir: abs });
  }
  const id = path.basename(abs).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'federation';
  mkdirSync(path.join(abs, 'keys'), { recursive: true });
  const pubs: Record<string, string> = {};
  const agreement: Record<string, string> | null = opts.secureAggregation ? {} : null;
  const files: string[] = [];
  for (const p of FL_PARTIES) {
    const pair = generateKeyPair();
    writeFileSync(path.join(abs, 'keys', `${p}.pem`), pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(path.join(abs, 'keys', `${p}.pub.pem`), pair.publicKeyPem);
    pubs[p] = pair.publicKeyPem;
    if (agreement) {
      const x = generateKeyPairSync('x25519');
      const pub = x.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      writeFileSync(path.join(abs, 'keys', `${p}.x25519.pem`), x.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
      writeFileSync(path.join(abs, 'keys', `${p}.x25519.pub.pem`), pub);
      agreement[p] = pub;
      files.push(`keys/${p}.x25519.pem`, `keys/${p}.x25519.pub.pem`);
    }
    writeFlRows(evalRows(p), path.join(abs, 'data', `${p}.arrow`));
    files.push(`keys/${p}.pem`, `keys/${p}.pub.pem`, `data/${p}.arrow`);
  }
  mkdirSync(path.join(abs, 'models'), { recursive: true });
  writeFileSync(path.join(abs, 'models', 'round-1.onnx'), roundModelOnnx(demoRoundWeights()[0]!));
  writeFileSync(path.join(abs, '.gitignore'), GITIGNORE);
  writeFileSync(path.join(abs, FEDERATION_FILE), specYaml(id, pubs, agreement));
  files.push('models/round-1.onnx', '.gitignore', FEDERATION_FILE);
  const fed = loadFederation(abs);
  return { dir: abs, id, specHash: fed.specHash, files: files.sort() };
}
