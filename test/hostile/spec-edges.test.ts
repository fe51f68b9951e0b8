// Hostile benchmark specs and dataset paths: a YAML alias bomb and prototype keys are E_SPEC_INVALID;
// a dataset path at a FIFO or a device is E_DATASET_INVALID before anything is opened; SIGTERM while
// a (sparse, 64 GiB) dataset is being hashed stops `arbiter score` (a real child process: the
// signal is the point) with E_CANCELLED, exit 130.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBenchmark, parseBenchmark } from '../../src/benchmark/loader.ts';
import { prepareDataset } from '../../src/data/prepare.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { REPO, tempDir } from '../helpers.ts';

const specError = (text: string) => {
  try { parseBenchmark(text, '/x/benchmark.yaml'); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('accepted');
};

describe('hostile specs', () => {
  it('a YAML alias bomb is E_SPEC_INVALID, at once', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const t0 = Date.now();
    const e = specError(['id: bomb', 'version: 1', ...lines].join('\n'));
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toMatch(/^benchmark\.yaml: not valid YAML: .*alias.* \(at most 100 alias expansions\)$/i);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('__proto__, constructor and prototype keys are E_SPEC_INVALID anywhere, with their line', async () => {
    const dir = tempDir('arbiter-hostile-proto-');
    const { yaml } = await writeHiddenBench(dir);
    const withOptions = yaml.replace('metrics: [{ name: log_loss }, { name: accuracy }]', 'metrics:\n  - name: log_loss\n    options:\n      __proto__: { polluted: 1 }\n  - name: accuracy');
    const e = specError(withOptions);
    expect(e).toMatchObject({ code: 'E_SPEC_INVALID', message: expect.stringMatching(/^benchmark\.yaml:\d+:\d+: the key "__proto__" is not allowed anywhere in a spec/) });
    for (const k of ['constructor', 'prototype']) {
      expect(specError(yaml.replace('task: {', `${k}: 1\ntask: {`)).message).toContain(`the key "${k}" is not allowed`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile dataset paths', () => {
  it('a FIFO, a device or a symlink to a device is E_DATASET_INVALID, never opened', async () => {
    const dir = tempDir('arbiter-hostile-dspath-');
    const { data } = await writeHiddenBench(dir);
    rmSync(data);
    execFileSync('mkfifo', [data]);
    const b = loadBenchmark(dir);
    await expect(prepareDataset(b)).rejects.toMatchObject({ code: 'E_DATASET_INVALID', message: `dataset ${data}: expected a regular file, found a FIFO (named pipe)` });
    rmSync(data);
    symlinkSync('/dev/zero', data);
    await expect(prepareDataset(b)).rejects.toMatchObject({ code: 'E_DATASET_INVALID', message: `dataset ${data}: expected a regular file, found a device` });
  });

  it('SIGTERM while a 64 GiB (sparse) dataset is being hashed stops arbiter score: E_CANCELLED, exit 130', async () => {
    const dir = tempDir('arbiter-hostile-sigterm-');
    const { data } = await writeHiddenBench(dir);
    const model = path.join(dir, 'm.onnx');
    writeFileSync(model, readFileSync(path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml'))); // any file: admission fails, hashing still runs
    truncateSync(data, 64 * 1024 ** 3);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/arbiter.js'), 'score', '-b', dir, '-s', model, '--db', path.join(dir, 's.db'), '--workers', '1'], {
      cwd: dir, env: { ...process.env, ARBITER_FROM_SOURCE: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    // wait until the hashing has begun: the store file exists once the job has registered the submission
    const { existsSync } = await import('node:fs');
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(dir, 's.db')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_000));
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('E_CANCELLED: stopped while hashing dataset');
    expect(Date.now() - sent).toBeLessThan(5_000);
  }, 60_000);
});
