// The federated demo's world, all from seeded generators (benchmarks/fl-demo, `arbiter fl demo`):
// three parties (hospitals, say) holding non-IID local sets of 3 classes of points in 8
// dimensions (each party sees mostly one class, and sets of different sizes), the parties' own
// training sets, and four rounds of a softmax-regression model trained by federated averaging
// (local gradient steps from the global model, averaged by training rows), exported with the
// project's ONNX builder. Round 3's average takes in a corrupted update (a party's weights blown
// up), so its model is worse and the federation should reject it; round 4 starts again from the
// last accepted model. Party signing keys are derived from fixed seeds, so the federation.yaml in
// benchmarks/fl-demo can list their public keys. Everything is offline and deterministic.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gaussian, mlpModel, mulberry32 } from '../models/onnx/builder.ts';
import { loadPackSchema, packDataset } from '../data/pack.ts';

export const FL_FEATURES = 8;
export const FL_CLASSES = 3;
export const FL_PARTIES = ['alice', 'bob', 'carol'] as const;
export type FlParty = (typeof FL_PARTIES)[number];
export const FL_ROUNDS = 4;
/** The round whose average takes in a corrupted update (and should be rejected). */
export const FL_BAD_ROUND = 3;

/** Each party's class mix (non-IID: mostly one class) and set sizes. */
const MIX: Record<FlParty, { weights: number[]; evalRows: number; trainRows: number; firstId: number }> = {
  alice: { weights: [0.7, 0.2, 0.1], evalRows: 240, trainRows: 300, firstId: 1_000 },
  bob: { weights: [0.15, 0.7, 0.15], evalRows: 180, trainRows: 220, firstId: 100_000 },
  carol: { weights: [0.1, 0.2, 0.7], evalRows: 300, trainRows: 260, firstId: 200_000 },
};

export interface FlRows { ids: bigint[]; features: Float32Array; labels: Int32Array }

function centres(): Float64Array {
  const g = gaussian(mulberry32(15));
  return Float64Array.from({ length: FL_CLASSES * FL_FEATURES }, () => 1.4 * g());
}

/** `n` rows of a party's class mix; ids increase from `firstId` in irregular steps. */
export function partyRows(party: FlParty, n: number, seed: number, firstId: number): FlRows {
  const mix = MIX[party].weights;
  const rand = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x5bd1e995));
  const c0 = centres();
  const ids: bigint[] = [];
  const features = new Float32Array(n * FL_FEATURES);
  const labels = new Int32Array(n);
  let id = firstId;
  for (let r = 0; r < n; r++) {
    id += 1 + Math.floor(rand() * 5);
    ids.push(BigInt(id));
    const u = rand();
    const c = u < mix[0]! ? 0 : u < mix[0]! + mix[1]! ? 1 : 2;
    labels[r] = c;
    for (let j = 0; j < FL_FEATURES; j++) features[r * FL_FEATURES + j] = Math.fround(c0[c * FL_FEATURES + j]! + 1.6 * g());
  }
  return { ids, features, labels };
}

const seedOf = (party: FlParty, what: number) => 4242 + FL_PARTIES.indexOf(party) * 100 + what;

/** A party's local evaluation set (what it scores each round's model on; never leaves it). */
export function evalRows(party: FlParty): FlRows {
  return partyRows(party, MIX[party].evalRows, seedOf(party, 1), MIX[party].firstId);
}

/** A party's training set (what its local updates are fitted on). */
export function trainRows(party: FlParty): FlRows {
  return partyRows(party, MIX[party].trainRows, seedOf(party, 2), MIX[party].firstId + 50_000);
}

/** Softmax-regression weights: W [FEATURES x CLASSES] row-major, b [CLASSES]. */
export interface FlWeights { w: Float64Array; b: Float64Array }

const zeroWeights = (): FlWeights => ({ w: new Float64Array(FL_FEATURES * FL_CLASSES), b: new Float64Array(FL_CLASSES) });

/** `steps` full-batch gradient steps of cross-entropy from `start` (a copy is returned). */
export function localUpdate(start: FlWeights, rows: FlRows, steps: number, lr: number): FlWeights {
  const w = Float64Array.from(start.w);
  const b = Float64Array.from(start.b);
  const n = rows.labels.length;
  const gw = new Float64Array(w.length);
  const gb = new Float64Array(b.length);
  const z = new Float64Array(FL_CLASSES);
  for (let s = 0; s < steps; s++) {
    gw.fill(0);
    gb.fill(0);
    for (let r = 0; r < n; r++) {
      let max = -Infinity;
      for (let c = 0; c < FL_CLASSES; c++) {
        let v = b[c]!;
        for (let j = 0; j < FL_FEATURES; j++) v += rows.features[r * FL_FEATURES + j]! * w[j * FL_CLASSES + c]!;
        z[c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < FL_CLASSES; c++) { z[c] = Math.exp(z[c]! - max); sum += z[c]!; }
      for (let c = 0; c < FL_CLASSES; c++) {
        const d = z[c]! / sum - (rows.labels[r] === c ? 1 : 0);
        gb[c]! += d;
        for (let j = 0; j < FL_FEATURES; j++) gw[j * FL_CLASSES + c]! += d * rows.features[r * FL_FEATURES + j]!;
      }
    }
    for (let i = 0; i < w.length; i++) w[i]! -= (lr * gw[i]!) / n;
    for (let c = 0; c < b.length; c++) b[c]! -= (lr * gb[c]!) / n;
  }
  return { w, b };
}

/** Federated averaging: the updates weighted by their parties' training rows. */
export function fedAvg(updates: ReadonlyArray<{ weights: FlWeights; rows: number }>): FlWeights {
  const out = zeroWeights();
  const total = updates.reduce((s, u) => s + u.rows, 0);
  for (const u of updates) {
    for (let i = 0; i < out.w.length; i++) out.w[i]! += (u.weights.w[i]! * u.rows) / total;
    for (let c = 0; c < out.b.length; c++) out.b[c]! += (u.weights.b[c]! * u.rows) / total;
  }
  return out;
}

/**
 * The four rounds' global models. Round r starts from the last model the federation accepted
 * (the demo's script assumes round 3 is rejected, as the vote then decides), each party takes
 * local steps on its training set, and the updates are averaged. Round 3's average takes in a
 * corrupted update (one party's weights scaled by -3: a broken client), so it is worse.
 */
export function demoRoundWeights(): FlWeights[] {
  const rounds: FlWeights[] = [];
  let accepted = zeroWeights();
  for (let r = 1; r <= FL_ROUNDS; r++) {
    const updates = FL_PARTIES.map((p) => ({ weights: localUpdate(accepted, trainRows(p), 3, 0.5), rows: MIX[p].trainRows }));
    if (r === FL_BAD_ROUND) {
      const broken = updates[1]!.weights;
      for (let i = 0; i < broken.w.length; i++) broken.w[i] = -3 * broken.w[i]!;
    }
    const avg = fedAvg(updates);
    rounds.push(avg);
    if (r !== FL_BAD_ROUND) accepted = avg;
  }
  return rounds;
}

/** ONNX bytes of a round's model: features [batch, 8] float32 -> probabilities [batch, 3]. */
export function roundModelOnnx(w: FlWeights): Uint8Array {
  return mlpModel({
    inputName: 'features', outputName: 'probabilities', softmax: true,
    weights: [{ w: Float32Array.from(w.w), b: Float32Array.from(w.b), inF: FL_FEATURES, outF: FL_CLASSES }],
  });
}

const PACK_SCHEMA = [
  'id: id',
  'columns:',
  '  - { name: id, type: int64 }',
  `  - { name: features, type: float32, size: ${FL_FEATURES}, from: [${Array.from({ length: FL_FEATURES }, (_, j) => `f${j}`).join(', ')}] }`,
  '  - { name: label, type: int32, label: true }',
  '',
].join('\n');

/** Write rows as an Arrow IPC stream (through `arbiter dataset pack`'s code, from a CSV beside it). */
export function writeFlRows(rows: FlRows, file: string): { sha256: string; rows: number } {
  mkdirSync(path.dirname(file), { recursive: true });
  const csv = file.replace(/\.arrow$/, '') + '.csv';
  const lines = [['id', ...Array.from({ length: FL_FEATURES }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let r = 0; r < rows.labels.length; r++) {
    // shortest round-trip text of the float32 values: the packed floats are the generated ones
    lines.push([rows.ids[r]!.toString(), ...Array.from(rows.features.subarray(r * FL_FEATURES, (r + 1) * FL_FEATURES), String), String(rows.labels[r])].join(','));
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const schema = path.join(path.dirname(file), 'schema.yaml');
  writeFileSync(schema, PACK_SCHEMA);
  const res = packDataset(csv, loadPackSchema(schema), file);
  return { sha256: res.sha256, rows: res.rows };
}

/** Concatenate rows (the union of the parties' sets, for checking the global score). */
export function concatRows(parts: readonly FlRows[]): FlRows {
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const out: FlRows = { ids: [], features: new Float32Array(n * FL_FEATURES), labels: new Int32Array(n) };
  let at = 0;
  for (const p of parts) {
    out.ids.push(...p.ids);
    out.features.set(p.features, at * FL_FEATURES);
    out.labels.set(p.labels, at);
    at += p.labels.length;
  }
  return out;
}

// PKCS#8 DER of an Ed25519 private key is this prefix and the 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A demo party's Ed25519 key pair, derived from a fixed seed (demo only: anyone can derive it). */
export function demoPartyKey(party: string): { privateKey: KeyObject; privatePem: string; publicPem: string } {
  const seed = createHash('sha256').update(`arbiter fl-demo party key: ${party}`).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}
