// The identity of a tokenizer for admission: sha256 of its normalised vocabulary and merges.
// Normalised = canonical JSON of { type, vocab: [[token, id], ...] sorted by id then token,
// merges: ["a b", ...] in rank order }, so that whitespace, key order and the two merge
// spellings ("a b" vs ["a", "b"]) in tokenizer.json do not change the hash, while any change to
// a token, an id or a merge does. Added/special tokens, normalizer and pre-tokenizer are not part
// of the hash (a fine-tune may add its own special tokens; see docs/language-models.md).
import { createHash } from 'node:crypto';
import { ArbiterError } from '../../errors.ts';

export function normalisedTokenizer(tokenizerJson: unknown): { type: string; vocab: unknown[]; merges: string[] } {
  const model = (tokenizerJson as { model?: Record<string, unknown> } | null)?.model;
  if (!model || typeof model !== 'object') throw new ArbiterError('E_TOKENIZER', 'tokenizer.json has no "model" object', { file: 'tokenizer.json' });
  const type = typeof model.type === 'string' ? model.type : 'unknown';
  let vocab: unknown[];
  if (Array.isArray(model.vocab)) {
    vocab = model.vocab; // Unigram: [[piece, score], ...], order is the id
  } else if (model.vocab && typeof model.vocab === 'object') {
    vocab = Object.entries(model.vocab as Record<string, number>).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  } else {
    throw new ArbiterError('E_TOKENIZER', 'tokenizer.json model has no vocabulary', { file: 'tokenizer.json' });
  }
  const merges = Array.isArray(model.merges) ? model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : String(m))) : [];
  return { type, vocab, merges };
}

/** sha256 hex of the normalised vocabulary + merges. */
export function tokenizerHash(tokenizerJson: unknown): string {
  return createHash('sha256').update(JSON.stringify(normalisedTokenizer(tokenizerJson))).digest('hex');
}
