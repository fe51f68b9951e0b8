// `arbiter check` on a benchmark whose hidden set is encrypted as docs/hosts.md sets it up: the
// participant holds no key, and the public sample is plain, so the check must pass without one.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';

describe('arbiter check on an encrypted benchmark', () => {
  it('checks a submission on the plain public sample without the hidden set\'s key', async () => {
    const root = tempDir();
    expect((await arbiter(['init', 'enc', '--dir', root])).status).toBe(0);
    const dir = path.join(root, 'enc');
    // docs/hosts.md §3: keygen, encrypt, point the spec at the encrypted file.
    expect((await arbiter(['dataset', 'keygen', '-o', path.join(root, 'hidden.key')])).status).toBe(0);
    const enc = await arbiter(['dataset', 'encrypt', path.join(dir, 'data/hidden.arrow'), '-o', path.join(dir, 'data/hidden.arrow.enc'), '--key-file', path.join(root, 'hidden.key')]);
    expect(enc.status, enc.stderr).toBe(0);
    const yaml = path.join(dir, 'benchmark.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('path: data/hidden.arrow', 'path: data/hidden.arrow.enc\n  encrypted: true'));

    const r = await arbiter(['check', path.join(dir, 'submissions/baseline.onnx'), '-b', dir, '--json'], { env: { ARBITER_DATASET_KEY: undefined } });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { ok: boolean; rules: Array<{ rule: string; status: string }>; sampleScores: Record<string, Record<string, number>> };
    expect(report.rules.map((x) => `${x.rule}:${x.status}`)).toEqual(['file:pass', 'admission:pass', 'sample-score:pass']);
    expect(report.ok).toBe(true);
    expect(r.status).toBe(0);
    expect(Object.keys(report.sampleScores).length).toBeGreaterThan(0);

    // The hidden set itself still needs the key.
    const s = await arbiter(['score', '-b', dir, '--db', path.join(root, 'a.db'), '--json'], { env: { ARBITER_DATASET_KEY: undefined } });
    expect(s.stderr).toContain('E_DATASET_KEY');
  }, 120_000);
});
