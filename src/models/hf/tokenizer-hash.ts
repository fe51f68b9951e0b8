// The identity of a tokenizer for admission (`approvedTokenizers`): the sha256 of every field of
// tokenizer.json that changes how text becomes tokens (or tokens become text). The vocabulary and
// merges are normalised ({ type, vocab: [[token, id], ...] sorted by id then token, merges:
// ["a b", ...] in rank order }, so that whitespace, key order and the two merge spellings do not
// change the hash); the model's other settings (unk token, byte fallback, ...), the normalizer,
// the pre-tokenizer (its regexes are code a submission brings), the post-processor, the decoder
// and the added tokens (sorted by id) are hashed as they are, in canonical JSON (RFC 8785).
// truncation and padding are not: the engine does its own. docs/language-models.md shows the
// recipe in Python.
import { createHash } from 'node:crypto';
import { ArbiterError } from '../../errors.ts';
import { canonicalize } from '../../benchmark/canonical.ts';

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

/** The canonical JSON text `tokenizerHash` hashes (see the header). */
export function tokenizerIdentity(tokenizerJson: unknown): string {
  const json = tokenizerJson as Record<string, unknown>;
  const model = json.model as Record<string, unknown>;
  const { type, vocab, merges } = normalisedTokenizer(tokenizerJson);
  const settings = Object.fromEntries(Object.entries(model).filter(([k]) => k !== 'vocab' && k !== 'merges' && k !== 'type'));
  const added = Array.isArray(json.added_tokens)
    ? [...(json.added_tokens as Array<Record<string, unknown>>)].sort((a, b) => Number(a.id) - Number(b.id)) : [];
  const field = (k: string) => (json[k] === undefined ? null : json[k]);
  try {
    return canonicalize({
      version: 'arbiter-tokenizer-v2',
      model: { type, vocab, merges, settings },
      normalizer: field('normalizer'), pre_tokenizer: field('pre_tokenizer'), post_processor: field('post_processor'),
      decoder: field('decoder'), added_tokens: added,
    });
  } catch (e) {
    throw new ArbiterError('E_TOKENIZER', `tokenizer.json cannot be hashed: ${(e as Error).message.slice(0, 200)}`, { file: 'tokenizer.json' });
  }
}

/** sha256 hex of every field that changes tokenisation (see the header). */
export function tokenizerHash(tokenizerJson: unknown): string {
  return createHash('sha256').update(tokenizerIdentity(tokenizerJson), 'utf8').digest('hex');
}
