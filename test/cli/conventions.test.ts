// CLI conventions across every command: --help with examples, --json as one JSON object on stdout
// (errors as {"error": ...}), and the documented exit codes. The CLI runs in this process (the
// conventions are the CLI's, not the process boundary's); one call goes through bin/arbiter.js to
// show a child process gives the same exit code and stdout.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.ts';
import { arbiterInProcess } from '../cli-in-process.ts';

const BIN = path.join(REPO, 'bin/arbiter.js');
const ALICE = path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx');

function arbiter(args: string[], cwd: string) {
  return arbiterInProcess(args, { cwd });
}

function arbiterChild(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout holds exactly one line, a JSON object; returns it. */
function oneJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines, stdout).toHaveLength(1);
  const o = JSON.parse(lines[0]!);
  expect(typeof o).toBe('object');
  return o;
}

const COMMANDS = [
  ['score'], ['check'], ['submit'], ['leaderboard'], ['init'], ['dataset'], ['dataset', 'pack'], ['spec'], ['spec', 'schema'],
  ['spec', 'validate'], ['report'], ['keygen'], ['verify'], ['consensus'], ['demo'], ['benchmarks'],
  ['fl'], ['fl', 'init'], ['fl', 'evaluate'], ['fl', 'correct'], ['fl', 'aggregate'], ['fl', 'rounds'], ['fl', 'demo'],
];

describe('CLI conventions', () => {
  const cwd = tempDir();

  it('arbiter --help lists every command, examples, exit codes; exit 0', async () => {
    const r = await arbiter(['--help'], cwd);
    expect(r.code).toBe(0);
    for (const [c] of COMMANDS) expect(r.stdout).toContain(`arbiter ${c}`);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 internal error, 2 usage error, 3 invalid input/);
  });

  it('a child process through bin/arbiter.js gives the same exit code and stdout as the CLI in process', async () => {
    const child = arbiterChild(['spec', 'validate', 'tabular-demo', '--json'], cwd);
    const inProcess = await arbiter(['spec', 'validate', 'tabular-demo', '--json'], cwd);
    expect(child.code).toBe(0);
    expect(child.stdout).toBe(inProcess.stdout);
    const usage = arbiterChild(['score', '--json', '--no-such-option'], cwd);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe((await arbiter(['score', '--json', '--no-such-option'], cwd)).stdout);
  });

  it('every command has --help with at least one example', async () => {
    for (const c of COMMANDS) {
      const r = await arbiter([...c, '--help'], cwd);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout, c.join(' ')).toContain('Examples:');
      // groups (dataset, spec, fl) only list their actions; every action takes --json
      if (c.length > 1 || !['dataset', 'spec', 'fl'].includes(c[0]!)) expect(r.stdout, c.join(' ')).toContain('--json');
    }
  });

  it('a usage error under --json is one {"error": ...} object on stdout, exit 2, with a --help hint', async () => {
    for (const c of [['score'], ['check', 'x.onnx'], ['submit', 'x.onnx'], ['leaderboard'], ['report', '1'], ['verify', 'r.json'], ['dataset', 'pack', 'x.csv']]) {
      const r = await arbiter([...c, '--json', '--no-such-option'], cwd);
      expect(r.code, c.join(' ')).toBe(2);
      const o = oneJson(r.stdout) as { error: { code: string; message: string } };
      expect(o.error.code).toBe('E_USAGE');
      expect(o.error.message).toContain(`arbiter ${c[0]} --help`);
      expect(r.stderr).toContain('arbiter: E_USAGE:');
    }
  });

  it('spec, dataset, keygen: --json shapes; invalid input exits 3 with {"error"}', async () => {
    const v = oneJson((await arbiter(['spec', 'validate', 'tabular-demo', '--json'], cwd)).stdout);
    expect(Object.keys(v).sort()).toEqual(['data', 'file', 'id', 'specHash', 'version']);
    const schema = await arbiter(['spec', 'schema', '--json'], cwd);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout).title).toBe('arbiter benchmark spec');
    const bad = await arbiter(['spec', 'validate', path.join(cwd, 'nope'), '--json'], cwd);
    expect(bad.code).toBe(3);
    expect((oneJson(bad.stdout).error as { code: string }).code).toBe('E_SPEC_NOT_FOUND');

    writeFileSync(path.join(cwd, 'd.csv'), 'id,x,label\n2,0.5,1\n1,1.5,0\n');
    writeFileSync(path.join(cwd, 'd.yaml'), 'id: id\ncolumns:\n  - { name: id, type: int64 }\n  - { name: x, type: float32 }\n  - { name: label, type: int32, label: true }\n');
    const p = await arbiter(['dataset', 'pack', 'd.csv', '--schema', 'd.yaml', '--json'], cwd);
    expect(p.code).toBe(0);
    expect(Object.keys(oneJson(p.stdout)).sort()).toEqual(['bytes', 'out', 'rows', 'sha256']);
    writeFileSync(path.join(cwd, 'e.csv'), 'id,x,label\n1,abc,1\n');
    const pe = await arbiter(['dataset', 'pack', 'e.csv', '--schema', 'd.yaml', '--json'], cwd);
    expect(pe.code).toBe(3);
    expect((oneJson(pe.stdout).error as { code: string }).code).toBe('E_PACK_INPUT');

    const k = await arbiter(['keygen', '-o', path.join(cwd, 'k.pem'), '--json'], cwd);
    expect(k.code).toBe(0);
    expect(Object.keys(oneJson(k.stdout)).sort()).toEqual(['keyId', 'privateKey', 'publicKey']);
    const again = await arbiter(['keygen', '-o', path.join(cwd, 'k.pem'), '--json'], cwd);
    expect(again.code).toBe(3);
    expect((oneJson(again.stdout).error as { code: string }).code).toBe('E_RECEIPT_KEY');
  });

  it('submit, score, leaderboard, report, verify, consensus: --json shapes along one run', async () => {
    const db = path.join(cwd, 'run.db');
    const sub = await arbiter(['submit', ALICE, '-b', 'tabular-demo', '--db', db, '--json'], cwd);
    expect(sub.code).toBe(0);
    expect(Object.keys(oneJson(sub.stdout)).sort()).toEqual(['id', 'kind', 'participant', 'submission']);

    const receipt = path.join(cwd, 'r.json');
    const s = await arbiter(['score', '-b', 'tabular-demo', '-s', ALICE, '-w', '1', '--db', db, '--receipt', receipt, '--validator', 'v1', '--json'], cwd);
    expect(s.code, s.stderr).toBe(0);
    const run = oneJson(s.stdout) as { run: { id: number } };
    expect(Object.keys(run).sort()).toEqual(['benchmark', 'rows', 'run']);

    const lb = await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', db, '--json'], cwd);
    expect(lb.code).toBe(0);
    expect(Object.keys(JSON.parse(lb.stdout)).sort()).toEqual(['benchmark', 'rows', 'run']);

    const rep = await arbiter(['report', String(run.run.id), '--html', path.join(cwd, 'r.html'), '--db', db, '--json'], cwd);
    expect(rep.code).toBe(0);
    expect(Object.keys(oneJson(rep.stdout)).sort()).toEqual(['benchmark', 'bytes', 'file', 'run']);
    const noRun = await arbiter(['report', '99', '--html', path.join(cwd, 'x.html'), '--db', db, '--json'], cwd);
    expect(noRun.code).toBe(3);
    expect((oneJson(noRun.stdout).error as { message: string }).message).toContain('run ids are printed by `arbiter score`');

    const v = await arbiter(['verify', receipt, '-w', '1', '--json'], cwd);
    expect(v.code, v.stderr).toBe(0);
    expect(typeof oneJson(v.stdout)).toBe('object');

    writeFileSync(path.join(cwd, 'stakes.json'), JSON.stringify({ v1: 1 }));
    const c = await arbiter(['consensus', receipt, '--stakes', path.join(cwd, 'stakes.json'), '--json'], cwd);
    expect(c.code, c.stderr).toBe(0);
    expect(typeof oneJson(c.stdout)).toBe('object');
  });
});
