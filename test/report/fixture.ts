// A small, hand-written run result shared by the report and CLI output tests: two scored rows,
// a tie-free ranking, a failure, a duplicate, and participant names and error messages that try
// to break out of HTML, Markdown, CSV and the terminal.
import type { HtmlReportInput } from '../../src/report/html.ts';
import type { ReportRow, ScoreResult } from '../../src/report/types.ts';

export const SHA_A = 'a1'.repeat(32);
export const SHA_B = 'b2'.repeat(32);
export const SHA_C = 'c3'.repeat(32);
export const SHA_D = 'd4'.repeat(32);
export const SHA_E = 'e5'.repeat(32);

export const XSS = '<script>alert(1)</script>';
export const XSS_IMG = '"><img src=x onerror="window.__xss=1">';

export function fixtureRows(): ReportRow[] {
  return [
    {
      rank: 1,
      submission: SHA_A,
      participant: 'alice',
      status: 'scored',
      scores: { accuracy: 0.9666666666666667, macro_f1: 0.9665831244778613 },
      splitScores: { public: { accuracy: 0.95, macro_f1: 0.949 }, private: { accuracy: 0.9666666666666667, macro_f1: 0.9665831244778613 } },
      error: null,
      reward: '600',
    },
    {
      rank: 2,
      submission: SHA_B,
      participant: 'carol | "the, best"',
      status: 'scored',
      scores: { accuracy: 0.9333333333333333, macro_f1: 0.9326599326599326 },
      splitScores: { public: { accuracy: 0.9, macro_f1: 0.9 }, private: { accuracy: 0.9333333333333333, macro_f1: 0.9326599326599326 } },
      error: null,
      reward: '400',
    },
    {
      rank: 3,
      submission: SHA_C,
      participant: XSS,
      status: 'scored',
      scores: { accuracy: 0.5, macro_f1: 0.25 },
      splitScores: {},
      error: null,
      reward: '0',
    },
    {
      rank: null,
      submission: SHA_D,
      participant: 'mallory',
      status: 'failed',
      scores: {},
      splitScores: {},
      error: { code: 'E_MODEL_CONTRACT', message: `expected input 'X' float32 [batch,4], found ${XSS_IMG}` },
    },
    {
      rank: null,
      submission: SHA_E,
      participant: 'dave\x1b[2J',
      status: 'duplicate',
      scores: {},
      splitScores: {},
      error: { code: 'E_DUPLICATE', message: `same bytes as ${SHA_A.slice(0, 12)}` },
    },
  ];
}

export function fixtureResult(): ScoreResult & { rows: ReportRow[] } {
  return {
    benchmark: { id: 'iris-demo', version: 2, specHash: 'f'.repeat(64) },
    run: {
      id: 7,
      fingerprint: {
        engine: 'arbiter 0.1.0',
        onnxruntime: '1.30.0',
        node: 'v20.20.2',
        platform: 'linux',
        arch: 'x64',
        cpu: 'Test CPU @ 2.0GHz',
        cpuFlags: '0123456789abcdef',
        specHash: 'f'.repeat(64),
        datasetSha256: '0'.repeat(64),
        batchSize: 64,
        graphOptimizationLevel: 'extended',
      },
    },
    rows: fixtureRows(),
  };
}

/** The fixture run as HTML report input: times for the scored rows, a receipt hash, a 3-class confusion matrix. */
export function fixtureInput(over: Partial<HtmlReportInput> = {}): HtmlReportInput {
  return {
    ...fixtureResult(),
    generatedBy: 'arbiter 0.1.0',
    primaryMetric: 'accuracy',
    higherIsBetter: { accuracy: true, macro_f1: true },
    submittedAt: { [SHA_A]: '2026-11-20T10:00:00Z', [SHA_B]: '2026-11-18T09:30:00Z', [SHA_C]: '2026-11-17T12:00:00Z' },
    receiptHash: '9'.repeat(64),
    confusion: { labels: ['setosa', 'versicolor', 'virginica'], matrix: [[10, 0, 0], [0, 9, 1], [0, 0, 10]] },
    ...over,
  };
}

