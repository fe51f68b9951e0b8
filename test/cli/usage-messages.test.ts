// What the CLI says to a user who typed something slightly wrong (issue 16.9, 16.15): each message
// names what was expected and what was found, and suggests the way out. In-process CLI calls.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { REPO, tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';

describe('usage messages', () => {
  it('-w two: expected a positive integer, found "two"', async () => {
    for (const args of [['check', 'm.onnx', '-b', 'tabular-demo', '-w', 'two'], ['score', '-b', 'tabular-demo', '--workers=two'], ['score', '-b', 'tabular-demo', '-w', '0']]) {
      const r = await arbiter(args, { cwd: tempDir() });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/E_USAGE: --workers: expected a positive integer .*, found "(two|0)"/);
      expect(r.stderr).not.toContain('NaN');
    }
  });

  it('a missing argument names it and shows the usage line', async () => {
    const r = await arbiter(['check', '-b', 'tabular-demo']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing the <submission> argument: expected `arbiter check <submission> [options]`');
    expect(r.stderr).not.toContain('Not enough non-option arguments');
    const sub = await arbiter(['dataset', 'pack', '--json']);
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain('missing an argument of `arbiter dataset pack`');
    expect(JSON.parse(sub.stdout).error.code).toBe('E_USAGE');
  });

  it('pool: 1000000 unquoted says to quote it', async () => {
    const root = tempDir();
    expect((await arbiter(['init', 'pb', '--dir', root])).status).toBe(0);
    const yaml = path.join(root, 'pb', 'benchmark.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('# rewards:', 'rewards:').replace('#   pool: "1000000"', '  pool: 1000000').replace('#   scheme:', '  scheme:'));
    const r = await arbiter(['spec', 'validate', path.join(root, 'pb')]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('rewards.pool: expected string (quote it: "1000000"), found the number 1000000');
  });

  it('a .json file given as a model: expected an ONNX model, found JSON text', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'model.json');
    writeFileSync(f, '{"graph": {"node": [1, 2, 3]}}');
    const r = await arbiter(['check', f, '-b', 'tabular-demo', '--json']);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('expected an ONNX model (protobuf ModelProto), found JSON text');
    expect(r.stdout).not.toMatch(/index out of range/);
  });
});

describe('benchmark lookup', () => {
  it('-b <folder name> finds ./<folder>/benchmark.yaml; a typo gets a suggestion and no path twice', async () => {
    const root = tempDir();
    expect((await arbiter(['init', 'bd', '--dir', root])).status).toBe(0);
    const v = await arbiter(['spec', 'validate', 'bd', '--json'], { cwd: root });
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).id).toBe('bd');

    const t = await arbiter(['spec', 'validate', 'tabular-dem'], { cwd: root });
    expect(t.status).toBe(3);
    expect(t.stderr).toContain('Did you mean "tabular-demo"?');
    const tried = /expected one of (.*) to exist/.exec(t.stderr)![1]!.split(', ');
    expect(new Set(tried).size).toBe(tried.length);
  });

  it('arbiter benchmarks lists local and bundled benchmarks (table and --json)', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'benchmarks'));
    expect((await arbiter(['init', 'mine', '--dir', path.join(root, 'benchmarks')])).status).toBe(0);
    cpSync(path.join(REPO, 'benchmarks', 'tabular-demo', 'benchmark.yaml'), path.join(root, 'benchmarks', 'broken', 'benchmark.yaml'), { recursive: true });
    writeFileSync(path.join(root, 'benchmarks', 'broken', 'benchmark.yaml'), 'id: broken\nversion: x\n');
    const j = await arbiter(['benchmarks', '--json'], { cwd: root });
    expect(j.status, j.stderr).toBe(0);
    const list = JSON.parse(j.stdout).benchmarks as Array<{ id: string; version: number | null; task: string | null; dataset: string | null; source: string; error: { code: string } | null }>;
    expect(list.find((b) => b.id === 'mine')).toMatchObject({ version: 1, task: 'classification', dataset: 'data/hidden.arrow', source: 'local', error: null });
    expect(list.find((b) => b.id === 'tabular-demo')).toMatchObject({ source: 'bundled', task: 'classification' });
    expect(list.find((b) => b.id === 'broken')).toMatchObject({ source: 'local', error: { code: 'E_SPEC_INVALID' } });
    const t = await arbiter(['benchmarks'], { cwd: root });
    expect(t.stdout.split('\n')[0]).toMatch(/^id +version +task +dataset +source +path$/);
    expect(t.stdout).toMatch(/mine +1 +classification +data\/hidden.arrow +local +benchmarks\/mine\/benchmark.yaml/);
  });
});

describe('leaderboard and runs output', () => {
  it('leaderboard --json is one line; runs shows the resume command with --db', async () => {
    const root = tempDir();
    const db = path.join(root, 'my store.db');
    const s = await arbiter(['score', '-b', 'tabular-demo', '-w', '1', '--db', db, '--json', '--isolation', 'thread'], { cwd: root });
    expect(s.status, s.stderr).toBe(0);
    const lb = await arbiter(['leaderboard', '-b', 'tabular-demo', '--json', '--db', db], { cwd: root });
    expect(lb.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(lb.stdout).rows.length).toBeGreaterThan(0);

    // A cancelled run: its reason and the command that resumes it, against the same store.
    const store = Store.open(db);
    const members = store.submissions('tabular-demo').map((x) => x.id);
    const id = store.createRun({ benchmarkId: 'tabular-demo', specHash: 'x', datasetSha256: 'y', fingerprintJson: '{}', workers: 1, taskRows: 8192, members });
    store.cancelRun(id, 'E_CANCELLED: cancelled: SIGINT received');
    store.close();
    const rj = await arbiter(['runs', '--json', '--db', db], { cwd: root });
    const run = (JSON.parse(rj.stdout).runs as Array<{ id: number; resume: string | null }>).find((x) => x.id === id)!;
    expect(run.resume).toBe(`arbiter score -b tabular-demo --resume ${id} --db '${db}'`);
    const rt = await arbiter(['runs', '--db', db], { cwd: root });
    const line = rt.stdout.split('\n').find((l) => l.trimStart().startsWith(`${id} `))!;
    expect(line).toContain('E_CANCELLED: cancelled: SIGINT received; resume: arbiter score -b tabular-demo --resume');
    expect(line).toContain(`--db '${db}'`);
  }, 120_000);
});
