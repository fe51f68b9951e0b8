// Hostile causal-LM graphs for the LM isolation tests: the causal-LM contract of tiny-lm.ts
// (inputs input_ids and attention_mask int64 [batch, seq], output logits float32
// [batch, seq, vocab]), written in code. One never finishes, one asks for a huge tensor shaped
// from its input, one fails at run time with a message that quotes a token id of its input.
// Folders are written with a word-level tokenizer (word-models.ts) so transformers.js loads them.
import { buildModel, type InitTensor, type NodeSpec } from '../../models/onnx/builder.ts';
import { wordTokenizerFiles } from '../../models/hf/word-models.ts';
import { writeLmFolder } from '../../models/hf/tiny-lm.ts';

const i64 = (name: string, values: bigint[], dims: number[] = [values.length]): InitTensor =>
  ({ name, dtype: 'int64', dims, data: BigInt64Array.from(values) });
const f32 = (name: string, values: number[], dims: number[] = [values.length]): InitTensor =>
  ({ name, dtype: 'float32', dims, data: Float32Array.from(values) });

const LM_INPUTS = [
  { name: 'input_ids', dtype: 'int64' as const, shape: ['batch', 'seq'] },
  { name: 'attention_mask', dtype: 'int64' as const, shape: ['batch', 'seq'] },
];

/** Nodes making `zeros`: float32 zeros [batch, seq, vocab] shaped from input_ids. */
function zerosNodes(vocab: number): { nodes: NodeSpec[]; initializers: InitTensor[] } {
  return {
    initializers: [i64('vocab_dim', [BigInt(vocab)])],
    nodes: [
      { op: 'Shape', inputs: ['input_ids'], outputs: ['bs'] },
      { op: 'Concat', inputs: ['bs', 'vocab_dim'], outputs: ['bsv'], attrs: { axis: 0 } },
      { op: 'ConstantOfShape', inputs: ['bsv'], outputs: ['zeros'], attrs: { value: { tensor: f32('zero', [0], [1]) } } },
    ],
  };
}

/** A Loop of 2^62 Sin steps over the zero logits: never returns, constant memory. */
export function sleepingLmOnnx(vocab: number): Uint8Array {
  const z = zerosNodes(vocab);
  return buildModel({
    inputs: LM_INPUTS,
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', vocab] }],
    initializers: [...z.initializers, i64('M', [1n << 62n], []), { name: 'C', dtype: 'bool', dims: [], data: Uint8Array.of(1) }],
    nodes: [...z.nodes, {
      op: 'Loop', inputs: ['M', 'C', 'zeros'], outputs: ['logits'],
      attrs: {
        body: {
          graph: {
            name: 'spin',
            inputs: [
              { name: 'i', dtype: 'int64', shape: [] },
              { name: 'c', dtype: 'bool', shape: [] },
              { name: 'x', dtype: 'float32', shape: ['batch', 'seq', vocab] },
            ],
            outputs: [
              { name: 'c_out', dtype: 'bool', shape: [] },
              { name: 'x_out', dtype: 'float32', shape: ['batch', 'seq', vocab] },
            ],
            nodes: [
              { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
              { op: 'Sin', inputs: ['x'], outputs: ['x_out'] },
            ],
          },
        },
      },
    }],
    opset: 17,
  });
}

/**
 * Zero logits plus the sum of a ones tensor [batch * 2^k, seq * 2^k] shaped at run time:
 * k = 14 asks for 1 GiB per token of the batch, which only a memory limit stops.
 */
export function memoryBombLmOnnx(vocab: number, k = 14): Uint8Array {
  const z = zerosNodes(vocab);
  const f = 1n << BigInt(k);
  return buildModel({
    inputs: LM_INPUTS,
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', vocab] }],
    initializers: [...z.initializers, i64('factor', [f, f])],
    nodes: [
      ...z.nodes,
      { op: 'Mul', inputs: ['bs', 'factor'], outputs: ['big'] },
      { op: 'ConstantOfShape', inputs: ['big'], outputs: ['ones'], attrs: { value: { tensor: f32('one', [1], [1]) } } },
      { op: 'ReduceSum', inputs: ['ones'], outputs: ['total'], attrs: { keepdims: 0 } },
      { op: 'Add', inputs: ['zeros', 'total'], outputs: ['logits'] },
    ],
    opset: 17,
  });
}

/**
 * Gathers each input token's row from a table of only `rows` entries: any token id >= rows makes
 * onnxruntime fail with a message that names that id (and transformers.js would print the
 * whole input_ids). The model under test must never let either reach a log or a record.
 */
export function outOfRangeLmOnnx(vocab: number, rows: number): Uint8Array {
  return buildModel({
    inputs: LM_INPUTS,
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', vocab] }],
    initializers: [f32('table', new Array<number>(rows * vocab).fill(0), [rows, vocab])],
    nodes: [{ op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['logits'], attrs: { axis: 0 } }],
    opset: 17,
  });
}

/** A causal-LM folder (model_type qwen3) with a word-level tokenizer and the given graph. */
export function writeGraphLmFolder(dir: string, vocab: Record<string, number>, onnx: Uint8Array): string {
  const t = wordTokenizerFiles(vocab);
  return writeLmFolder(dir, { onnx, config: { vocab_size: Object.keys(vocab).length, max_position_embeddings: 64 }, tokenizerJson: t.json, tokenizerConfig: t.config });
}
