// The chat-jsonl hidden set: sha256 commitment on the bytes, row ids (an id field, else the
// 1-based line number), uniqueness, and the keyed-hash split shared with Arrow datasets.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { prepareChatDataset } from '../../src/data/chat-dataset.ts';
import { splitOf } from '../../src/data/split.ts';
import { parseBenchmark } from '../../src/benchmark/loader.ts';
import { REPO, tempDir } from '../helpers.ts';

const DEMO = readFileSync(path.join(REPO, 'benchmarks/qwen-chat-demo/benchmark.yaml'), 'utf8');
const dir = tempDir('arbiter-chatdata-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const conv = (a: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, conversations: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: a }] });

function bench(name: string, jsonl: string, sha?: string) {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'chat.jsonl'), jsonl);
  const yaml = DEMO.replace('path: ../../datasets/qwen-chat-demo/chat.jsonl', 'path: chat.jsonl')
    .replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha ?? createHash('sha256').update(jsonl).digest('hex')}`)
    .replace('publicFraction: 0.3', 'publicFraction: 0.5');
  return parseBenchmark(yaml, path.join(d, 'benchmark.yaml'));
}

describe('prepareChatDataset', () => {
  it('ids are the id field when present, else the 1-based line number (blank lines count); the split is the keyed hash of the id', () => {
    const rows = Array.from({ length: 12 }, (_, i) => conv(`answer ${i}`, i % 3 === 0 ? { id: `row-${i}` } : {}));
    rows.splice(4, 0, '');
    const b = bench('ids', rows.join('\n') + '\n');
    const d = prepareChatDataset(b);
    expect(d.rows).toBe(12);
    expect(d.ids(0, 6)).toEqual(['row-0', '2', '3', 'row-3', '6', '7']);
    expect(d.read(1, 2)[0]!.messages[1]!.content).toBe('answer 1');
    d.ids(0, d.rows).forEach((id, i) => expect(d.splitMask[i]).toBe(splitOf(b.splitKey, id, 0.5)));
    expect(d.publicRows).toBe(Array.from(d.splitMask).filter((x) => x === 1).length);
  });

  it('refuses bytes other than the committed ones, duplicate ids and malformed rows, with codes', () => {
    expect(() => prepareChatDataset(bench('sha', `${conv('a')}\n`, 'a'.repeat(64)))).toThrow(expect.objectContaining({ code: 'E_DATASET_COMMITMENT' }));
    const dup = [conv('a', { id: 7 }), conv('b'), conv('c', { id: '7' })].join('\n');
    expect(() => prepareChatDataset(bench('dup', dup))).toThrow(/line 3 repeats the row id of line 1/);
    expect(() => prepareChatDataset(bench('json', `${conv('a')}\n{not json\n`))).toThrow(expect.objectContaining({ code: 'E_CHAT_DATA' }));
    expect(() => prepareChatDataset(bench('role', `${JSON.stringify({ conversations: [{ role: 'bot', content: 'x' }] })}\n`))).toThrow(expect.objectContaining({ code: 'E_CHAT_DATA' }));
  });
});
