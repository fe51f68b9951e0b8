// The hostile-model suite: every generated case goes through admission (archive unpacking, static
// checks) and, when admitted, the sanity run in onnxruntime's child process. Separately, every
// .onnx case is handed to onnxruntime directly (bypassing admission) to learn which inputs ORT itself
// survives. Asserts: a stable expected code per case, no E_INTERNAL, no throw, and the good
// submission's outputs unchanged bit for bit after the whole corpus has been through the same child.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors.ts';
import { admitSubmission, runSanity } from '../../src/models/admission/index.ts';
import { OrtProbe, type ProbeResult } from '../../src/models/admission/probe.ts';
import { AdmissionRulesSchema } from '../../src/models/admission/schema.ts';
import { contract, feeds, goodModel, writeModel } from '../models/admission/fixtures.ts';
import { HOSTILE_RULES_INPUT, hostileCases, materialize, type Outcome } from './generator.ts';

const rules = AdmissionRulesSchema.parse(HOSTILE_RULES_INPUT);
const root = mkdtempSync(join(tmpdir(), 'arbiter-hostile-'));
const ROWS = rules.sanity.rows;
const probe = new OrtProbe({ timeoutMs: 15_000, memoryLimitMb: 4096 });
afterAll(() => probe.close());

interface Row { name: string; family: string; outcome: Outcome; expected: Outcome[] | undefined; ortDirect: string; message: string }
const rows: Row[] = [];

function bitsOf(r: ProbeResult): string {
  if (r.status !== 'ok' || !r.outputs) return `status:${r.status}`;
  const d = r.outputs.probs!.data as Float32Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

describe('hostile models through admission + onnxruntime', () => {
  it('gives every case a stable, expected code and never crashes the scorer', async () => {
    const goodPath = writeModel(root, 'good.onnx', goodModel());
    const before = bitsOf(await probe.probe(goodPath, feeds(ROWS)));
    expect(before).toMatch(/^[0-9a-f]+$/);

    const cases = hostileCases();
    expect(cases.length).toBeGreaterThanOrEqual(200);
    let thrown = 0;
    for (const [i, c] of cases.entries()) {
      const dir = mkdtempSync(join(root, `c${i}-`));
      const path = materialize(c, dir);
      let outcome: Outcome;
      let message = '';
      try {
        const res = await admitSubmission(path, rules, contract, { workDir: dir, name: c.name });
        if (!res.ok) { outcome = res.error.code; message = res.error.message; } else {
          const e = await runSanity(probe, res.modelPath!, feeds(ROWS), contract, rules, ROWS, { batch: ROWS }, c.name);
          outcome = e ? e.code : 'ok';
          message = e?.message ?? '';
        }
      } catch (e) {
        thrown++;
        outcome = 'E_INTERNAL';
        message = `threw: ${(e as Error).message}`;
      }
      // Straight into onnxruntime, no admission: what would happen without it.
      let ortDirect = 'n/a';
      if (c.entry.endsWith('.onnx')) {
        const r = await probe.probe(path, feeds(ROWS));
        ortDirect = r.status === 'crash' ? `crash(${r.signal ?? r.exitCode})` : r.status;
      }
      rows.push({ name: c.name, family: c.family, outcome, expected: c.expect, ortDirect, message });
    }

    const after = bitsOf(await probe.probe(goodPath, feeds(ROWS)));
    expect(after).toBe(before);

    const summary = {
      inputsTried: rows.length,
      byFamily: tally(rows.map((r) => r.family)),
      outcomes: tally(rows.map((r) => r.outcome)),
      distinctCodes: [...new Set(rows.map((r) => r.outcome))].filter((o) => o !== 'ok').sort(),
      scorerCrashes: thrown,
      ortDirect: tally(rows.map((r) => r.ortDirect)),
      ortDirectCrashes: rows.filter((r) => r.ortDirect.startsWith('crash')).map((r) => `${r.name}: ${r.ortDirect} (admission: ${r.outcome})`),
      ortDirectTimeouts: rows.filter((r) => r.ortDirect === 'timeout').map((r) => `${r.name} (admission: ${r.outcome})`),
      ortAcceptedButAdmissionRefused: rows.filter((r) => r.ortDirect === 'ok' && r.outcome !== 'ok').map((r) => `${r.name}: ${r.outcome}`),
      childRestarts: probe.crashes,
    };
    writeFileSync(join(tmpdir(), 'arbiter-hostile-models-summary.json'), JSON.stringify({ summary, rows }, null, 2));
    console.log(JSON.stringify(summary, null, 2));

    expect(thrown).toBe(0);
    for (const r of rows) {
      expect([r.name, isErrorCode(r.outcome) || r.outcome === 'ok']).toEqual([r.name, true]);
      expect([r.name, r.outcome]).not.toEqual([r.name, 'E_INTERNAL']);
      if (r.expected) expect([r.name, r.outcome, r.message]).toEqual([r.name, expect.toBeOneOf(r.expected), r.message]);
    }
    expect(summary.distinctCodes.length).toBeGreaterThanOrEqual(8);
  }, 600_000);
});

function tally(xs: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const x of [...xs].sort()) m[x] = (m[x] ?? 0) + 1;
  return m;
}

describe('writeHostileCorpus', () => {
  it('writes every case and a manifest the pipeline-level run can use', async () => {
    const { writeHostileCorpus } = await import('./generator.ts');
    const { existsSync, readFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-corpus-'));
    const entries = writeHostileCorpus(dir);
    expect(entries.length).toBeGreaterThanOrEqual(200);
    for (const e of entries) expect([e.name, existsSync(e.submission) || e.name.includes('symlink')]).toEqual([e.name, true]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { entries: unknown[] };
    expect(manifest.entries.length).toBe(entries.length);
  });
});
