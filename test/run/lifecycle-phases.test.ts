// The optional onPhase hook of score(): the run announces admission, hashing the hidden set, the
// sanity run and scoring, in that order, each once, and every row-progress report comes after
// 'scoring' (the progress bar starts its rate there). In-process, one thread worker.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { score } from '../../src/run/lifecycle.ts';
import { tempDir } from '../helpers.ts';

const root = tempDir('arbiter-phases-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('score() onPhase', () => {
  it('reports the phases in order, once each, before any scored row', async () => {
    const events: string[] = [];
    const r = await score({
      benchmark: 'tabular-demo', workers: 1, isolation: 'thread', db: path.join(root, 'p.db'),
      onPhase: (p) => events.push(p),
      onProgress: (p) => events.push(`rows ${p.done}`),
    });
    expect(r.rows.some((row) => row.status === 'scored')).toBe(true);
    expect(events.filter((e) => !e.startsWith('rows'))).toEqual(['admission', 'hashing', 'sanity', 'scoring']);
    const firstRows = events.findIndex((e) => e.startsWith('rows'));
    expect(firstRows).toBe(events.indexOf('scoring') + 1);
    expect(events.at(-1)).not.toBe('rows 0');
  });
});
