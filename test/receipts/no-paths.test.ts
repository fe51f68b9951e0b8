// No path of the validator's machine in anything published: a run whose failures come from
// several layers (ONNX parsing, the model contract, archive extraction, prediction files) writes a
// receipt, prints `score --json` and records errors in the store; none holds the temp store dir.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { REPO, tempDir } from '../helpers.ts';
import { tar } from '../models/tar-writer.ts';
import { cli } from './cli.ts';

describe('published messages name files, not the validator\'s paths', () => {
  it('receipt, JSON output and store error text hold no absolute path of the store', async () => {
    const dir = tempDir('arbiter-no-paths-');
    const subs = path.join(dir, 'incoming');
    mkdirSync(subs);
    const demo = path.join(REPO, 'benchmarks/tabular-demo/submissions');
    for (const f of ['alice.onnx', 'frank.onnx', 'erin.onnx']) copyFileSync(path.join(demo, f), path.join(subs, f));
    // an archive whose extraction fails in the file system (a file where a folder must go): EEXIST/ENOTDIR text
    const alice = readFileSync(path.join(demo, 'alice.onnx'));
    writeFileSync(path.join(subs, 'ivan.tar'), tar([{ name: 'model.onnx', data: alice }, { name: 'x', data: 'a' }, { name: 'x/y', data: 'b' }]));
    writeFileSync(path.join(subs, 'judy.csv'), 'id,p0,p1,p2,p3\n1,0.25,0.25,0.25,0.25\n');
    const db = path.join(dir, 'store', 'v.db');
    mkdirSync(path.dirname(db));
    const receipt = path.join(dir, 'receipt.json');
    const r = await cli(['score', '-b', 'tabular-demo', '-s', subs, '--db', db, '--workers', '1', '--isolation', 'thread', '--receipt', receipt, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { run: { id: number }; rows: Array<{ participant: string; error: { code: string; message: string } | null }> };
    const codes = Object.fromEntries(out.rows.map((x) => [x.participant, x.error?.code ?? null]));
    expect(codes).toMatchObject({ alice: null, frank: 'E_MODEL_FORMAT', erin: 'E_MODEL_CONTRACT', ivan: 'E_SUBMISSION_ARCHIVE', judy: 'E_PREDICTIONS' });
    const ivan = out.rows.find((x) => x.participant === 'ivan')!.error!.message;
    expect(ivan).toMatch(/EEXIST|ENOTDIR/);
    const store = Store.open(db);
    let stored: string;
    try {
      stored = JSON.stringify([...store.outcomes(out.run.id).values()].map((o) => o.error));
    } finally {
      store.close();
    }
    expect(stored).toContain('E_SUBMISSION_ARCHIVE');
    for (const [what, text] of [['receipt', readFileSync(receipt, 'utf8')], ['score --json', r.stdout], ['store errors', stored]] as const) {
      expect(text, what).not.toContain(dir);
      expect(text, what).not.toContain(REPO);
    }
  }, 120_000);
});
