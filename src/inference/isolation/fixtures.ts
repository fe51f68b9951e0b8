// Hostile and well-behaved ONNX models for the isolation tests and bench, written in code.
// A "model that sleeps forever" (a Loop with an astronomically large trip count), one that
// allocates without bound (a Loop whose scan output grows by 1 MiB per iteration), one that asks
// for one huge tensor shaped at run time, and a small MLP that behaves.
import { buildModel, gaussian, mlpModel, mulberry32, type InitTensor } from '../../models/onnx/builder.ts';

/** Input X float32 [batch, 4] -> Y float32 [batch, 4]; the contract every fixture here shares. */
export const FIXTURE_FEATURES = 4;

const i64 = (name: string, values: bigint[], dims: number[] = [values.length]): InitTensor =>
  ({ name, dtype: 'int64', dims, data: BigInt64Array.from(values) });
const bool = (name: string, v: boolean): InitTensor => ({ name, dtype: 'bool', dims: [], data: Uint8Array.of(v ? 1 : 0) });

/** A Loop that runs 2^62 iterations of Sin: never finishes, constant memory. */
export function sleepForeverModel(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'X', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] }],
    outputs: [{ name: 'Y', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] }],
    initializers: [i64('M', [1n << 62n], []), bool('C', true)],
    nodes: [{
      op: 'Loop', inputs: ['M', 'C', 'X'], outputs: ['Y'],
      attrs: {
        body: {
          graph: {
            name: 'spin',
            inputs: [
              { name: 'i', dtype: 'int64', shape: [] },
              { name: 'c', dtype: 'bool', shape: [] },
              { name: 'x', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] },
            ],
            outputs: [
              { name: 'c_out', dtype: 'bool', shape: [] },
              { name: 'x_out', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] },
            ],
            nodes: [
              { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
              { op: 'Sin', inputs: ['x'], outputs: ['x_out'] },
            ],
          },
        },
      },
    }],
  });
}

/** A Loop whose scan output gains 1 MiB (262144 floats set to 1) per iteration, 2^62 times. */
export function leakForeverModel(): Uint8Array {
  const chunk: InitTensor = { name: 'chunk', dtype: 'int64', dims: [1], data: BigInt64Array.of(262144n) };
  const one: InitTensor = { name: 'one', dtype: 'float32', dims: [1], data: Float32Array.of(1) };
  return buildModel({
    inputs: [{ name: 'X', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] }],
    outputs: [
      { name: 'Y', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] },
      { name: 'trace', dtype: 'float32', shape: ['steps', 262144] },
    ],
    initializers: [i64('M', [1n << 62n], []), bool('C', true)],
    nodes: [{
      op: 'Loop', inputs: ['M', 'C', 'X'], outputs: ['Y', 'trace'],
      attrs: {
        body: {
          graph: {
            name: 'leak',
            initializers: [chunk],
            inputs: [
              { name: 'i', dtype: 'int64', shape: [] },
              { name: 'c', dtype: 'bool', shape: [] },
              { name: 'x', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] },
            ],
            outputs: [
              { name: 'c_out', dtype: 'bool', shape: [] },
              { name: 'x_out', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] },
              { name: 'grow', dtype: 'float32', shape: [262144] },
            ],
            nodes: [
              { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
              { op: 'Identity', inputs: ['x'], outputs: ['x_out'] },
              { op: 'ConstantOfShape', inputs: ['chunk'], outputs: ['grow'], attrs: { value: { tensor: one } } },
            ],
          },
        },
      },
    }],
  });
}

/**
 * One tensor whose shape is computed from the input at run time: [batch * 2^k, 4 * 2^k] floats
 * filled with ones, then summed. k = 20 asks for 16 TiB per row of batch (refused at once);
 * k = 14 asks for 4 GiB per row of batch, which an unlimited process would really touch.
 */
export function hugeTensorModel(k = 20): Uint8Array {
  const one: InitTensor = { name: 'one', dtype: 'float32', dims: [1], data: Float32Array.of(1) };
  const f = BigInt(1) << BigInt(k);
  return buildModel({
    inputs: [{ name: 'X', dtype: 'float32', shape: ['batch', FIXTURE_FEATURES] }],
    outputs: [{ name: 'Y', dtype: 'float32', shape: [] }],
    initializers: [i64('factor', [f, f])],
    nodes: [
      { op: 'Shape', inputs: ['X'], outputs: ['s'] },
      { op: 'Mul', inputs: ['s', 'factor'], outputs: ['big'] },
      { op: 'ConstantOfShape', inputs: ['big'], outputs: ['ones'], attrs: { value: { tensor: one } } },
      { op: 'ReduceSum', inputs: ['ones'], outputs: ['Y'], attrs: { keepdims: 0 } },
    ],
  });
}

/** A well-behaved MLP 4 -> hidden -> 4 with seeded weights (softmax output). */
export function goodModel(seed = 7, hidden = 16): Uint8Array {
  const g = gaussian(mulberry32(seed));
  const layer = (inF: number, outF: number) => ({
    inF, outF,
    w: Float32Array.from({ length: inF * outF }, () => g() / Math.sqrt(inF)),
    b: Float32Array.from({ length: outF }, () => g() * 0.1),
  });
  return mlpModel({ inputName: 'X', outputName: 'Y', softmax: true, weights: [layer(FIXTURE_FEATURES, hidden), layer(hidden, FIXTURE_FEATURES)] });
}

/** Seeded rows for the fixtures: n x 4 float32. */
export function fixtureRows(n: number, seed = 1): Float32Array {
  const g = gaussian(mulberry32(seed));
  return Float32Array.from({ length: n * FIXTURE_FEATURES }, () => g());
}
