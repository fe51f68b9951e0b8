// Nothing hidden reaches a log or a record when an LM submission fails on the hidden set. The
// failing model gathers each token's row from a table too short for the hidden words' ids:
// onnxruntime's message then names a hidden token id, and transformers.js prints the whole
// input_ids with console.error. `arbiter score` runs as a real process (what it writes to its
// file descriptors, including native logging and its children's output, is the point), in both
// isolation modes; its stdout, stderr, store file and receipt must hold no hidden word and no
// hidden token-id sequence.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLm } from '../../../src/models/hf/load.ts';
import { wordTableLm, wordVocab, writeWordLmFolder } from '../../../src/models/hf/word-models.ts';
import { outOfRangeLmOnnx, writeGraphLmFolder } from '../../../src/inference/isolation/lm-fixtures.ts';
import { REPO, tempDir } from '../../helpers.ts';

const FILLERS = Array.from({ length: 40 }, (_, i) => `w${i}`);
// distinctive hidden words: ids 43.. (3 specials + 40 fillers come first)
const SECRET = ['xylophonic', 'quagmirish', 'zenithal', 'obsidianesque', 'marzipanic', 'gossamerish'];
const VOCAB = wordVocab([...FILLERS, ...SECRET]);
const ROWS = 43; // the failing model's table covers ids 0..42: every hidden word is out of range

function writeBenchmark(dir: string): { dir: string; contexts: string[] } {
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 6 }, (_, r) => ({
    id: `h${r}`,
    context: `${SECRET[r]!} ${SECRET[(r + 1) % 6]!}`,
    choices: [SECRET[(r + 2) % 6]!, SECRET[(r + 3) % 6]!],
    label: r % 2,
  }));
  const jsonl = rows.map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(path.join(dir, 'data.jsonl'), jsonl);
  writeFileSync(path.join(dir, 'benchmark.yaml'), `id: lm-hidden
version: 1
task:
  type: multiple-choice
  contextLength: 16
dataset:
  path: data.jsonl
  format: choice-jsonl
  sha256: ${createHash('sha256').update(jsonl).digest('hex')}
batching:
  size: 3
metrics:
  - name: acc
split:
  key: lm-hidden-key
  publicFraction: 0.5
`);
  return { dir, contexts: rows.map((x) => x.context) };
}

/** The ways a token-id sequence gets printed: BigInt64Array / array inspection, JSON, CSV. */
function idSequences(words: string[]): string[] {
  const ids = words.map((w) => VOCAB[w]!);
  return [ids.map((i) => `${i}n`).join(', '), ids.join(', '), ids.join(','), ids.join(' ')];
}

describe('no hidden data in logs or records when an LM fails on the hidden set', () => {
  let root: string;
  let bench: { dir: string; contexts: string[] };
  let leaky: string;
  let good: string;
  beforeAll(() => {
    root = tempDir('arbiter-lm-hidden-');
    bench = writeBenchmark(path.join(root, 'bench'));
    leaky = writeGraphLmFolder(path.join(root, 'leaky'), VOCAB, outOfRangeLmOnnx(Object.keys(VOCAB).length, ROWS));
    good = writeWordLmFolder(path.join(root, 'good'), VOCAB, wordTableLm(VOCAB, () => Object.fromEntries(SECRET.map((w, i) => [w, -1 - i]))), { max_position_embeddings: 64 });
  });

  it('the fixture really is leaky: onnxruntime\'s own message names the hidden token id', async () => {
    const m = await loadLm(leaky, { intraOpNumThreads: 1, kind: 'causal-lm' });
    const id = VOCAB[SECRET[0]!]!;
    const err = await m.forward(BigInt64Array.of(BigInt(id)), BigInt64Array.of(1n), 1, 1).then(() => null, (e: Error) => e);
    expect(err?.message).toContain(String(id));
  });

  for (const isolation of ['process', 'thread'] as const) {
    it(`--isolation ${isolation}: stdout, stderr, store and receipt hold no hidden word or id sequence`, async () => {
      const db = path.join(root, `${isolation}.db`);
      const receipt = path.join(root, `${isolation}-receipt.json`);
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [
        path.join(REPO, 'bin/arbiter.js'), 'score', '-b', bench.dir, '-s', leaky, '-s', good,
        '--db', db, '--receipt', receipt, '--workers', '2', '--isolation', isolation, '--json',
      ], { cwd: root, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 2 ** 20 });
      const rows = (JSON.parse(stdout) as { rows: Array<{ participant: string; status: string; error: { code: string; message: string } | null }> }).rows;
      const by = Object.fromEntries(rows.map((x) => [x.participant, x]));
      expect(by.good!.status).toBe('scored');
      expect(by.leaky!.error!.code).toBe('E_MODEL_RUNTIME');
      expect(by.leaky!.error!.message).not.toMatch(/\d/); // not even one token id

      const places: Record<string, string> = {
        stdout, stderr, store: readFileSync(db).toString('latin1'), receipt: readFileSync(receipt, 'utf8'),
      };
      for (const [where, text] of Object.entries(places)) {
        for (const w of SECRET) expect(text, `${where} holds the hidden word ${w}`).not.toContain(w);
        for (const c of bench.contexts) for (const seq of idSequences(c.split(' '))) expect(text, `${where} holds the hidden ids ${seq}`).not.toContain(seq);
        expect(text, `${where} quotes transformers.js`).not.toContain('Inputs given to model');
        expect(text, `${where} quotes onnxruntime`).not.toMatch(/idx=|out of data bounds/);
      }
    });
  }
});
