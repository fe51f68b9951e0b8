// Turns rendered pieces into the token sequence a model sees, with per-token "scored" flags and
// byte lengths, then cuts it to the context length. Pure: the tokenizer comes in as an interface.
//
// Each piece is tokenized on its own (no special tokens added) and the ids are concatenated, so
// every token belongs to exactly one piece and the assistant mask is exact. For the byte-level
// BPE tokenizers of Qwen, GPT-2 and Llama 3 the pre-tokenizer already splits at these boundaries
// (newline / special token), so the ids equal those of tokenizing the whole text at once
// (asserted in test/tasks/lm/tokens.test.ts on the demo set).
import type { RenderPiece } from './render.ts';

/** The few tokenizer operations scoring needs (built from a transformers.js tokenizer in src/models/hf/load.ts). */
export interface LmTokenizer {
  /** ids of `text` with no special tokens added by a post-processor (special tokens written in the text are recognised) */
  encode(text: string): number[];
  /** UTF-8 bytes one token stands for (byte-level BPE: exact; other tokenizers: bytes of its decoded text) */
  tokenBytes(id: number): number;
}

export interface TokenizedExample {
  ids: number[];
  /** 1 where the token is predicted and counted (assistant content, or eos when the spec says so) */
  scored: Uint8Array;
  /** total NLL is divided by this many UTF-8 bytes for bits per byte */
  byteCount: number;
  /** tokens removed by truncation */
  truncated: number;
}

const utf8 = new TextEncoder();

/**
 * Tokenize pieces and truncate to `contextLength` tokens ('right' keeps the first tokens, 'left'
 * keeps the last). The first token of the kept window is never scored (nothing predicts it).
 * Bytes: a content piece whose tokens are all scored counts the UTF-8 bytes of its text; a piece
 * cut by truncation counts the bytes of its scored tokens; 'eos' pieces count 0 bytes.
 */
export function tokenizePieces(pieces: RenderPiece[], tok: LmTokenizer, contextLength: number, truncation: 'left' | 'right'): TokenizedExample {
  const ids: number[] = [];
  const pieceOf: number[] = [];
  pieces.forEach((p, k) => {
    for (const id of tok.encode(p.text)) { ids.push(id); pieceOf.push(k); }
  });
  const n = ids.length;
  const start = n > contextLength && truncation === 'left' ? n - contextLength : 0;
  const end = n > contextLength && truncation === 'right' ? contextLength : n;
  const keptIds = ids.slice(start, end);
  const scored = new Uint8Array(keptIds.length);
  const totalPerPiece = new Array<number>(pieces.length).fill(0);
  const scoredPerPiece = new Array<number>(pieces.length).fill(0);
  const scoredBytesPerPiece = new Array<number>(pieces.length).fill(0);
  for (let j = 0; j < n; j++) totalPerPiece[pieceOf[j]!]++;
  for (let j = start + 1; j < end; j++) {
    const p = pieces[pieceOf[j]!]!;
    if (p.kind === 'template') continue;
    scored[j - start] = 1;
    scoredPerPiece[pieceOf[j]!]++;
    if (p.kind === 'content') scoredBytesPerPiece[pieceOf[j]!] += tok.tokenBytes(ids[j]!);
  }
  let byteCount = 0;
  pieces.forEach((p, k) => {
    if (p.kind !== 'content' || scoredPerPiece[k] === 0) return;
    byteCount += scoredPerPiece[k] === totalPerPiece[k] ? utf8.encode(p.text).length : scoredBytesPerPiece[k]!;
  });
  return { ids: keptIds, scored, byteCount, truncated: n - keptIds.length };
}
