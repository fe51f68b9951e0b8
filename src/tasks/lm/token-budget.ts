// Token-budget batching (issue 17): how one journaled batch of rows (`batching.size` rows, the
// unit of the journal, shards and resume) is cut into forward passes so that no pass holds more
// than `batching.maxTokens` padded tokens. A right-padded pass costs rows × its longest sequence,
// and everything the runtime allocates per position (the logits above all: vocabulary × 4 bytes
// each) scales with that product, so the budget bounds memory whatever the context length and row
// lengths. Pure: the cut depends only on the sequence lengths in order (the batch's rows, the
// spec, and the submission's own tokenizer), never on worker count, isolation, shard or timing.

/** Padded tokens of a right-padded pass over sequences of these lengths: count × longest. */
export function paddedTokens(lengths: readonly number[], start = 0, end = lengths.length): number {
  let longest = 0;
  for (let i = start; i < end; i++) longest = Math.max(longest, lengths[i]!);
  return (end - start) * longest;
}

/**
 * Cut sequences (in order) into consecutive passes [start, end): each pass takes the next
 * sequence while (its count + 1) × the longest so far stays within `maxTokens`; a sequence longer
 * than the budget on its own still runs, alone (the spec check keeps maxTokens >= contextLength,
 * so that happens only for the engine's own calls without a budget). `maxTokens` undefined: one
 * pass over everything (a spec without batching.maxTokens, today's fixed batch).
 */
export function tokenBudgetPasses(lengths: readonly number[], maxTokens: number | undefined): Array<[number, number]> {
  const n = lengths.length;
  if (n === 0) return [];
  if (maxTokens === undefined) return [[0, n]];
  const passes: Array<[number, number]> = [];
  let start = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const len = Math.max(1, lengths[i]!); // an empty sequence is padded to one position
    const wider = Math.max(longest, len);
    if (i > start && (i - start + 1) * wider > maxTokens) {
      passes.push([start, i]);
      start = i;
      longest = len;
    } else longest = wider;
  }
  passes.push([start, n]);
  return passes;
}
