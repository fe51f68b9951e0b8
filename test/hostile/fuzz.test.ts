// Seeded, bounded fuzzing of every hostile-input surface through the entry points the CLI uses, in
// process: ONNX admission (+ the sanity run in onnxruntime's capped child for what admission lets
// through), prediction CSV and Arrow loading against a small hidden set, tar unpacking (ONNX
// archives and language-model folders) with a check that nothing lands outside the folder, benchmark
// YAML, receipt parse + integrity + signature + re-score comparison, shard part parse + merge.
// A case passes when it succeeds or throws / returns an ArbiterError whose code is not E_INTERNAL;
// anything else (TypeError, RangeError, E_INTERNAL, a case past its time limit, a file written
// outside the unpack folder, a polluted Object.prototype) fails the test naming the case to replay:
//   FUZZ_SEED=<seed> FUZZ_SURFACE=<surface> FUZZ_CASE=<index> npx vitest run test/hostile/fuzz.test.ts
// Longer local runs: FUZZ_SEED=<any> FUZZ_CASES=<total cases, spread over the surfaces like the default>.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeParts, parsePart } from '../../src/run/shard.ts';
import { ArbiterError, isErrorCode, type ErrorData } from '../../src/errors.ts';
import { unpackTar } from '../../src/models/hf/tar.ts';
import { admitOnnx, admitSubmission, runSanity } from '../../src/models/admission/index.ts';
import { OrtProbe } from '../../src/models/admission/probe.ts';
import { AdmissionRulesSchema } from '../../src/models/admission/schema.ts';
import { checkNoExtraPredictions, loadPredictions, lookupPredictions } from '../../src/models/predictions.ts';
import { formatVerifyReport, verifyReceipt } from '../../src/receipts/index.ts';
import { parseReceipt } from '../../src/receipts/receipt.ts';
import { loadBenchmark, parseBenchmark, type LoadedBenchmark } from '../../src/benchmark/loader.ts';
import { contract, feeds, goodModel } from '../models/admission/fixtures.ts';
import { HOSTILE_RULES_INPUT } from './generator.ts';
import { fuzzPartText, fuzzReceiptText, fuzzSpecText, partSeeds, receiptBase, RECEIPT_KEY } from './fuzz/documents.ts';
import { EXTERNAL_BYTES, EXTERNAL_FILE, mutateOnnx, onnxSeeds } from './fuzz/onnx.ts';
import { PredictionChild } from './fuzz/child.ts';
import { arrowBase, fuzzArrow, fuzzCsv, HIDDEN_IDS, HIDDEN_ROWS, REGRESSION_SPEC } from './fuzz/predictions.ts';
import { Rng } from './fuzz/rng.ts';
import { fuzzTar } from './fuzz/tar.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
/** Cases per surface at the default budget (2,700 in all). */
const DEFAULT_CASES = { onnx: 700, csv: 350, arrow: 350, tar: 400, yaml: 400, receipt: 300, part: 200 } as const;
type Surface = keyof typeof DEFAULT_CASES;
const TOTAL_DEFAULT = Object.values(DEFAULT_CASES).reduce((a, b) => a + b, 0);
const SCALE = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) / TOTAL_DEFAULT : 1;
const ONLY_SURFACES = process.env.FUZZ_SURFACE?.split(',');
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
/**
 * A case using more CPU than this is a hang (in-process work cannot be interrupted, so it is
 * measured). CPU time, not wall time: on a shared machine the wall clock says more about the
 * neighbours than about the case. Past WALL_LIMIT_MS of wall time it is a hang whatever the CPU.
 */
const CASE_LIMIT_MS = 2_000;
const WALL_LIMIT_MS = 20_000;
/** onnxruntime sanity runs for statically admitted models: at most this many per run, each killed past its timeout. */
const PROBE_CAP = 60;
const PROBE_TIMEOUT_MS = 3_000;
/** Per surface; longer runs (FUZZ_CASES) get proportionally more. */
const TEST_TIMEOUT_MS = 300_000 * Math.max(1, SCALE);

const rules = AdmissionRulesSchema.parse(HOSTILE_RULES_INPUT);
const root = mkdtempSync(join(tmpdir(), 'arbiter-fuzz-'));
const probe = new OrtProbe({ timeoutMs: PROBE_TIMEOUT_MS, memoryLimitMb: 4096 });
/** Arrow cases run in a child with a 256 MiB heap, killed when a file takes longer than this. */
const ARROW_DEADLINE_MS = 20_000;
const arrowChild = new PredictionChild(256, ARROW_DEADLINE_MS);

interface Failure { surface: Surface; index: number; seed: number; kind: string; message: string }
const failures: Failure[] = [];
const stats = new Map<Surface, { cases: number; outcomes: Record<string, number>; maxMs: number; totalMs: number; maxCpuMs: number }>();
const notes = { probes: 0, probeOutcomes: {} as Record<string, number>, peakRssMb: 0 };
const runStart = { wall: performance.now(), cpu: process.cpuUsage() };

function casesFor(s: Surface): number[] {
  if (ONLY_SURFACES && !ONLY_SURFACES.includes(s)) return [];
  if (ONLY_CASE !== undefined) return [ONLY_CASE];
  return Array.from({ length: Math.max(1, Math.round(DEFAULT_CASES[s] * SCALE)) }, (_, i) => i);
}

/** Run one case: the outcome is 'ok' or a stable code; anything else is recorded as a failure. */
async function runCase(surface: Surface, index: number, body: (r: Rng, dir: string, startClock: () => void) => Promise<string | ErrorData | null | void>, limitMs: number | (() => number) = WALL_LIMIT_MS): Promise<void> {
  const seed = Rng.caseSeed(SEED, surface, index);
  const dir = join(root, `${surface}-${index}`);
  mkdirSync(dir);
  const st = stats.get(surface) ?? { cases: 0, outcomes: {}, maxMs: 0, totalMs: 0, maxCpuMs: 0 };
  stats.set(surface, st);
  const fail = (kind: string, message: string) => failures.push({ surface, index, seed, kind, message: message.slice(0, 300) });
  if (process.env.FUZZ_TRACE) process.stderr.write(`${surface} ${index} `);
  // The clock restarts once the case's input is made: only the code under test is timed.
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const startClock = () => { t0 = performance.now(); c0 = process.cpuUsage(); };
  let outcome: string;
  try {
    const res = await body(new Rng(seed), dir, startClock);
    outcome = res === undefined || res === null ? 'ok' : typeof res === 'string' ? res : res.code;
    if (outcome === 'E_INTERNAL') fail('E_INTERNAL', typeof res === 'object' && res ? res.message : '');
    else if (outcome !== 'ok' && !isErrorCode(outcome)) fail('unstable outcome', outcome);
  } catch (e) {
    if (e instanceof ArbiterError && e.code !== 'E_INTERNAL') outcome = e.code;
    else {
      outcome = 'crash';
      fail(e instanceof ArbiterError ? 'E_INTERNAL' : `threw ${(e as Error)?.constructor?.name ?? typeof e}`, `${(e as Error)?.message ?? String(e)}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n') ?? ''}`);
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (process.env.FUZZ_TRACE) process.stderr.write(`${Math.round(ms)}ms ${Math.round(process.memoryUsage().rss / (1 << 20))}MB\n`);
  const limit = typeof limitMs === 'number' ? limitMs : limitMs();
  if (cpuMs > CASE_LIMIT_MS || ms > limit) fail('hang', `took ${Math.round(cpuMs)} ms of CPU (limit ${CASE_LIMIT_MS} ms), ${Math.round(ms)} ms of wall time (limit ${limit} ms)`);
  if (({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined) {
    fail('prototype pollution', 'Object.prototype gained a property');
    delete (Object.prototype as Record<string, unknown>).polluted;
    delete (Object.prototype as Record<string, unknown>).isAdmin;
  }
  st.cases++;
  st.outcomes[outcome] = (st.outcomes[outcome] ?? 0) + 1;
  st.maxMs = Math.max(st.maxMs, ms);
  st.totalMs += ms;
  st.maxCpuMs = Math.max(st.maxCpuMs, cpuMs);
  notes.peakRssMb = Math.max(notes.peakRssMb, Math.round(process.memoryUsage().rss / (1 << 20)));
  rmSync(dir, { recursive: true, force: true });
}

function expectNoFailures(surface: Surface): void {
  const mine = failures.filter((f) => f.surface === surface);
  const lines = mine.map((f) => `${f.kind}: FUZZ_SEED=${SEED} FUZZ_SURFACE=${f.surface} FUZZ_CASE=${f.index} (case seed ${f.seed}): ${f.message}`);
  expect(lines).toEqual([]);
}

/** Paths (relative to `dir`) of every symlink below it. */
function symlinksUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    if (st.isSymbolicLink()) out.push(p);
    else if (st.isDirectory()) out.push(...symlinksUnder(dir, p));
  }
  return out;
}

let DEMO: LoadedBenchmark;
let REGRESSION: LoadedBenchmark;

beforeAll(async () => {
  DEMO = loadBenchmark('tabular-demo');
  REGRESSION = parseBenchmark(REGRESSION_SPEC, join(root, 'benchmark.yaml'));
  // Warm the onnxruntime child so its start-up is not charged to the first case.
  const warm = await probe.probe(goodModel(), feeds(rules.sanity.rows));
  expect(warm.status).toBe('ok');
  // The same for the Arrow child (tsx start-up): a real, valid prediction file.
  const valid = join(root, 'warm.arrow');
  writeFileSync(valid, arrowBase(new Rng(1), 4));
  expect((await arrowChild.request({ file: valid, classification: true, needsProbabilities: false, specDir: root })).crash).toBeUndefined();
});

afterAll(async () => {
  await probe.close();
  arrowChild.close();
  rmSync(root, { recursive: true, force: true });
  const perSurface = Object.fromEntries([...stats].map(([s, v]) => [s, { cases: v.cases, wallMs: Math.round(v.totalMs), maxCaseMs: Math.round(v.maxMs), maxCaseCpuMs: Math.round(v.maxCpuMs), meanCaseMs: +(v.totalMs / Math.max(1, v.cases)).toFixed(2), outcomes: v.outcomes }]));
  const codes = new Set<string>();
  for (const v of stats.values()) for (const k of Object.keys(v.outcomes)) if (isErrorCode(k)) codes.add(k);
  const cpu = process.cpuUsage(runStart.cpu);
  console.log(JSON.stringify({
    seed: SEED, wallMs: Math.round(performance.now() - runStart.wall), cpuMs: Math.round((cpu.user + cpu.system) / 1000), casesTried: [...stats.values()].reduce((a, v) => a + v.cases, 0), failures: failures.length,
    distinctCodes: [...codes].sort(), perSurface, sanityRuns: notes.probes, sanityOutcomes: notes.probeOutcomes, arrowChildRestarts: arrowChild.restarts, peakRssMb: notes.peakRssMb,
  }, null, 2));
});

const sanityRows = rules.sanity.rows;

describe('fuzz: every hostile-input surface, seeded and bounded', () => {
  it('ONNX models: structure-aware and byte-level mutations through admission and the sanity run', async () => {
    expect(onnxSeeds().length).toBe(4);
    for (const i of casesFor('onnx')) {
      let probed = false;
      await runCase('onnx', i, async (r, dir, startClock) => {
        const { bytes } = mutateOnnx(r);
        const path = join(dir, 'model.onnx');
        writeFileSync(path, bytes);
        writeFileSync(join(dir, EXTERNAL_FILE), EXTERNAL_BYTES);
        startClock();
        const res = await admitOnnx(path, rules, contract, { folder: dir, name: 'model.onnx' });
        if (!res.ok) return res.error;
        if (notes.probes >= PROBE_CAP) return null;
        notes.probes++;
        probed = true;
        const err = await runSanity(probe, path, feeds(sanityRows), contract, rules, sanityRows, { batch: sanityRows }, 'model.onnx');
        const key = err ? `${err.code}${err.details?.crash ? ' (child crashed)' : err.details?.timeout ? ' (child timed out)' : ''}` : 'ok';
        notes.probeOutcomes[key] = (notes.probeOutcomes[key] ?? 0) + 1;
        return err;
      }, () => (probed ? PROBE_TIMEOUT_MS + WALL_LIMIT_MS : WALL_LIMIT_MS));
    }
    expectNoFailures('onnx');
  }, TEST_TIMEOUT_MS);

  it(`prediction CSV files: loaded, looked up against a ${HIDDEN_ROWS}-row hidden set, extras checked`, async () => {
    for (const i of casesFor('csv')) {
      await runCase('csv', i, async (r, dir, startClock) => {
        const classification = r.chance(0.7);
        const file = join(dir, 'preds.csv');
        writeFileSync(file, fuzzCsv(r, classification ? 4 : 0));
        startClock();
        const table = await loadPredictions(file, classification ? DEMO : REGRESSION, classification && r.chance(0.5));
        lookupPredictions(table, HIDDEN_IDS, HIDDEN_IDS.length, file);
        checkNoExtraPredictions(table, file);
      });
    }
    expectNoFailures('csv');
  }, TEST_TIMEOUT_MS);

  it('prediction Arrow files: the same, in a heap-capped child (an allocation bomb must not take the runner down)', async () => {
    for (const i of casesFor('arrow')) {
      await runCase('arrow', i, async (r, dir, startClock) => {
        const classification = r.chance(0.7);
        const file = join(dir, 'preds.arrow');
        writeFileSync(file, fuzzArrow(r, classification ? 4 : 0));
        startClock();
        const res = await arrowChild.request({ file, classification, needsProbabilities: classification && r.chance(0.5), specDir: root });
        if (res.crash) throw new Error(res.crash);
        if (res.cpuMs !== undefined && res.cpuMs > CASE_LIMIT_MS) throw new Error(`hang: took ${Math.round(res.cpuMs)} ms of CPU in the child (limit ${CASE_LIMIT_MS} ms)`);
        return res.outcome;
      }, ARROW_DEADLINE_MS + WALL_LIMIT_MS);
    }
    expectNoFailures('arrow');
  }, TEST_TIMEOUT_MS);

  it('tar archives: ONNX submission archives and language-model folders unpack safely or fail with a code', async () => {
    const model = onnxSeeds()[1]!;
    for (const i of casesFor('tar')) {
      await runCase('tar', i, async (r, dir, startClock) => {
        const escapeDir = join(dir, 'outside');
        const sandbox = join(dir, 'sandbox');
        mkdirSync(sandbox);
        const bytes = fuzzTar(r, model, escapeDir);
        const input = join(dir, r.chance(0.5) ? 'submission.tar' : 'submission.tar.gz');
        writeFileSync(input, bytes);
        const useAdmission = r.chance(0.5);
        startClock();
        let result: ErrorData | null = null;
        let thrown: unknown;
        try {
          if (useAdmission) {
            const res = await admitSubmission(input, rules, contract, { workDir: sandbox, name: 'submission' });
            result = res.ok ? null : res.error;
          } else {
            unpackTar(bytes, join(sandbox, 'model'), { maxBytes: 1 << 20, maxEntries: 100 });
          }
        } catch (e) { thrown = e; }
        // Whatever the outcome, nothing may exist outside the sandbox, and no link inside it.
        const outside = readdirSync(dir).filter((n) => n !== 'sandbox' && n !== input.slice(dir.length + 1));
        if (outside.length > 0 || existsSync(escapeDir)) throw new Error(`wrote outside the unpack folder: ${outside.join(', ')}`);
        const links = symlinksUnder(sandbox);
        if (links.length > 0) throw new Error(`created symlinks: ${links.join(', ')}`);
        if (thrown !== undefined) throw thrown;
        return result;
      });
    }
    expectNoFailures('tar');
  }, TEST_TIMEOUT_MS);

  it('benchmark YAML: mutated specs, alias bombs, deep nesting and tags through parseBenchmark', async () => {
    for (const i of casesFor('yaml')) {
      await runCase('yaml', i, async (r, dir, startClock) => {
        const text = fuzzSpecText(r);
        startClock();
        parseBenchmark(text, join(dir, 'benchmark.yaml'));
      });
    }
    expectNoFailures('yaml');
  }, TEST_TIMEOUT_MS);

  it('receipts: parse, integrity, signature and re-score comparison of mutated signed receipts', async () => {
    const { result } = receiptBase();
    for (const i of casesFor('receipt')) {
      await runCase('receipt', i, async (r, _dir, startClock) => {
        const text = fuzzReceiptText(r);
        const publicKey = r.chance(0.3);
        const requireSignature = r.chance(0.5);
        startClock();
        const { receipt, canonical } = parseReceipt(text);
        const report = await verifyReceipt(receipt, {
          rescore: async () => result,
          ...(publicKey ? { publicKey: RECEIPT_KEY } : {}),
          requireSignature,
        }, canonical);
        formatVerifyReport(report);
        return report.code;
      });
    }
    expectNoFailures('receipt');
  }, TEST_TIMEOUT_MS);

  it('shard partial results: mutated parts through parsePart and mergeParts', async () => {
    const seeds = partSeeds();
    for (const i of casesFor('part')) {
      await runCase('part', i, async (r, _dir, startClock) => {
        const which = r.int(2);
        const text = fuzzPartText(r, which);
        startClock();
        const part = parsePart(text, 'part.json');
        mergeParts(which === 0 ? [part, seeds[1]!] : [seeds[0]!, part]);
      });
    }
    expectNoFailures('part');
  }, TEST_TIMEOUT_MS);

  it('ran at least 2,000 cases in all (at the default budget)', () => {
    if (ONLY_SURFACES || ONLY_CASE !== undefined || SCALE < 1) return;
    expect([...stats.values()].reduce((a, v) => a + v.cases, 0)).toBeGreaterThanOrEqual(2_000);
  });
});
