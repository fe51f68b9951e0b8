// Weights of a decoded ONNX model: every stored tensor (initializers, sparse initializers, Constant
// node values, in subgraphs too), their element counts, a check that the stored data matches the
// declared shape, and a content hash that ignores names and graph structure (for duplicate weights).
import { createHash } from 'node:crypto';
import type { OnnxGraph, OnnxModel, OnnxTensor } from '../onnx/proto.ts';

/** Bits per element for ONNX TensorProto.DataType codes (0 = not a fixed-width type). */
const ELEM_BITS: Record<number, number> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 14: 64, 15: 128, 16: 16,
  17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4,
};
export const STRING_DTYPE = 8;

export function knownDtype(code: number | undefined): boolean {
  return code !== undefined && (code === STRING_DTYPE || ELEM_BITS[code] !== undefined);
}

export interface StoredTensor {
  tensor: OnnxTensor;
  /** Where it was found, for messages: `initializer 'W0'`, `Constant node 'c1'`. */
  where: string;
}

/** Every tensor stored in the model, in a deterministic walk order (graph order, then subgraphs). */
export function storedTensors(model: OnnxModel): StoredTensor[] {
  const out: StoredTensor[] = [];
  const walk = (g: OnnxGraph | undefined, depth: number): void => {
    if (!g || depth > 64) return;
    for (const t of g.initializer ?? []) out.push({ tensor: t, where: `initializer '${t.name ?? ''}'` });
    for (const s of (g.sparseInitializer ?? []) as Array<{ values?: OnnxTensor; indices?: OnnxTensor }>) {
      if (s.values) out.push({ tensor: s.values, where: `sparse initializer '${s.values.name ?? ''}' values` });
      if (s.indices) out.push({ tensor: s.indices, where: `sparse initializer '${s.values?.name ?? ''}' indices` });
    }
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (a.t) out.push({ tensor: a.t, where: `${n.opType ?? '?'} node '${n.name ?? ''}' attribute '${a.name ?? ''}'` });
        if (a.g) walk(a.g, depth + 1);
        for (const sg of a.graphs ?? []) walk(sg, depth + 1);
      }
    }
  };
  walk(model.graph, 0);
  return out;
}

/** Element count from dims, or an error string when dims are negative, fractional or overflow 2^53. */
export function elementCount(dims: readonly number[] | undefined): number | string {
  let n = 1;
  for (const d of dims ?? []) {
    if (!Number.isSafeInteger(d) || d < 0) return `dimension ${d} is not a non-negative integer`;
    n *= d;
    if (!Number.isSafeInteger(n)) return `dimensions [${(dims ?? []).join(', ')}] overflow 2^53 elements`;
  }
  return n;
}

export function isExternal(t: OnnxTensor): boolean {
  return t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0;
}

/** Bytes the tensor's data must occupy in raw / external form. */
export function expectedRawBytes(t: OnnxTensor, count: number): number {
  return Math.ceil((count * (ELEM_BITS[t.dataType ?? 0] ?? 0)) / 8);
}

/** Why the stored data does not match the declared dims and type, or null when it does (non-external tensors). */
export function dataMismatch(t: OnnxTensor, count: number): string | null {
  const dt = t.dataType ?? 0;
  if (dt === STRING_DTYPE) {
    const n = t.stringData?.length ?? 0;
    return n === count ? null : `declares ${count} strings, holds ${n}`;
  }
  if (t.rawData && t.rawData.length > 0) {
    const want = expectedRawBytes(t, count);
    return t.rawData.length === want ? null : `declares ${count} elements (${want} bytes), holds ${t.rawData.length} bytes of raw data`;
  }
  const typed = typedValues(t);
  const n = typed?.length ?? 0;
  // 4-bit types pack two values per int32_data entry.
  const want = ELEM_BITS[dt] === 4 ? Math.ceil(count / 2) : count;
  return n === want ? null : `declares ${count} elements, holds ${n}`;
}

function typedValues(t: OnnxTensor): number[] | undefined {
  switch (t.dataType) {
    case 1: return t.floatData;
    case 7: return t.int64Data;
    case 11: return t.doubleData;
    case 12: case 13: return t.uint64Data;
    default: return t.int32Data;
  }
}

/**
 * Canonical little-endian bytes of a tensor's values (raw_data as stored; typed fields re-encoded).
 * `external` supplies the bytes of an external tensor. Returns null when the values cannot be read.
 */
export function canonicalTensorBytes(t: OnnxTensor, external?: Uint8Array): Uint8Array | null {
  if (isExternal(t)) return external ?? null;
  const dt = t.dataType ?? 0;
  if (dt === STRING_DTYPE) {
    const parts: Buffer[] = [];
    for (const s of t.stringData ?? []) {
      const len = Buffer.alloc(4); len.writeUInt32LE(s.length); parts.push(len, Buffer.from(s));
    }
    return Buffer.concat(parts);
  }
  if (t.rawData && t.rawData.length > 0) return t.rawData;
  const vals = typedValues(t) ?? [];
  const bits = ELEM_BITS[dt] ?? 0;
  const b = Buffer.alloc(Math.max(1, bits / 8) * vals.length);
  vals.forEach((v, i) => {
    switch (dt) {
      case 1: b.writeFloatLE(v, i * 4); break;
      case 11: b.writeDoubleLE(v, i * 8); break;
      case 7: b.writeBigInt64LE(BigInt(Math.trunc(v)), i * 8); break;
      case 12: case 13: b.writeBigUInt64LE(BigInt(Math.trunc(Math.abs(v))), i * 8); break;
      default: {
        const w = Math.max(1, bits / 8);
        if (w === 1) b[i] = v & 0xff; else if (w === 2) b.writeUInt16LE(v & 0xffff, i * 2); else b.writeInt32LE(v | 0, i * 4);
      }
    }
  });
  return b;
}

/** Hash of one tensor's type, dims and values (not its name). */
export function tensorContentHash(t: OnnxTensor, data: Uint8Array): string {
  const h = createHash('sha256');
  const head = Buffer.alloc(8 + 8 * (t.dims?.length ?? 0));
  head.writeUInt32LE(t.dataType ?? 0, 0);
  head.writeUInt32LE(t.dims?.length ?? 0, 4);
  (t.dims ?? []).forEach((d, i) => head.writeBigUInt64LE(BigInt(d), 8 + 8 * i));
  h.update(head);
  h.update(data);
  return h.digest('hex');
}

/**
 * Hash of the sorted per-tensor content hashes: equal for two models that store the same weights
 * under other names, in another order, or wrapped in a different graph.
 */
export function weightsHash(contentHashes: string[]): string {
  const sorted = [...contentHashes].sort();
  return createHash('sha256').update(`arbiter-weights-v1:${sorted.join(',')}`).digest('hex');
}
