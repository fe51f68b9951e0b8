// Hostile submission files at registration: a sparse 3 GiB .onnx (refused from its size, never
// read), FIFOs, sockets and symlinks as submission paths or folder entries (refused, never opened:
// opening a FIFO blocks), an LM model folder holding a FIFO, and a blob truncated by a crash during
// an older copy (found by its hash and copied again).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectLmSubmissions, registerLmSubmission } from '../../src/tasks/lm/submissions.ts';
import { collectSubmissionFiles, registerFile } from '../../src/tasks/tabular/submissions.ts';
import { score } from '../../src/run/index.ts';
import { sha256Hex } from '../../src/benchmark/canonical.ts';
import { Store } from '../../src/store/store.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { tempDir } from '../helpers.ts';
import { cliInProcess } from './cli-in-process.ts';

const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

describe('hostile submission files', () => {
  it('a sparse 3 GiB .onnx: submit and score exit 3 with E_MODEL_TOO_LARGE naming limit and size, without reading it', async () => {
    const dir = tempDir('arbiter-hostile-huge-');
    await writeHiddenBench(dir);
    const huge = path.join(dir, 'huge.onnx');
    writeFileSync(huge, goodModel(1));
    truncateSync(huge, 3 * 1024 ** 3);
    const db = path.join(dir, 's.db');
    const t0 = Date.now();
    const sub = await cliInProcess(['submit', huge, '-b', dir, '--db', db]);
    expect(sub.code).toBe(3);
    // limit: max(model.maxBytes 4 MiB, admission defaults 256 MiB + 0 external) + 1 MiB archive framing
    expect(sub.stderr).toBe(`arbiter: E_MODEL_TOO_LARGE: huge.onnx is ${3 * 1024 ** 3} bytes: the benchmark accepts submission files up to ${257 * 1024 ** 2} bytes\n`);
    const sc = await cliInProcess(['score', '-b', dir, '-s', huge, '--db', db]);
    expect(sc.code).toBe(3);
    expect(sc.stderr).toContain('E_MODEL_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const store = Store.open(db);
    expect(store.submissions('hidden-test')).toEqual([]);
    store.close();
    // Beside a good model, the huge file is refused and the run goes on: the good model is scored.
    const good = path.join(dir, 'good.onnx');
    writeFileSync(good, goodModel(1));
    const both = await cliInProcess(['score', '-b', dir, '-s', huge, good, '--db', path.join(dir, 'both.db'), '--json', '--isolation', 'thread']);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toContain('arbiter: refused huge (huge.onnx): E_MODEL_TOO_LARGE');
    expect((JSON.parse(both.stdout) as { rows: Array<{ participant: string; status: string }> }).rows.map((r) => [r.participant, r.status])).toEqual([['good', 'scored']]);
  });

  it('FIFOs, sockets-like specials and symlinks are refused with E_SUBMISSION_NOT_FOUND, as paths and as folder entries, without blocking', async () => {
    const dir = tempDir('arbiter-hostile-fifo-');
    const fifo = path.join(dir, 'pipe.onnx');
    mkfifo(fifo);
    const link = path.join(dir, 'link.onnx');
    writeFileSync(path.join(dir, 'real.bin'), 'x');
    symlinkSync(path.join(dir, 'real.bin'), link);
    const code = (f: () => unknown) => { try { f(); return 'ok'; } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } };
    expect(code(() => collectSubmissionFiles([fifo]))).toBe(`E_SUBMISSION_NOT_FOUND: submission path ${fifo}: expected a regular file or folder, found a FIFO (named pipe)`);
    expect(code(() => collectSubmissionFiles([link]))).toBe(`E_SUBMISSION_NOT_FOUND: submission path ${link}: expected a regular file or folder, found a symbolic link`);
    expect(code(() => collectSubmissionFiles(['/dev/zero']))).toBe('E_SUBMISSION_NOT_FOUND: submission path /dev/zero: expected a regular file or folder, found a device');
    expect(code(() => collectSubmissionFiles([dir]))).toMatch(/^E_SUBMISSION_NOT_FOUND: submission path .*link\.onnx: expected a regular file or folder, found a symbolic link$/);
    // registerFile itself never opens a special file either (a caller that skipped collect)
    const store = Store.open(path.join(dir, 's.db'));
    expect(code(() => registerFile(store, 'b', { path: fifo, participant: 'p' }))).toMatch(/^E_SUBMISSION_NOT_FOUND: .*found a FIFO/);
    // the CLI: exit 3, the FIFO is never opened (a blocked open would hang this test)
    const bench = tempDir('arbiter-hostile-fifo-bench-');
    await writeHiddenBench(bench);
    const sub = await cliInProcess(['submit', fifo, '-b', bench, '--db', path.join(dir, 's.db')]);
    expect(sub.code).toBe(3);
    expect(sub.stderr).toContain('E_SUBMISSION_NOT_FOUND');
    store.close();
  });

  it('an LM model folder holding a FIFO or a symlink is E_MODEL_FORMAT at registration, naming the entry; nothing is copied', () => {
    const dir = tempDir('arbiter-hostile-lmfifo-');
    const folder = path.join(dir, 'alice');
    mkdirSync(path.join(folder, 'onnx'), { recursive: true });
    writeFileSync(path.join(folder, 'config.json'), '{"model_type":"llama"}');
    mkfifo(path.join(folder, 'onnx', 'model.onnx_data'));
    const store = Store.open(path.join(dir, 's.db'));
    const [f] = collectLmSubmissions([folder]);
    expect(() => registerLmSubmission(store, 'lm', f!)).toThrow(expect.objectContaining({ code: 'E_MODEL_FORMAT', message: 'model folder alice: entry onnx/model.onnx_data is a FIFO (named pipe); a model folder holds only regular files and folders' }));
    expect(store.submissions('lm')).toEqual([]);
    store.close();
  });

  it('a blob truncated under its hash name (a crash during an older copy) is found by its hash and copied again; the run scores the real bytes', async () => {
    const dir = tempDir('arbiter-hostile-blob-');
    await writeHiddenBench(dir);
    const model = path.join(dir, 'm.onnx');
    const bytes = goodModel(3);
    writeFileSync(model, bytes);
    const db = path.join(dir, 's.db');
    const baseline = await score({ benchmark: dir, submissions: [model], workers: 1, db: path.join(dir, 'base.db') });
    // plant a truncated blob where the store will look for this content
    const blob = path.join(dir, 'blobs', `${sha256Hex(bytes)}.onnx`);
    mkdirSync(path.dirname(blob), { recursive: true });
    writeFileSync(blob, bytes.subarray(0, 100));
    const r = await score({ benchmark: dir, submissions: [model], workers: 1, db });
    expect(r.rows[0]!.status).toBe('scored');
    expect(JSON.stringify(r.rows[0]!.splitScores)).toBe(JSON.stringify(baseline.rows[0]!.splitScores));
    expect(sha256Hex(readFileSync(blob))).toBe(sha256Hex(bytes));
    // no temporary copy left next to it
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.dirname(blob)).filter((n) => n.includes('.partial-'))).toEqual([]);
  }, 60_000);
});
