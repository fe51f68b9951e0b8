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
  /**
   * true for byte-level BPE (Qwen, GPT-2, Llama 3): every token stands for exact bytes of the text,
   * so the bytes of a run of tokens are the sum of tokenBytes. Otherwise (WordLevel, WordPiece,
   * SentencePiece: spaces dropped, unknown text shown as "<unk>") the bytes of a cut piece are
   * measured on the source text instead (coveredBytes).
   */
  byteLevel?: boolean;
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
/**
 * UTF-8 bytes of the source text that tokens [lo, hi) of `text` cover, where `ids` = encode(text).
 * With P(i) the longest prefix of text (cut at a code point) that encodes to exactly ids[0, i),
 * tokens [lo, hi) cover text[|P(lo)|, |P(hi)|), with P(0) = "" and P(ids.length) = text: the spans
 * of consecutive runs add up to the whole text (spaces between words go to the token before them,
 * an unknown word counts its own bytes). Re-tokenizes prefixes: the cost grows with the square of
 * the piece length, and is paid only for a piece that truncation (or the first kept position) cuts.
 */
export function coveredBytes(text: string, ids: readonly number[], lo: number, hi: number, tok: LmTokenizer): number {
  if (lo >= hi) return 0;
  const cuts: number[] = [0];
  for (let c = 0; c < text.length; c++) {
    const code = text.charCodeAt(c);
    if (code >= 0xdc00 && code <= 0xdfff && c > 0) continue; // inside a surrogate pair
    if (c > 0) cuts.push(c);
  }
  cuts.push(text.length);
  const prefixEnd = (i: number): number => {
    if (i === 0) return 0;
    if (i >= ids.length) return text.length;
    let best = -1;
    for (const c of cuts) {
      const e = tok.encode(text.slice(0, c));
      if (e.length === i && e.every((v, k) => v === ids[k])) best = c;
    }
    // no prefix tokenizes to exactly these tokens (a merge across the cut): fall back to the per-token count
    return best;
  };
  const a = prefixEnd(lo);
  const b = prefixEnd(hi);
  if (a < 0 || b < 0) {
    let sum = 0;
    for (let j = lo; j < hi; j++) sum += tok.tokenBytes(ids[j]!);
    return sum;
  }
  return utf8.encode(text.slice(a, b)).length;
}

export function tokenizePieces(pieces: RenderPiece[], tok: LmTokenizer, contextLength: number, truncation: 'left' | 'right'): TokenizedExample {
  const ids: number[] = [];
  const pieceOf: number[] = [];
  const pieceIds: number[][] = [];
  const pieceStart: number[] = [];
  pieces.forEach((p, k) => {
    const e = tok.encode(p.text);
    pieceIds.push(e);
    pieceStart.push(ids.length);
    for (const id of e) { ids.push(id); pieceOf.push(k); }
  });
  const n = ids.length;
  const start = n > contextLength && truncation === 'left' ? n - contextLength : 0;
  const end = n > contextLength && truncation === 'right' ? contextLength : n;
  const keptIds = ids.slice(start, end);
  const scored = new Uint8Array(keptIds.length);
  const totalPerPiece = new Array<number>(pieces.length).fill(0);
  const scoredPerPiece = new Array<number>(pieces.length).fill(0);
  const scoredBytesPerPiece = new Array<number>(pieces.length).fill(0);
  // the scored tokens of a piece are one run: [first, last] in the piece's own token indices
  const firstScored = new Array<number>(pieces.length).fill(-1);
  const lastScored = new Array<number>(pieces.length).fill(-1);
  for (let j = 0; j < n; j++) totalPerPiece[pieceOf[j]!]++;
  for (let j = start + 1; j < end; j++) {
    const k = pieceOf[j]!;
    const p = pieces[k]!;
    if (p.kind === 'template') continue;
    scored[j - start] = 1;
    scoredPerPiece[k]++;
    if (firstScored[k] === -1) firstScored[k] = j - pieceStart[k]!;
    lastScored[k] = j - pieceStart[k]!;
    if (p.kind === 'content') scoredBytesPerPiece[k] += tok.tokenBytes(ids[j]!);
  }
  let byteCount = 0;
  pieces.forEach((p, k) => {
    if (p.kind !== 'content' || scoredPerPiece[k] === 0) return;
    if (scoredPerPiece[k] === totalPerPiece[k]) byteCount += utf8.encode(p.text).length;
    else if (tok.byteLevel) byteCount += scoredBytesPerPiece[k]!;
    else byteCount += coveredBytes(p.text, pieceIds[k]!, firstScored[k]!, lastScored[k]! + 1, tok);
  });
  return { ids: keptIds, scored, byteCount, truncated: n - keptIds.length };
}
