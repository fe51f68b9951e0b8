// `arbiter models` / `arbiter models show` (issue 15.5) through the CLI on a real store: the
// tabular demo scored (ONNX files and a prediction file), a weight-identical ONNX copy with edited
// metadata submitted with --base-model (a hash prefix), a sentiment-demo model folder submitted with
// --base-model and scored, a copy of it with an edited config.json (its base model read from
// `_name_or_path`), a .tar of another one, federated rounds in fl_rounds (one model's bytes in the
// blob store), final-set scores withheld until the release, and hostile names in every format.
import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.ts';
import { arbiter } from './in-process.ts';
import { decodeModel, encodeModel } from '../../src/models/onnx/proto.ts';
import { mlpModel } from '../../src/models/onnx/builder.ts';
import { admitOnnx } from '../../src/models/admission/onnx.ts';
import { loadBenchmark } from '../../src/benchmark/loader.ts';
import { admissionContract, admissionRules } from '../../src/benchmark/admission-rules.ts';
import { Store } from '../../src/store/store.ts';
import { ensureFlFederation, insertFlRound } from '../../src/store/fl.ts';
import { buildDemoSubmissions } from '../../src/demo/sentiment-demo.ts';
import type { LineageLink, ModelEntry } from '../../src/models/registry.ts';
import { folderFiles } from '../../src/tasks/lm/submissions.ts';
import { tar } from '../models/tar-writer.ts';

const SUBS = path.join(REPO, 'benchmarks/tabular-demo/submissions');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let root: string;
let db: string;
const hashes: Record<string, string> = {};
/** round 4's model: its bytes are in the blob store */
let roundModel: Uint8Array;

async function models(...args: string[]) {
  return arbiter(['models', ...args, '--db', db], { cwd: root });
}

async function list(): Promise<ModelEntry[]> {
  const r = await models('--json');
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { models: ModelEntry[] }).models;
}

const byHash = (entries: ModelEntry[], h: string) => entries.find((e) => e.sha256 === h)!;

beforeAll(async () => {
  root = tempDir('arbiter-models-');
  db = path.join(root, 'store', 'a.db');
  const score = await arbiter(['score', '-b', 'tabular-demo', '--db', db, '-w', '1', '--isolation', 'thread', '--json'], { cwd: root });
  expect(score.status, score.stderr).toBe(0);
  for (const row of JSON.parse(score.stdout).rows as Array<{ participant: string; submission: string }>) hashes[row.participant] = row.submission;

  // alice's weights in another wrapper: new doc string and producer, so other bytes, same tensors
  const alice = decodeModel(readFileSync(path.join(SUBS, 'alice.onnx')));
  const mallory = path.join(root, 'mallory.onnx');
  writeFileSync(mallory, encodeModel({ ...alice, producerName: 'not-a-copy', docString: 'trained from scratch, honest' } as never));
  hashes.mallory = sha(readFileSync(mallory));
  const sub = await arbiter(['submit', mallory, '-b', 'tabular-demo', '--db', db, '--base-model', hashes.alice!.slice(0, 12), '--json'], { cwd: root });
  expect(sub.status, sub.stderr).toBe(0);
  expect(JSON.parse(sub.stdout).baseModel).toBe(hashes.alice);

  // a hostile participant name (formula, markup, pipes: allowed characters, neutralised on output)
  const h = await arbiter(['submit', path.join(SUBS, 'bob.onnx'), '-b', 'tabular-demo', '--db', db, '-p', '=HYPERLINK("x")|<b>*', '--json'], { cwd: root });
  expect(h.status, h.stderr).toBe(0);

  // language models: a demo folder with a declared base model, a copy with an edited config, a .tar
  const lm = await buildDemoSubmissions(path.join(root, 'lm'));
  const copy = path.join(root, 'lm', 'copycat');
  cpSync(lm['naive-bayes'], copy, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(copy, 'config.json'), 'utf8'));
  writeFileSync(path.join(copy, 'config.json'), JSON.stringify({ ...config, _name_or_path: 'acme/bayes-v2', note: 'edited' }));
  const archive = path.join(root, 'lm', 'keywords.tar');
  writeFileSync(archive, tar(folderFiles(lm.keywords).map((rel) => ({ name: `keywords/${rel}`, data: readFileSync(path.join(lm.keywords, rel)) }))));
  for (const [p, extra] of [[lm['naive-bayes'], ['--base-model', 'google/bert_uncased_L-2_H-128_A-2']], [copy, []], [archive, []]] as const) {
    const r = await arbiter(['submit', p, '-b', 'sentiment-demo', '--db', db, '--json', ...extra], { cwd: root });
    expect(r.status, r.stderr).toBe(0);
    hashes[path.basename(p, '.tar')] = JSON.parse(r.stdout).submission;
  }
  const lmScore = await arbiter(['score', '-b', 'sentiment-demo', '-s', lm['naive-bayes'], copy, '--db', db, '-w', '1', '--isolation', 'thread', '--json'], { cwd: root });
  expect(lmScore.status, lmScore.stderr).toBe(0);

  // federated rounds: 1 adopts mallory's model, 2 improves, 3 is rejected, 4 improves on 2
  roundModel = mlpModel({ inputName: 'features', outputName: 'probabilities', softmax: true, weights: [{ w: new Float32Array(32 * 4).fill(0.25), b: new Float32Array(4), inF: 32, outF: 4 }] });
  hashes.r2 = sha('round 2 model');
  hashes.r3 = sha('round 3 model');
  hashes.r4 = sha(roundModel);
  const store = Store.open(db);
  try {
    writeFileSync(path.join(store.blobDir, `${hashes.r4}.onnx`), roundModel);
    ensureFlFederation(store.db, 'hospitals', sha('{}'), '{}');
    const round = (n: number, model: string, parent: number | null, accepted: boolean, score: number, federation = 'hospitals') => insertFlRound(store.db, {
      federation, round: n, modelSha256: model, modelKind: 'onnx', modelBytes: 100 + n, parentRound: parent,
      globalScoresJson: JSON.stringify({ accuracy: score }), accepted, votesJson: '{}', flaggedJson: '[]', rewardsJson: '{}',
    });
    round(1, hashes.mallory, null, true, 0.5);
    round(2, hashes.r2, 1, true, 0.75);
    round(3, hashes.r3, 2, false, 0.625);
    round(4, hashes.r4, 2, true, 0.875);
    // a federation name with a terminal escape (the store may hold anything)
    round(1, hashes.r3, null, true, 0.25, 'evil\u001b[31m');
    // a final hidden set run of alice: its scores are withheld until the release
    const alice = store.submissions('tabular-demo').find((s) => s.participant === 'alice')!;
    const runId = store.createRun({ benchmarkId: 'tabular-demo--final-set', specHash: 'x', datasetSha256: 'y', fingerprintJson: '{}', workers: 1, taskRows: 1, members: [alice.id] });
    store.finishRun(runId, [{ submissionId: alice.id, status: 'scored', rank: 1, error: null, splitScores: { private: { accuracy: 0.999 }, public: { accuracy: 0.998 } } }], '{}');
  } finally {
    store.close();
  }
}, 240_000);

describe('arbiter models', () => {
  it('lists submissions and round models with kind, bytes, parameters, base model, rounds and every score', async () => {
    const entries = await list();
    const alice = byHash(entries, hashes.alice!);
    expect(alice.kind).toBe('onnx');
    expect(alice.bytes).toBe(readFileSync(path.join(SUBS, 'alice.onnx')).length);
    // the registry's parameter count and weights hash are the admission's
    const b = loadBenchmark('tabular-demo');
    const admitted = await admitOnnx(path.join(SUBS, 'alice.onnx'), admissionRules(b), admissionContract(b));
    expect(admitted.ok).toBe(true);
    if (!admitted.ok) return;
    expect(alice.params).toBe(admitted.info.paramCount);
    expect(alice.weightsHash).toBe(admitted.info.weightsHash);
    expect(alice.params).toBe(9476);
    expect(alice.submissions.map((s) => s.participant)).toEqual(['alice', 'heidi']);
    const runScores = alice.scores.filter((s) => s.source === 'run');
    expect(runScores.map((s) => s.source === 'run' && `${s.benchmark} ${s.split} ${s.metric}`)).toEqual([
      'tabular-demo private accuracy', 'tabular-demo private log_loss', 'tabular-demo private macro_f1',
      'tabular-demo public accuracy', 'tabular-demo public log_loss', 'tabular-demo public macro_f1',
    ]);
    expect(alice.withheldScores).toBe(2);
    expect(alice.scores.some((s) => s.value === 0.999 || s.value === 0.998)).toBe(false);

    expect(byHash(entries, hashes.grace!).kind).toBe('predictions');
    expect(byHash(entries, hashes.grace!).params).toBeNull();
    expect(byHash(entries, hashes.frank!).factsError?.code).toBe('E_MODEL_FORMAT');

    const nb = byHash(entries, hashes['naive-bayes']!);
    expect(nb.kind).toBe('lm-folder');
    expect(nb.params).toBeGreaterThan(0);
    expect(nb.baseModel).toEqual({ name: 'google/bert_uncased_L-2_H-128_A-2', source: 'submit', sha256: null });
    expect(nb.scores.filter((s) => s.source === 'run' && s.benchmark === 'sentiment-demo').length).toBe(6);
    const kw = byHash(entries, hashes.keywords!);
    expect(kw.kind).toBe('lm-archive');
    expect(kw.params).toBe(nb.params);
    expect(kw.weightsHash).not.toBe(nb.weightsHash);

    const r4 = byHash(entries, hashes.r4!);
    expect(r4).toMatchObject({ kind: 'onnx', bytes: 104, params: 32 * 4 + 4, rounds: [{ federation: 'hospitals', round: 4, parentRound: 2, accepted: true }] });
    expect(r4.scores).toEqual([{ source: 'round', federation: 'hospitals', round: 4, accepted: true, metric: 'accuracy', value: 0.875 }]);
    const r2 = byHash(entries, hashes.r2!);
    expect(r2.params).toBeNull(); // the store does not hold its bytes
    expect(r2.factsError).toBeNull();
    const m = byHash(entries, hashes.mallory!);
    expect(m.rounds.map((r) => r.round)).toEqual([1]);
    expect(m.scores.map((s) => s.source)).toEqual(['round']);
  });

  it('recognises the same weights under other metadata or another config.json', async () => {
    const entries = await list();
    const alice = byHash(entries, hashes.alice!);
    const mallory = byHash(entries, hashes.mallory!);
    expect(mallory.sha256).not.toBe(alice.sha256);
    expect(mallory.weightsHash).toBe(alice.weightsHash);
    expect(mallory.sameWeightsAs).toBe(alice.sha256);
    expect(alice.sameWeightsAs).toBeNull();
    expect(mallory.baseModel).toEqual({ name: hashes.alice, source: 'submit', sha256: hashes.alice });

    const nb = byHash(entries, hashes['naive-bayes']!);
    const copycat = byHash(entries, hashes.copycat!);
    expect(copycat.sameWeightsAs).toBe(nb.sha256);
    expect(copycat.baseModel).toEqual({ name: 'acme/bayes-v2', source: 'config', sha256: null });
    // scoring refused it as a weight copy: it has no scores
    expect(copycat.scores).toEqual([]);
    // bob's model under two participants is one model; carol's and dave's (other weights) are not copies
    expect(byHash(entries, hashes.bob!).submissions.length).toBe(2);
    expect(byHash(entries, hashes.carol!).sameWeightsAs).toBeNull();

    const table = await models();
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${hashes.mallory!.slice(0, 12)} .*same weights as ${hashes.alice!.slice(0, 12)}`));
    expect(table.stdout).toMatch(new RegExp(`${hashes.copycat!.slice(0, 12)} .*acme/bayes-v2 \\(config\\).*same weights as ${hashes['naive-bayes']!.slice(0, 12)}`));
  });

  it('shows one model by a hash prefix with its lineage chain: round -> parent round -> ... -> base model', async () => {
    const r = await models('show', hashes.r4!.slice(0, 10), '--json');
    expect(r.status, r.stderr).toBe(0);
    const { model, lineage } = JSON.parse(r.stdout) as { model: ModelEntry; lineage: LineageLink[] };
    expect(model.sha256).toBe(hashes.r4);
    expect(lineage).toEqual([
      { relation: 'parent-round', federation: 'hospitals', round: 2, sha256: hashes.r2, cycle: false },
      { relation: 'parent-round', federation: 'hospitals', round: 1, sha256: hashes.mallory, cycle: false },
      { relation: 'base-model', name: hashes.alice, source: 'submit', sha256: hashes.alice, cycle: false },
    ]);
    const t = await models('show', hashes.r4!.slice(0, 10));
    expect(t.status).toBe(0);
    expect(t.stdout).toContain([
      'lineage',
      hashes.r4!.slice(0, 12),
      `└─ parent round: hospitals round 2 (${hashes.r2!.slice(0, 12)})`,
      `  └─ parent round: hospitals round 1 (${hashes.mallory!.slice(0, 12)})`,
      `    └─ base model: ${hashes.alice} (${hashes.alice!.slice(0, 12)})`,
    ].join('\n'));
    expect(t.stdout).toMatch(/hospitals round 4 +global +accuracy +0\.875/);

    const nb = JSON.parse((await models('show', hashes['naive-bayes']!, '--json')).stdout) as { lineage: LineageLink[] };
    expect(nb.lineage).toEqual([{ relation: 'base-model', name: 'google/bert_uncased_L-2_H-128_A-2', source: 'submit', sha256: null, cycle: false }]);

    // the scores a final hidden set withholds appear once the release is recorded
    const before = JSON.parse((await models('show', hashes.alice!.toUpperCase().slice(0, 16), '--json')).stdout) as { model: ModelEntry };
    expect(before.model.withheldScores).toBe(2);
    const s = Store.open(db);
    s.recordRelease('tabular-demo');
    s.close();
    const after = JSON.parse((await models('show', hashes.alice!, '--json')).stdout) as { model: ModelEntry };
    expect(after.model.withheldScores).toBe(0);
    expect(after.model.scores.filter((x) => x.source === 'run' && x.benchmark === 'tabular-demo--final-set').map((x) => x.value)).toEqual([0.999, 0.998]);
  });

  it('refuses an unknown or ambiguous prefix and a non-hex one with stable codes', async () => {
    const unknown = await models('show', 'ffffffffffffffff0', '--json');
    expect(unknown.status).toBe(3);
    expect(JSON.parse(unknown.stdout).error.code).toBe('E_MODEL_UNKNOWN');
    // the longest prefix two known hashes share names both
    const all = (await list()).map((e) => e.sha256).sort();
    let shared = '';
    for (let i = 1; i < all.length; i++) {
      let n = 0;
      while (all[i]![n] === all[i - 1]![n]) n++;
      if (n > shared.length) shared = all[i]!.slice(0, n);
    }
    expect(shared.length).toBeGreaterThan(0);
    const amb = await models('show', shared, '--json');
    expect(amb.status).toBe(3);
    const e = JSON.parse(amb.stdout).error as { code: string; message: string };
    expect(e.code).toBe('E_MODEL_AMBIGUOUS');
    expect(e.message).toMatch(new RegExp(`^hash prefix ${shared} matches [2-9]\\d* models \\(`));
    const bad = await models('show', 'not-hex');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('E_USAGE');
    const noStore = await arbiter(['models', '--db', path.join(root, 'nothing.db')], { cwd: root });
    expect(noStore.status).toBe(3);
    expect(noStore.stderr).toContain('E_STORE');
  });

  it('refuses a base-model name with control characters before registering anything', async () => {
    const before = (await list()).length;
    const r = await arbiter(['submit', path.join(SUBS, 'carol.onnx'), '-b', 'tabular-demo', '-p', 'zed', '--db', db, '--base-model', 'x\u001b[2Jy', '--json'], { cwd: root });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('--base-model: expected 1 to 200 printable characters');
    expect((await list()).length).toBe(before);
    expect((await list()).find((e) => e.sha256 === hashes.carol)!.submissions.map((s) => s.participant)).toEqual(['carol']);
  });

  it('neutralises names in table, CSV and Markdown; every format lists every model', async () => {
    const entries = await list();
    const table = (await models()).stdout;
    expect(table).not.toContain('\u001b');
    expect(table).toContain('evil\\u001b[31m round 1');
    const csv = (await models('--format', 'csv')).stdout;
    expect(csv.split('\r\n').filter((l) => l !== '').length).toBe(entries.length + 1);
    expect(csv).not.toContain('\u001b');
    const bobLine = csv.split('\r\n').find((l) => l.startsWith(hashes.bob!))!;
    expect(bobLine).toContain('"bob (tabular-demo), =HYPERLINK(""x"")|<b>* (tabular-demo)"');
    const md = (await models('--format', 'md')).stdout;
    expect(md).toContain('=HYPERLINK("x")\\|\\<b\\>\\* (tabular-demo)');
    expect(md.trimEnd().split('\n').length).toBe(entries.length + 2);
    const show = (await models('show', hashes.bob!, '--format', 'csv')).stdout;
    expect(show).toContain('field,submitted by / round,"bob (tabular-demo), =HYPERLINK(""x"")|<b>* (tabular-demo)"');
  });

  it('reads a model\'s bytes once: facts come from the store\'s cache afterwards', async () => {
    const s = Store.open(db);
    const cached = s.db.prepare(`SELECT COUNT(*) AS n FROM model_facts`).get() as { n: number };
    const blob = s.submissions('tabular-demo').find((x) => x.participant === 'alice')!.blobPath;
    s.close();
    expect(cached.n).toBeGreaterThan(10);
    // the bytes gone, the listing still knows alice's parameters and weights
    renameSync(blob, `${blob}.away`);
    try {
      const alice = byHash(await list(), hashes.alice!);
      expect(alice.params).toBe(9476);
      expect(alice.sameWeightsAs).toBeNull();
      expect(byHash(await list(), hashes.mallory!).sameWeightsAs).toBe(hashes.alice);
    } finally {
      renameSync(`${blob}.away`, blob);
    }
  });
});
