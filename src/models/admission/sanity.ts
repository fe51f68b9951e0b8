// The sanity run's verdict, as a pure function of the outputs a model gave on a few public rows:
// every contracted output present with the contracted shape (symbolic dims bound consistently),
// no NaN or Inf, and (if the rules say so) not the same output for every row. Each failure has the
// code the scoring run would give the same fault, so a participant sees one code whether the fault
// is caught early or late: E_MODEL_CONTRACT (shape), E_MODEL_OUTPUT (NaN/Inf); a constant output,
// which scoring would accept, is E_MODEL_SANITY. `details.check` names the check that failed.
import type { ErrorData } from '../../errors.ts';
import type { ModelContract } from './schema.ts';

export interface SanityOutput {
  dims: readonly number[];
  data: ArrayLike<number | bigint | string | boolean>;
  type?: string;
}

export interface SanityOptions {
  enabled?: boolean;
  rejectConstant: boolean;
}

/**
 * Check sanity-run outputs. `rows` is how many rows were fed; `bindings` fixes symbolic dims the
 * caller knows (the batch axis: `{ batch: rows }`). Returns null when the outputs are sane.
 */
export function checkSanity(
  outputs: Record<string, SanityOutput>, contract: ModelContract, rows: number, rules: SanityOptions,
  bindings: Record<string, number> = {}, name = 'submission',
): ErrorData | null {
  if (rules.enabled === false) return null;
  const bound = new Map<string, number>(Object.entries(bindings));
  const fail = (message: string, details: Record<string, unknown> = {}): ErrorData => {
    const check = typeof details.nan === 'number' ? 'finite' : details.constant ? 'constant' : 'shape';
    const code = check === 'finite' ? 'E_MODEL_OUTPUT' : check === 'constant' ? 'E_MODEL_SANITY' : 'E_MODEL_CONTRACT';
    const { constant: _c, ...rest } = details;
    return { code, message: `${name}: ${message}`, details: { check, ...rest } };
  };
  let allConstant = true;
  for (const want of contract.outputs) {
    const out = outputs[want.name];
    if (!out) return fail(`the sanity run gave no output '${want.name}': the contract expects outputs [${contract.outputs.map((o) => o.name).join(', ')}], the model gave [${Object.keys(outputs).sort().join(', ')}]`);
    const dims = [...out.dims];
    const shown = `[${dims.join(', ')}]`;
    const expected = `[${want.shape.join(', ')}]`;
    if (dims.length !== want.shape.length) return fail(`output '${want.name}' has shape ${shown} on ${rows} rows: the contract expects ${expected}`);
    for (let i = 0; i < dims.length; i++) {
      const w = want.shape[i]!;
      if (typeof w === 'number') {
        if (dims[i] !== w) return fail(`output '${want.name}' has shape ${shown} on ${rows} rows: the contract expects ${expected} (dim ${i} is ${dims[i]}, expected ${w})`);
      } else {
        const b = bound.get(w);
        if (b === undefined) bound.set(w, dims[i]!);
        else if (b !== dims[i]) return fail(`output '${want.name}' has shape ${shown} on ${rows} rows: the contract expects ${expected} with ${w} = ${b}`);
      }
    }
    const size = dims.reduce((a, b) => a * b, 1);
    if (out.data.length !== size) return fail(`output '${want.name}' holds ${out.data.length} values for shape ${shown} (expected ${size})`);
    if (want.dtype === 'float32' || want.dtype === 'float64' || want.dtype === 'float16') {
      let nan = 0;
      let inf = 0;
      let first = -1;
      for (let i = 0; i < size; i++) {
        const v = out.data[i] as number;
        if (Number.isNaN(v)) { nan++; if (first < 0) first = i; } else if (!Number.isFinite(v)) { inf++; if (first < 0) first = i; }
      }
      if (nan + inf > 0) return fail(`output '${want.name}' has ${nan} NaN and ${inf} infinite values on the sanity rows (first at flat index ${first}): outputs must be finite`, { nan, inf });
    }
    // Constant across rows: compare each row's slice along axis 0 with the first row's.
    if (dims.length > 0 && dims[0]! >= 2) {
      const per = size / dims[0]!;
      for (let r = 1; r < dims[0]! && allConstant; r++) {
        for (let k = 0; k < per; k++) {
          if (!Object.is(out.data[r * per + k], out.data[k])) { allConstant = false; break; }
        }
      }
    } else {
      allConstant = false; // one row, or a scalar: constancy cannot be judged
    }
  }
  if (rules.rejectConstant && rows >= 2 && allConstant) {
    return fail(`every output is identical for all ${rows} sanity rows: the benchmark refuses models whose outputs do not depend on the input (admission.sanity.rejectConstant)`, { constant: true, rows });
  }
  return null;
}
