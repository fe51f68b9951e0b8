// Writes the demo competition's submissions: six participants' files covering a good, a
// medium and a poor model, a constant predictor, a model that breaks the output contract, a
// file that is not ONNX at all, plus a prediction file and a byte-identical copy (a duplicate).
// Seeded: running it again gives the same bytes (a test checks).
// Run: node --import tsx benchmarks/tabular-demo/make-submissions.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gaussian, mlpModel, mulberry32 } from '../../src/models/onnx/builder.ts';
import { CLASSES, FEATURES, HIDDEN_ROWS, NOISE, classMeans, ldaWeights, makeRows } from '../../datasets/tabular-demo/generate.ts';
import { HIDDEN_SEED } from '../../datasets/tabular-demo/make.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const HIDDEN = 256;

type Layer = { w: Float32Array; b: Float32Array; inF: number; outF: number };

/** An exact ReLU MLP for a linear map z = xW + b: relu(z) - relu(-z) = z, plus idle hidden units. */
function linearAsMlp(lin: { w: Float32Array; b: Float32Array }, seed: number): Layer[] {
  const g = gaussian(mulberry32(seed));
  const w1 = new Float32Array(FEATURES * HIDDEN);
  const b1 = new Float32Array(HIDDEN);
  for (let j = 0; j < FEATURES; j++) {
    for (let c = 0; c < CLASSES; c++) {
      w1[j * HIDDEN + c] = lin.w[j * CLASSES + c]!;
      w1[j * HIDDEN + CLASSES + c] = -lin.w[j * CLASSES + c]!;
    }
    for (let h = 2 * CLASSES; h < HIDDEN; h++) w1[j * HIDDEN + h] = Math.fround(0.1 * g());
  }
  for (let c = 0; c < CLASSES; c++) { b1[c] = lin.b[c]!; b1[CLASSES + c] = -lin.b[c]!; }
  const w2 = new Float32Array(HIDDEN * CLASSES);
  for (let c = 0; c < CLASSES; c++) { w2[c * CLASSES + c] = 1; w2[(CLASSES + c) * CLASSES + c] = -1; }
  return [
    { w: w1, b: b1, inF: FEATURES, outF: HIDDEN },
    { w: w2, b: new Float32Array(CLASSES), inF: HIDDEN, outF: CLASSES },
  ];
}

export function demoSubmissions(): Record<string, Uint8Array | string> {
  const s2 = NOISE * NOISE;
  const good = ldaWeights(classMeans(makeRows(4000, 11)), s2);
  const medium = ldaWeights(classMeans(makeRows(24, 12)), s2 * 2);
  const g = gaussian(mulberry32(13));
  const poor = { w: Float32Array.from({ length: FEATURES * CLASSES }, () => Math.fround(0.15 * g())), b: new Float32Array(CLASSES) };
  const linear = (l: { w: Float32Array; b: Float32Array }): Layer[] => [{ ...l, inF: FEATURES, outF: CLASSES }];
  const model = (layers: Layer[], outF = CLASSES) => mlpModel({ inputName: 'features', outputName: 'probabilities', weights: layers, softmax: true, outputShape: ['batch', outF] });

  const files: Record<string, Uint8Array | string> = {
    'alice.onnx': model(linearAsMlp(good, 21)),
    'bob.onnx': model(linear(medium)),
    'carol.onnx': model(linear(poor)),
    'dave.onnx': model(linear({ w: new Float32Array(FEATURES * CLASSES), b: new Float32Array(CLASSES) })),
    'erin.onnx': model([{ w: good.w.filter((_, i) => i % CLASSES !== 3), b: good.b.slice(0, 3), inF: FEATURES, outF: 3 }], 3),
    'frank.onnx': 'This is a text file with an .onnx name, not a model.\n',
  };
  files['heidi.onnx'] = files['alice.onnx']!;

  // grace runs her own model (the medium discriminant, in float64) and submits probabilities.
  const hidden = makeRows(HIDDEN_ROWS, HIDDEN_SEED);
  const lines = ['id,p0,p1,p2,p3'];
  for (let r = 0; r < HIDDEN_ROWS; r++) {
    const x = hidden.features.subarray(r * FEATURES, (r + 1) * FEATURES);
    const z = Array.from({ length: CLASSES }, (_, c) => {
      let s = medium.b[c]!;
      for (let j = 0; j < FEATURES; j++) s += Number(x[j]!.toFixed(3)) * medium.w[j * CLASSES + c]!;
      return s;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, v) => a + v, 0);
    const p = e.map((v) => v / sum);
    const rounded = p.slice(0, CLASSES - 1).map((v) => Number(v.toFixed(6)));
    rounded.push(Number((1 - rounded.reduce((a, v) => a + v, 0)).toFixed(6)));
    lines.push([hidden.ids[r]!.toString(), ...rounded.map((v) => v.toFixed(6))].join(','));
  }
  files['grace.csv'] = lines.join('\n') + '\n';
  return files;
}

export function writeDemoSubmissions(dir = path.join(here, 'submissions')): string[] {
  mkdirSync(dir, { recursive: true });
  const files = demoSubmissions();
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  return Object.keys(files);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeDemoSubmissions().join(', ')}`);
}
