// Prediction files are checked at admission but not kept: the admitted submission carries no
// table, scoreOne's withPredictions loads it for the length of its scoring, and a file that no
// longer loads then fails with the code and the participant's file name admission would give.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchmark } from '../../../src/benchmark/loader.ts';
import { readChunks } from '../../../src/data/arrow-stream.ts';
import { Store } from '../../../src/store/store.ts';
import { tabularKind } from '../../../src/tasks/tabular/kind.ts';
import { withPredictions, type AdmittedSubmission } from '../../../src/tasks/tabular/admission.ts';
import type { Outcome } from '../../../src/results.ts';
import { tempDir } from '../../helpers.ts';

const dir = tempDir();
const store = Store.open(path.join(dir, 'p.db'));
afterAll(() => store.close());

async function hiddenIds(file: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of readChunks(file, [{ name: 'id', kind: 'int64', width: 1, role: 'row id' }], 65536)) for (const v of c.columns.get('id') as BigInt64Array) ids.push(String(v));
  return ids;
}

describe('prediction files in a run', () => {
  it('admission keeps no table; withPredictions loads it only while scoring; a file gone bad fails as at admission', async () => {
    const b = loadBenchmark('tabular-demo');
    const ids = await hiddenIds(b.datasetPath);
    mkdirSync(path.join(dir, 'subs'), { recursive: true });
    const file = (name: string, body: string) => { const p = path.join(dir, 'subs', name); writeFileSync(p, body); return { path: p, participant: name.replace('.csv', '') }; };
    const rows = ids.map((id, i) => `${id},${i % 4 === 0 ? '0.7,0.1,0.1,0.1' : '0.1,0.7,0.1,0.1'}`).join('\n');
    const good = tabularKind.register(store, b, file('good.csv', `id,p0,p1,p2,p3\n${rows}\n`));
    const other = tabularKind.register(store, b, file('other.csv', `id,p0,p1,p2,p3\n${rows}\n${ids[0]},0.25,0.25,0.25,0.25\n`));
    const { outcomes, todo } = await tabularKind.admit(b, store, [good, other], new Set());
    // other.csv repeats an id: refused at admission, as before
    expect(outcomes.get(other.id)?.error?.code).toBe('E_PREDICTIONS');
    expect(todo.map((t) => t.sub.id)).toEqual([good.id]);
    const admitted = todo[0] as AdmittedSubmission;
    expect(admitted.predictions).toBeUndefined();

    let seen: AdmittedSubmission | null = null;
    const ok: Outcome = { splitScores: {}, error: null };
    expect(await withPredictions(b, admitted, true, async (t) => { seen = t; return ok; })).toBe(ok);
    expect(seen!.predictions!.index.size).toBe(ids.length);
    expect(seen!.predictions!.values.length).toBe(ids.length * 4);
    expect(admitted.predictions).toBeUndefined(); // the admitted record still holds nothing

    // the stored copy changes after admission: scoring fails with E_PREDICTIONS, naming the participant's file
    writeFileSync(admitted.sub.blobPath, 'id,p0\n1,0.5\n');
    let called = false;
    const failed = await withPredictions(b, admitted, true, async () => { called = true; return ok; });
    expect(called).toBe(false);
    expect(failed.error?.code).toBe('E_PREDICTIONS');
    expect(failed.error?.message).toContain('good.csv');
    expect(failed.error?.message).not.toContain(path.basename(admitted.sub.blobPath));
  });
});
