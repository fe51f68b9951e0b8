// The command line end to end, run in process (test/cli-in-process.ts gives the same stdout, stderr
// and exit code as a child, without a tsx start per command). The first score keeps the default
// isolated inference processes; later scores use worker threads (same bits by design).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';

function arbiter(args: string[], cwd = tempDir()) {
  return arbiterInProcess(args, { cwd });
}

describe('arbiter CLI (in process)', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'cli.db');

  it('score --json prints exactly one JSON object with the documented shape', async () => {
    const r = await arbiter(['score', '--benchmark', 'tabular-demo', '--workers', '2', '--db', db, '--json'], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out).sort()).toEqual(['benchmark', 'rows', 'run']);
    expect(Object.keys(out.run).sort()).toEqual(['fingerprint', 'id']);
    expect(Object.keys(out.run.fingerprint).sort()).toEqual(['arch', 'batchSize', 'cpu', 'cpuFlags', 'datasetSha256', 'engine', 'graphOptimizationLevel', 'node', 'onnxruntime', 'platform', 'specHash']);
    for (const row of out.rows) {
      expect(Object.keys(row).sort()).toEqual(['error', 'participant', 'rank', 'reward', 'scores', 'splitScores', 'status', 'submission']);
      expect(row.submission).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(out.rows[0].participant).toBe('alice');
    // winner-take-all: the whole pool to rank 1, exactly
    expect(out.rows.map((r: { reward: string }) => r.reward)).toEqual(['1000000', '0', '0', '0', '0', '0', '0', '0']);
  });

  it('leaderboard reads the run back in every format', async () => {
    const table = await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', db], dir);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^rank\s+participant\s+submission\s+status\s+log_loss\s+accuracy\s+macro_f1\s+reward\s+error$/);
    expect(table.stdout).toContain('E_MODEL_CONTRACT');
    const csv = await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', db, '--format', 'csv'], dir);
    expect(csv.stdout.split('\r\n')[0]).toBe('rank,participant,submission,status,log_loss,accuracy,macro_f1,reward,error_code,error_message');
    const md = await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', db, '--format', 'md'], dir);
    expect(md.stdout.split('\n')[1]).toMatch(/^\| ---: \| --- \|/);
    const json = JSON.parse((await arbiter(['leaderboard', '-b', 'tabular-demo', '--db', db, '--format', 'json'], dir)).stdout);
    expect(json.rows).toHaveLength(8);
  });

  it('keygen, score --sign, verify: a re-score on another worker count verifies; a tampered receipt fails', async () => {
    const key = path.join(dir, 'v1.pem');
    expect((await arbiter(['keygen', '-o', key], dir)).code).toBe(0);
    const rdb = path.join(dir, 'signed.db');
    const receipt = path.join(dir, 'r1.json');
    const s = await arbiter(['score', '-b', 'tabular-demo', '--db', rdb, '--workers', '2', '--sign', key, '--validator', 'v1', '--receipt', receipt, '--json', '--isolation', 'thread'], dir);
    expect(s.code).toBe(0);
    expect(s.stderr).toContain('receipt r1.json');
    const ok = await arbiter(['verify', receipt, '--key', path.join(dir, 'v1.pub.pem'), '--workers', '1', '--require-signature'], dir);
    expect(ok.stdout).toContain('re-score: every score bit-identical');
    expect(ok.code).toBe(0);
    // flip one digit of one score in the body
    const text = readFileSync(receipt, 'utf8');
    const tampered = text.replace(/("log_loss":0\.\d{5})(\d)/, (_m, a: string, d: string) => `${a}${(Number(d) + 1) % 10}`);
    expect(tampered).not.toBe(text);
    writeFileSync(path.join(dir, 'r1-bad.json'), tampered);
    const bad = await arbiter(['verify', path.join(dir, 'r1-bad.json')], dir);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toContain('E_RECEIPT_TAMPERED');
    // a second validator, then consensus over both receipts
    const key2 = path.join(dir, 'v2.pem');
    await arbiter(['keygen', '-o', key2], dir);
    const receipt2 = path.join(dir, 'r2.json');
    expect((await arbiter(['score', '-b', 'tabular-demo', '--db', path.join(dir, 'signed2.db'), '--workers', '1', '--sign', key2, '--validator', 'v2', '--receipt', receipt2, '--isolation', 'thread'], dir)).code).toBe(0);
    writeFileSync(path.join(dir, 'stakes.json'), JSON.stringify({ v1: '100', v2: '300' }));
    const c = await arbiter(['consensus', receipt, receipt2, '--stakes', path.join(dir, 'stakes.json'), '--json'], dir);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('alice');
  });

  it('report writes a self-contained HTML page for a run', async () => {
    const out = path.join(dir, 'report.html');
    const r = await arbiter(['report', '1', '--html', out, '--db', db], dir);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('alice');
    expect(html).toContain('E_MODEL_CONTRACT');
    expect(html).not.toMatch(/<script/i);
    expect(html.replace(/xmlns="http:\/\/www.w3.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//i);
  });

  it('submit admits a good model, refuses a broken one with its code, and score picks registered ones up', async () => {
    const sdb = path.join(dir, 'submit.db');
    const ok = await arbiter(['submit', path.join(REPO, 'benchmarks/tabular-demo/submissions/bob.onnx'), '-b', 'tabular-demo', '-p', 'zoe', '--db', sdb], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/registered onnx submission [0-9a-f]{64} for zoe/);
    const bad = await arbiter(['submit', path.join(REPO, 'benchmarks/tabular-demo/submissions/erin.onnx'), '-b', 'tabular-demo', '--db', sdb], dir);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('E_MODEL_CONTRACT');
    const notOnnx = await arbiter(['submit', path.join(REPO, 'benchmarks/tabular-demo/submissions/frank.onnx'), '-b', 'tabular-demo', '--db', sdb], dir);
    expect(notOnnx.code).toBe(3);
    expect(notOnnx.stderr).toContain('E_MODEL_FORMAT');
    const scored = JSON.parse((await arbiter(['score', '-b', 'tabular-demo', '--db', sdb, '--json', '--workers', '1', '--isolation', 'thread'], dir)).stdout);
    expect(scored.rows.map((r: { participant: string }) => r.participant)).toContain('zoe');
  });

  it('dataset pack writes an Arrow file and reports its sha256; bad input gives E_PACK_INPUT with the line', async () => {
    const csv = path.join(dir, 'd.csv');
    writeFileSync(csv, 'id,x,label\n2,0.5,1\n1,0.25,0\n');
    writeFileSync(path.join(dir, 's.yaml'), 'columns:\n  - { name: id, type: int64 }\n  - { name: x, type: float32 }\n  - { name: label, type: int32, label: true }\n');
    const ok = await arbiter(['dataset', 'pack', csv, '--schema', path.join(dir, 's.yaml'), '--out', path.join(dir, 'd.arrow'), '--json'], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 2 });
    writeFileSync(csv, 'id,x,label\n1,0.5,1\n2,abc,0\n');
    const bad = await arbiter(['dataset', 'pack', csv, '--schema', path.join(dir, 's.yaml')], dir);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/E_PACK_INPUT: d\.csv line 3, column x: expected float32/);
  });

  it('spec schema prints a JSON Schema; spec validate checks a benchmark', async () => {
    const s = await arbiter(['spec', 'schema'], dir);
    expect(s.code).toBe(0);
    const schema = JSON.parse(s.stdout);
    expect(schema.properties.model).toBeDefined();
    const v = await arbiter(['spec', 'validate', 'tabular-demo'], dir);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/valid \(tabular-demo v1, spec hash [0-9a-f]{64}\)/);
  });

  it('exit codes: 2 for usage errors, 3 for bad input', async () => {
    const usage = await arbiter(['score'], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('E_USAGE');
    const unknown = await arbiter(['frobnicate'], dir);
    expect(unknown.code).toBe(2);
    const missing = await arbiter(['score', '-b', 'no-such-benchmark', '--db', db], dir);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('E_SPEC_NOT_FOUND');
    const help = await arbiter(['score', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
  });
});
