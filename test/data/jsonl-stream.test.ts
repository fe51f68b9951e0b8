// Streamed JSONL hidden sets (src/data/jsonl-stream.ts, prepareJsonlDataset): the rows read in
// small chunks are exactly the rows of the whole bytes (lines, canonical bytes, offsets, sha256),
// whatever the chunk size; the prepared set, its errors and a scored run are the same with a read
// chunk far smaller than a row as with the whole file in one read; a file changed after it was
// checked is refused when a batch is read back; the id set is exact.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonlRows } from '../../src/data/jsonl.ts';
import { bufferSource, fileSource, IdSet, scanJsonl } from '../../src/data/jsonl-stream.ts';
import { prepareChatDataset, prepareJsonlDataset } from '../../src/data/chat-dataset.ts';
import { choiceRowFromJson } from '../../src/data/lm-rows.ts';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import { score } from '../../src/run/lifecycle.ts';
import { wordChatBenchmark } from '../../src/models/hf/word-models.ts';
import { REPO, tempDir } from '../helpers.ts';

const dir = tempDir('arbiter-jsonl-stream-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Every row scanJsonl gives, with copies of its bytes. */
function scanAll(bytes: Buffer, chunk: number): { rows: Array<{ line: number; text: string; offset: number }>; sha: string } {
  const rows: Array<{ line: number; text: string; offset: number }> = [];
  const h = scanJsonl(bufferSource(bytes, 'x'), chunk, (b, line, offset) => rows.push({ line, text: b.toString('latin1'), offset }));
  return { rows, sha: h };
}

describe('scanJsonl', () => {
  const nasty = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"a":1}\r\n\n   \n\t{"b":"Zürich → 東京"}  \n{"c":"' + 'x'.repeat(300) + '"}\n\n{"d":[1,2]}'),
  ]);
  const whole = jsonlRows(nasty).map((r) => ({ line: r.line, text: r.bytes.toString('latin1'), offset: r.bytes.byteOffset - nasty.byteOffset }));

  it('gives the rows of jsonlRows on the whole bytes (BOM, CRLF, blank and space lines, multi-byte text, a line longer than a chunk, no final newline) for every chunk size', () => {
    expect(whole.map((r) => r.line)).toEqual([1, 4, 5, 7]);
    for (const chunk of [4, 5, 7, 16, 64, 333, 1 << 20]) {
      const got = scanAll(nasty, chunk);
      expect(got.rows, `chunk ${chunk}`).toEqual(whole);
      expect(got.sha).toBe(sha(nasty));
    }
    // the same from a file
    const f = path.join(dir, 'nasty.jsonl');
    writeFileSync(f, nasty);
    const rows: number[] = [];
    expect(scanJsonl(fileSource(f), 9, (_b, line) => rows.push(line))).toBe(sha(nasty));
    expect(rows).toEqual([1, 4, 5, 7]);
  });

  it('an empty input and a trailing newline give what jsonlRows gives', () => {
    expect(scanAll(Buffer.alloc(0), 8).rows).toEqual([]);
    const b = Buffer.from('{"a":1}\n');
    expect(scanAll(b, 4).rows).toEqual([{ line: 1, text: '{"a":1}', offset: 0 }]);
  });
});

describe('IdSet', () => {
  it('is exact over 50,000 ids: every id new once, a repeat found with its first row, hash matches confirmed on the ids', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? `row-${i}` : String(i)));
    let confirmations = 0;
    const set = new IdSet((r) => { confirmations++; return ids[r]!; });
    ids.forEach((id, i) => expect(set.add(id, i)).toBe(-1));
    expect(set.add('row-4999', 50_000)).toBe(4999);
    expect(set.add('18', 50_001)).toBe(18);
    expect(set.add('row-50000', 50_002)).toBe(-1);
    expect(confirmations).toBeGreaterThanOrEqual(2);
  });

  it('never reports a duplicate on a hash match alone: with every row re-read as another id, nothing repeats', () => {
    const set = new IdSet(() => 'something else');
    for (let i = 0; i < 3000; i++) expect(set.add(`id${i % 1000}`, i)).toBe(-1);
  });
});

/** A chat-loss spec (the demo's) over `jsonl`, with batch `size`. */
function chatBench(name: string, jsonl: string | Buffer, extra: { size?: number; commitment?: string } = {}) {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'chat.jsonl'), jsonl);
  let yaml = readFileSync(path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml'), 'utf8')
    .replace('path: ../../datasets/qwen-chat-demo/chat.jsonl', 'path: chat.jsonl')
    .replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha(jsonl)}`)
    .replace('publicFraction: 0.3', 'publicFraction: 0.5')
    .replace('size: 4 #', `size: ${extra.size ?? 4} #`);
  if (extra.commitment) yaml = yaml.replace('  format: chat-jsonl\n', `  format: chat-jsonl\n  commitment: ${extra.commitment}\n`);
  return parseBenchmark(yaml, path.join(d, 'benchmark.yaml'));
}
const conv = (a: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, conversations: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: a }] });
const errorOf = (f: () => unknown): { code: string; message: string } => {
  try { f(); } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message }; }
  throw new Error('expected a throw');
};

describe('prepareJsonlDataset, streamed', () => {
  const rows = Array.from({ length: 203 }, (_, i) => conv(`answer ${i} ${'é'.repeat(i % 17)}`, i % 4 === 0 ? { id: `r${i}` } : {}));
  rows.splice(10, 0, '', '  ');
  const jsonl = rows.join('\r\n') + '\n';

  it('a set read in 64-byte chunks (smaller than any row) is the set read in one chunk: ids, split, rows read back per batch', () => {
    for (const size of [1, 4, 7]) {
      const b = chatBench(`same-${size}`, jsonl, { size });
      const whole = prepareChatDataset(b, { chunkBytes: 1 << 24 });
      const small = prepareChatDataset(b, { chunkBytes: 64 });
      expect(small.rows).toBe(203);
      expect(small.sha256).toBe(whole.sha256);
      expect(Array.from(small.splitMask)).toEqual(Array.from(whole.splitMask));
      expect(small.publicRows).toBe(whole.publicRows);
      expect(small.ids(0, 203)).toEqual(whole.ids(0, 203));
      expect(small.ids(0, 12)).toEqual(['r0', '2', '3', '4', 'r4', '6', '7', '8', 'r8', '10', '13', '14']);
      // any range, inside or across batches, gives the same parsed rows as the whole set
      const all = whole.read(0, 203);
      expect(all.map((e) => e.messages[1]!.content)).toEqual(Array.from({ length: 203 }, (_, i) => `answer ${i} ${'é'.repeat(i % 17)}`));
      for (const [s, e] of [[0, 1], [3, 9], [200, 203], [5, 5]] as const) expect(small.read(s, e)).toEqual(all.slice(s, e));
      expect(whole.labels).toBeNull();
    }
  });

  it('refuses what the whole-bytes reader refused, with the same code and message, at any chunk size', () => {
    const cases: Array<[string, string, string]> = [
      ['dup', [conv('a', { id: 7 }), conv('b'), conv('c', { id: '7' })].join('\n'), 'line 3 repeats the row id of line 1; ids must be unique'],
      ['json', `${conv('a')}\n{not json\n${conv('c')}\n`, 'chat data line 2: not valid JSON'],
      ['role-then-dup', [JSON.stringify({ conversations: [{ role: 'bot', content: 'x' }] }), conv('b', { id: 1 })].join('\n'), 'chat data line 1'],
    ];
    for (const [name, text, want] of cases) {
      const b = chatBench(`err-${name}`, text);
      const whole = errorOf(() => prepareChatDataset(b, { chunkBytes: 1 << 24 }));
      expect(whole.message).toContain(want);
      for (const chunk of [4, 16, 64]) expect(errorOf(() => prepareChatDataset(b, { chunkBytes: chunk }))).toEqual(whole);
    }
    // wrong bytes: the sha256 wins over the malformed row after it
    const bad = chatBench('sha-first', `${conv('a')}\n{not json\n`);
    writeFileSync(bad.datasetPath, `${conv('A')}\n{not json\n`);
    expect(errorOf(() => prepareChatDataset(bad, { chunkBytes: 8 })).code).toBe('E_DATASET_COMMITMENT');
  });

  it('with dataset.commitment, a repeated id is the commitment\'s refusal, and a wrong root is E_DATASET_COMMITMENT', () => {
    const text = [conv('a', { id: 'x' }), JSON.stringify({ conversations: [] }), conv('b', { id: 'x' })].join('\n');
    const b = chatBench('commit-dup', text, { commitment: 'ab'.repeat(32) });
    const e = errorOf(() => prepareChatDataset(b, { chunkBytes: 16 }));
    expect(e).toEqual({ code: 'E_DATASET_INVALID', message: expect.stringContaining('line 3 repeats the row id of line 1: ids must be unique') });
    const ok = chatBench('commit-root', [conv('a'), conv('b')].join('\n'), { commitment: 'ab'.repeat(32) });
    expect(errorOf(() => prepareChatDataset(ok, { chunkBytes: 16 })).code).toBe('E_DATASET_COMMITMENT');
  });

  it('a file changed after it was checked is refused when a batch is read back (E_DATASET_COMMITMENT), never scored', () => {
    const b = chatBench('changed', jsonl, { size: 4 });
    const d = prepareChatDataset(b, { chunkBytes: 100 });
    expect(d.read(0, 4)).toHaveLength(4);
    // same length, one answer changed inside rows 5..8
    writeFileSync(b.datasetPath, jsonl.replace('answer 6 ', 'answer X '));
    expect(d.read(0, 4)).toHaveLength(4);
    expect(errorOf(() => d.read(4, 8))).toEqual({ code: 'E_DATASET_COMMITMENT', message: expect.stringContaining('rows 5..8 differ') });
    expect(errorOf(() => d.read(7, 8)).code).toBe('E_DATASET_COMMITMENT');
  });

  it('choice sets keep their labels as an Int32Array in file order', () => {
    const d = path.join(dir, 'choice');
    mkdirSync(d, { recursive: true });
    const text = Array.from({ length: 9 }, (_, i) => JSON.stringify({ context: `q${i}`, choices: ['a', 'b', 'c'], label: i % 3 })).join('\n');
    writeFileSync(path.join(d, 'q.jsonl'), text);
    const yaml = readFileSync(path.join(REPO, 'benchmarks/choice-demo/benchmark.yaml'), 'utf8')
      .replace(/path: \S+/, 'path: q.jsonl').replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha(text)}`).replace(/publicFraction: [0-9.]+/, 'publicFraction: 0.5');
    const p = prepareJsonlDataset(parseBenchmark(yaml, path.join(d, 'benchmark.yaml')), 'multiple-choice', choiceRowFromJson, { chunkBytes: 32 });
    expect(Array.from(p.labels!)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(p.read(4, 6).map((r) => r.example.context)).toEqual(['q4', 'q5']);
  });
});

describe('a scored run over a set larger than one read chunk', () => {
  it('gives byte-identical rows with 4 KiB chunks (2 worker processes) and with the whole file in one chunk (1 worker thread)', async () => {
    const set = wordChatBenchmark(path.join(dir, 'word'), { rows: 400, batchSize: 4 });
    expect(set.bytes).toBeGreaterThan(8 * 4096);
    const saved = process.env.ARBITER_JSONL_CHUNK_BYTES;
    try {
      process.env.ARBITER_JSONL_CHUNK_BYTES = String(1 << 26);
      const whole = await score({ benchmark: set.spec, submissions: [set.subs], workers: 1, isolation: 'thread', db: path.join(dir, 'word-whole.db') });
      process.env.ARBITER_JSONL_CHUNK_BYTES = '4096';
      const chunked = await score({ benchmark: set.spec, submissions: [set.subs], workers: 2, db: path.join(dir, 'word-chunked.db') });
      expect(whole.rows.filter((r) => r.status === 'scored')).toHaveLength(3);
      expect(JSON.stringify(chunked.rows)).toBe(JSON.stringify(whole.rows));
      process.env.ARBITER_JSONL_CHUNK_BYTES = '100';
      await expect(score({ benchmark: set.spec, submissions: [set.subs], workers: 1, isolation: 'thread', db: path.join(dir, 'word-bad.db') }))
        .rejects.toMatchObject({ code: 'E_USAGE' });
    } finally {
      if (saved === undefined) delete process.env.ARBITER_JSONL_CHUNK_BYTES; else process.env.ARBITER_JSONL_CHUNK_BYTES = saved;
    }
  }, 240_000);
});
