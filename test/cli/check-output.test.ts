// formatCheckReport: the human form of `arbiter check`, byte for byte (inline snapshots), with
// and without colour.
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/run/check.ts';
import { formatCheckReport } from '../../src/cli/check-output.ts';
import { createColors, stripAnsi } from '../../src/report/leaderboard.ts';

const base: CheckReport = {
  benchmark: { id: 'demo', version: 2, specHash: 'a'.repeat(64) },
  submission: { path: '/x/y/model.onnx', kind: 'onnx', bytes: 10, sha256: 'b'.repeat(64) },
  sample: { path: '/d/sample.arrow', sha256: 'c'.repeat(64), rows: 50 },
  rules: [
    { rule: 'file', title: '', status: 'pass', message: 'ONNX model, 10 bytes', error: null },
    { rule: 'admission', title: '', status: 'pass', message: 'ok', error: null },
    { rule: 'sample-score', title: '', status: 'pass', message: 'scored 50 sample rows', error: null },
  ],
  sampleScores: { public: { rmse: 0.5, mae: 0.25 }, private: { rmse: 1 / 3, mae: 2 } },
  rankSplit: 'public',
  ok: true,
};

describe('formatCheckReport', () => {
  it('passing: rules, then the metric table with the primary first and the rank split starred', () => {
    expect(formatCheckReport(base, { primaryMetric: 'mae', metricKeys: ['rmse', 'mae'] })).toBe(`check model.onnx against demo v2
  PASS  file          ONNX model, 10 bytes
  PASS  admission     ok
  PASS  sample-score  scored 50 sample rows

metrics on the public sample sample.arrow (50 rows, split as \`arbiter score\` splits; ranked on public):
  metric  public*   private
  ------  -------  --------
  mae        0.25         2
  rmse        0.5  0.333333

ok: this submission would be admitted and scored`);
  });

  it('failing: code and message, skipped rules, no table; control characters in messages are escaped', () => {
    const r: CheckReport = {
      ...base, ok: false, sample: null, sampleScores: null,
      rules: [
        { rule: 'file', title: '', status: 'pass', message: 'ok', error: null },
        { rule: 'admission', title: '', status: 'fail', message: 'x', error: { code: 'E_MODEL_TOO_LARGE', message: 'too big\x1b[31m' } },
        { rule: 'sample-score', title: '', status: 'skip', message: 'not run: rule "admission" failed', error: null },
      ],
    };
    expect(formatCheckReport(r, { primaryMetric: 'mae', metricKeys: ['mae'] })).toBe(`check model.onnx against demo v2
  PASS  file          ok
  FAIL  admission     E_MODEL_TOO_LARGE too big\\u001b[31m
  SKIP  sample-score  not run: rule "admission" failed

not admitted: fix the failing rule above, then run arbiter check again`);
  });

  it('colour only when asked; the text is the same without the escapes', () => {
    const plain = formatCheckReport(base, { primaryMetric: 'mae', metricKeys: ['mae', 'rmse'] });
    const coloured = formatCheckReport(base, { primaryMetric: 'mae', metricKeys: ['mae', 'rmse'], colors: createColors(true) });
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[32mPASS\x1b[39m');
    expect(stripAnsi(coloured)).toBe(plain);
  });
});
