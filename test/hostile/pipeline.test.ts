// The hostile corpus through the real pipeline: every generated submission plus two good models
// goes through `score()` (registration, admission from the spec, worker pool, fold, store) against
// a benchmark whose contract and admission rules match the corpus; once more through the CLI as a
// child process. Asserts: the job finishes, every hostile submission that must fail fails with a
// stable code, nothing is E_INTERNAL, and the good models score bit for bit as without the corpus.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { score, type ScoreRow } from '../../src/run/index.ts';
import { isErrorCode } from '../../src/errors.ts';
import { goodModel } from '../models/admission/fixtures.ts';
import { writeHiddenBench } from '../run/fixtures/hidden-bench.ts';
import { REPO, tempDir } from '../helpers.ts';
import { SECRET } from './datasets.ts';
import { HOSTILE_RULES_INPUT, writeHostileCorpus, type CorpusEntry } from './generator.ts';

// The corpus's rules; weight-copy detection off so that every admitted case reaches onnxruntime
// (many cases share the base model's weights and would otherwise be settled as duplicates).
const ADMISSION = [
  `  maxBytes: ${HOSTILE_RULES_INPUT.maxBytes}`,
  `  maxExternalBytes: ${HOSTILE_RULES_INPUT.maxExternalBytes}`,
  `  maxNodes: ${HOSTILE_RULES_INPUT.maxNodes}`,
  '  duplicates: { weights: false }',
  '  sanity: { rejectConstant: true }',
].join('\n');

/** Cases that must not score: every case with expected codes only (the pipeline runs the sanity run too). */
function mustFail(e: CorpusEntry): boolean {
  return !!e.expect && !e.expect.includes('ok');
}

function goodFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const a = path.join(dir, 'good-a.onnx');
  const b = path.join(dir, 'good-b.onnx');
  writeFileSync(a, goodModel(101));
  writeFileSync(b, goodModel(202));
  return [a, b];
}

describe('hostile corpus through arbiter score', () => {
  it('fails every hostile submission with a stable code, finishes, and leaves the good scores bit-identical', async () => {
    const dir = tempDir('arbiter-hostile-pipeline-');
    const bench = path.join(dir, 'bench');
    mkdirSync(bench);
    await writeHiddenBench(bench, { admission: ADMISSION });
    const good = goodFiles(path.join(dir, 'good'));
    // Dangling symlink entries are not files a participant could hand in: the path check refuses them up front.
    const corpus = writeHostileCorpus(path.join(dir, 'corpus')).filter((e) => existsSync(e.submission) && lstatSync(e.submission).isFile());
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    // Participant names must be unique: one file per case, named after the case.
    const subs = [...good.map((p) => ({ path: p, participant: path.basename(p, '.onnx') })),
      ...corpus.map((e, i) => ({ path: e.submission, participant: `h${String(i).padStart(3, '0')}-${e.name}` }))];

    const baseline = await score({ benchmark: bench, submissions: good, workers: 2, db: path.join(dir, 'base.db') });
    let crashes = 0;
    let result;
    try {
      result = await score({ benchmark: bench, submissions: subs, workers: 2, db: path.join(dir, 'all.db') });
    } catch (e) {
      crashes++;
      throw e;
    }
    const by = new Map<string, ScoreRow>(result.rows.map((r) => [r.participant, r]));
    expect(result.rows.length).toBe(subs.length);

    // The good models: scored, and bit-identical to the run without the corpus.
    for (const p of ['good-a', 'good-b']) {
      const alone = baseline.rows.find((r) => r.participant === p)!;
      expect(by.get(p)!.status).toBe('scored');
      expect(JSON.stringify(by.get(p)!.splitScores)).toBe(JSON.stringify(alone.splitScores));
    }

    const outcomes: Record<string, number> = {};
    const mismatches: string[] = [];
    corpus.forEach((e, i) => {
      const row = by.get(`h${String(i).padStart(3, '0')}-${e.name}`)!;
      const outcome = row.error?.code ?? 'scored';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (row.error) {
        expect([e.name, isErrorCode(row.error.code)]).toEqual([e.name, true]);
        expect([e.name, row.error.code]).not.toEqual([e.name, 'E_INTERNAL']);
        expect(row.error.message).not.toContain(SECRET);
      } else {
        for (const v of Object.values(row.splitScores).flatMap((s) => Object.values(s))) expect(Number.isFinite(v)).toBe(true);
      }
      if (mustFail(e)) expect([e.name, row.status]).not.toEqual([e.name, 'scored']);
      if (row.error && e.expect && !e.expect.includes(row.error.code as never)) mismatches.push(`${e.name}: ${row.error.code} (admission alone: ${e.expect.join('|')})`);
    });
    const summary = {
      inputsTried: corpus.length,
      mustFail: corpus.filter(mustFail).length,
      outcomes: Object.fromEntries(Object.entries(outcomes).sort()),
      distinctCodes: Object.keys(outcomes).filter((k) => k !== 'scored').sort(),
      crashes,
      codeDiffersFromAdmissionSuite: mismatches,
    };
    writeFileSync(path.join(tmpdir(), 'arbiter-hostile-pipeline-summary.json'), JSON.stringify(summary, null, 2));
    console.log(JSON.stringify(summary, null, 2));
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(summary.distinctCodes.length).toBeGreaterThanOrEqual(6);

    // Once through the CLI as a child process: a deterministic subset (every 5th case) and the good models.
    const cliSubs = [...good, ...corpus.filter((_, i) => i % 5 === 0).map((e) => e.submission)];
    const cli = spawnSync(process.execPath, [path.join(REPO, 'bin/arbiter.js'), 'score', '-b', bench, '--workers', '2', '--db', path.join(dir, 'cli.db'), '--json', '-s', ...cliSubs],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000, maxBuffer: 64 << 20 });
    expect(cli.status, cli.stderr).toBe(0);
    const parsed = JSON.parse(cli.stdout) as { rows: ScoreRow[] };
    expect(cli.stdout).not.toContain(SECRET);
    expect(cli.stderr).not.toContain(SECRET);
    const cliByFile = new Map(parsed.rows.map((r) => [r.submission, r]));
    expect(parsed.rows.length).toBeGreaterThanOrEqual(2);
    for (const r of parsed.rows) {
      if (r.error) expect(isErrorCode(r.error.code) && r.error.code !== 'E_INTERNAL').toBe(true);
    }
    for (const p of ['good-a', 'good-b']) {
      const row = by.get(p)!;
      expect(JSON.stringify(cliByFile.get(row.submission)!.splitScores)).toBe(JSON.stringify(row.splitScores));
    }
  }, 900_000);
});
