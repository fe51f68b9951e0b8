// The round protocol through the CLI (in process): `fl init` scaffolds a federation that validates;
// `fl evaluate` writes a signed partial that carries no row, id, label or per-row value; `fl
// aggregate` accepts an honest round, flags a lying vote, a tampered partial, a replayed partial
// and a missing party, rejects a round that does not improve by δ, refuses to store a round twice;
// `fl rounds` prints the history in every format; a row-revealing metric is refused unless opted in.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { tempDir } from '../helpers.ts';
import { demoRoundWeights, evalRows, roundModelOnnx } from '../../src/demo/fl-demo.ts';
import { fl } from './helpers.ts';

const root = tempDir('arbiter-fl-rounds-');
const dir = path.join(root, 'fed');
const db = path.join(root, 'fl.db');
const weights = demoRoundWeights();

async function evaluate(party: string, round: number, extra: string[] = []): Promise<string> {
  const out = path.join(root, `r${round}-${party}.json`);
  const r = await fl(['evaluate', '-f', dir, '-r', String(round), '-m', path.join(root, `round-${round}.onnx`), '-d', path.join(dir, 'data', `${party}.arrow`), '-k', path.join(dir, 'keys', `${party}.pem`), '-o', out, '--isolation', 'thread', ...extra], root);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

async function aggregate(files: string[], extra: string[] = []) {
  const r = await fl(['aggregate', '-f', dir, ...files, '--db', db, '--json', ...extra], root);
  return { ...r, result: r.code === 0 ? JSON.parse(r.stdout) : JSON.parse(r.stdout).error };
}

beforeAll(async () => {
  const r = await fl(['init', dir], root);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('created federation fed');
  // round 1: the scaffold's model; round 2 better; round 3 the broken average (worse)
  for (let i = 0; i < 3; i++) writeFileSync(path.join(root, `round-${i + 1}.onnx`), roundModelOnnx(weights[i]!));
}, 60_000);

describe('arbiter fl: the round protocol', () => {
  let round1: Record<string, string> = {};

  it('round 1: every party evaluates; the partial carries merged states, no row, id, label or per-row value; the round is accepted', async () => {
    for (const p of ['alice', 'bob', 'carol']) round1[p] = await evaluate(p, 1);
    const text = readFileSync(round1.alice!, 'utf8');
    const partial = JSON.parse(text);
    expect(partial.format).toBe('arbiter-fl-partial/1');
    expect(Object.keys(partial.states).sort()).toEqual(['accuracy', 'log_loss', 'macro_f1']);
    expect(partial.signature.algorithm).toBe('ed25519');
    const rows = evalRows('alice');
    expect(partial.rows).toBe(rows.labels.length);
    // no id of the local set, no feature value, no label sequence appears anywhere in the file
    for (const id of rows.ids) expect(text).not.toMatch(new RegExp(`[^0-9a-f.]${id}[^0-9a-f.]`));
    for (const v of Array.from(rows.features.subarray(0, 64))) expect(text).not.toContain(String(v));
    expect(text).not.toContain(Array.from(rows.labels.subarray(0, 12)).join(','));
    // exact sums go out canonical: the log-loss sum is a short expansion of its total, not per-row terms
    expect(partial.states.log_loss.sum.length).toBeLessThanOrEqual(3);
    expect(partial.vote).toMatchObject({ decision: 'accept', metric: 'log_loss', baseline: null });

    const { code, result, stderr } = await aggregate(Object.values(round1));
    expect(code, stderr).toBe(0);
    expect(result).toMatchObject({ round: 1, accepted: true, flagged: [], parentRound: null, votes: { alice: 'accept', bob: 'accept', carol: 'accept' } });
    expect(result.rewards).toEqual({ alice: '3600', bob: '3150', carol: '2250' });
  }, 120_000);

  it('round 2: a lying vote, a tampered partial and a replayed partial are flagged; the honest majority accepts', async () => {
    const alice = await evaluate('alice', 2, ['--previous', round1.alice!]);
    const bob = await evaluate('bob', 2, ['--previous', round1.bob!, '--vote', 'reject']);
    const carol = await evaluate('carol', 2, ['--previous', round1.carol!]);
    // a tampered copy of carol's partial (its count edited) and round 1's alice partial sent again
    const forged = JSON.parse(readFileSync(carol, 'utf8'));
    forged.states.accuracy.correct += 1;
    writeFileSync(path.join(root, 'forged.json'), JSON.stringify(forged));
    const dry = await aggregate([alice, bob, path.join(root, 'forged.json'), round1.alice!], ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const reasons = dry.result.flagged.map((f: { party: string; reason: string }) => `${f.party}:${f.reason}`).sort();
    expect(reasons).toEqual(['alice:replayed', 'bob:vote-contradicts-scores', 'carol:invalid-partial']);
    expect(dry.result.rewards.carol).toBe('-500');
    // carol's own, valid partial: carol counts; the forged copy is refused without flagging her
    const { code, result } = await aggregate([alice, bob, carol, path.join(root, 'forged.json')]);
    expect(code).toBe(0);
    expect(result.flagged.map((f: { party: string; reason: string }) => `${f.party}:${f.reason}`)).toEqual(['bob:vote-contradicts-scores']);
    expect(result.rejected).toHaveLength(1);
    expect(result).toMatchObject({ round: 2, accepted: true, parentRound: 1, votes: { alice: 'accept', carol: 'accept' } });
    // 9000 by stake among the paid (40 : 25), largest remainder: 5538.46 and 3461.54
    expect(result.rewards).toEqual({ alice: '5538', bob: '-500', carol: '3462' });
    // the same round again: refused
    const again = await aggregate([alice, bob, carol]);
    expect(again.code).toBe(3);
    expect(again.result.code).toBe('E_FL_REPLAY');
  }, 120_000);

  it('round 3: a worse model is rejected; a missing party is flagged', async () => {
    const base = (p: string) => path.join(root, `r2-${p}.json`);
    const alice = await evaluate('alice', 3, ['--previous', base('alice')]);
    const carol = await evaluate('carol', 3, ['--previous', base('carol')]);
    const { code, result } = await aggregate([alice, carol]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ round: 3, accepted: false, parentRound: 2, votes: { alice: 'reject', carol: 'reject' } });
    expect(result.improvement.improved).toBe(false);
    expect(result.flagged).toEqual([expect.objectContaining({ party: 'bob', reason: 'missing' })]);
  }, 120_000);

  it('determinism: the same partial, byte for byte, with 2 workers in isolated processes as with 1 in a thread', async () => {
    const out = path.join(root, 'again-alice.json');
    const r = await fl(['evaluate', '-f', dir, '-r', '1', '-m', path.join(root, 'round-1.onnx'), '-d', path.join(dir, 'data', 'alice.arrow'), '-k', path.join(dir, 'keys', 'alice.pem'), '-o', out, '--workers', '2', '--isolation', 'process'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(round1.alice!, 'utf8'));
  }, 60_000);

  it('hostile files never stop an aggregation: not JSON, an unknown party, states no metric could produce', async () => {
    writeFileSync(path.join(root, 'junk.json'), '\u0000{not json');
    writeFileSync(path.join(root, 'mallory.json'), JSON.stringify({ ...JSON.parse(readFileSync(round1.bob!, 'utf8')), party: 'mallory' }));
    // alice's own key signs a round-4 partial whose accuracy state counts more correct rows than rows
    const { signPartial } = await import('../../src/federated/partial.ts');
    const { loadPrivateKey } = await import('../../src/receipts/sign.ts');
    const { signature: _s, ...body } = JSON.parse(readFileSync(round1.alice!, 'utf8'));
    body.round = 4;
    body.states.accuracy.correct = body.states.accuracy.total + 1;
    writeFileSync(path.join(root, 'impossible.json'), JSON.stringify(signPartial(body, loadPrivateKey(path.join(dir, 'keys', 'alice.pem')))));
    const dry = await aggregate([path.join(root, 'junk.json'), path.join(root, 'mallory.json'), path.join(root, 'impossible.json')], ['--dry-run', '--round', '4']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.result.rejected).toHaveLength(2);
    expect(dry.result.global).toBeNull();
    expect(dry.result.accepted).toBe(false);
    expect(dry.result.flagged).toEqual(expect.arrayContaining([expect.objectContaining({ party: 'alice', reason: 'invalid-partial', message: expect.stringMatching(/correct <= total/) })]));
    expect(dry.result.rejected.map((x: { message: string }) => x.message).join('\n')).toMatch(/not JSON[\s\S]*"mallory"/);
  });

  it('fl rounds: the history in every format, and the HTML page with the score per round', async () => {
    const table = await fl(['rounds', 'fed', '--db', db], root);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^round\s+model\s+global log_loss\s+accepted\s+parent\s+votes\s+flagged\s+rewards$/);
    expect(table.stdout).toContain('bob(vote-contradicts-scores)');
    const json = JSON.parse((await fl(['rounds', 'fed', '--db', db, '--json'], root)).stdout);
    expect(json.rounds.map((r: { round: number; accepted: boolean }) => [r.round, r.accepted])).toEqual([[1, true], [2, true], [3, false]]);
    const csv = (await fl(['rounds', 'fed', '--db', db, '--format', 'csv'], root)).stdout;
    expect(csv.split('\r\n')).toHaveLength(5);
    const md = (await fl(['rounds', 'fed', '--db', db, '--format', 'markdown'], root)).stdout;
    expect(md).toMatch(/^\| round \| model \|/);
    const html = path.join(root, 'rounds.html');
    expect((await fl(['rounds', 'fed', '--db', db, '--format', 'html', '-o', html], root)).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('global log_loss per round');
    expect(page).not.toContain('<script');
  });

  it('a partial of another federation spec is refused; a key of no party is refused', async () => {
    const stranger = path.join(root, 'stranger.pem');
    const { generateKeyPair } = await import('../../src/receipts/sign.ts');
    writeFileSync(stranger, generateKeyPair().privateKeyPem);
    const r = await fl(['evaluate', '-f', dir, '-r', '4', '-m', path.join(root, 'round-1.onnx'), '-d', path.join(dir, 'data', 'alice.arrow'), '-k', stranger, '-o', path.join(root, 'x.json'), '--isolation', 'thread'], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_FL_PARTY');
  });
});

describe('arbiter fl: the federation spec', () => {
  it('refuses a row-revealing metric unless the spec opts in (E_FL_ROW_METRIC)', async () => {
    const spec = parse(readFileSync(path.join(dir, 'federation.yaml'), 'utf8'));
    const d2 = path.join(root, 'auc');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d2, { recursive: true });
    writeFileSync(path.join(d2, 'federation.yaml'), stringify({ ...spec, metrics: [{ name: 'roc_auc' }], acceptance: { ...spec.acceptance, primary: 'roc_auc' } }));
    const r = await fl(['evaluate', '-f', d2, '-r', '1', '-m', path.join(root, 'round-1.onnx'), '-d', path.join(dir, 'data', 'alice.arrow'), '-k', path.join(dir, 'keys', 'alice.pem'), '-o', path.join(root, 'auc.json'), '--isolation', 'thread'], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_FL_ROW_METRIC: .*roc_auc.*allowRowRevealingMetrics/);
    writeFileSync(path.join(d2, 'federation.yaml'), stringify({ ...spec, metrics: [{ name: 'roc_auc' }], acceptance: { ...spec.acceptance, primary: 'roc_auc' }, allowRowRevealingMetrics: true }));
    const ok = await fl(['evaluate', '-f', d2, '-r', '1', '-m', path.join(root, 'round-1.onnx'), '-d', path.join(dir, 'data', 'alice.arrow'), '-k', path.join(dir, 'keys', 'alice.pem'), '-o', path.join(root, 'auc.json'), '--isolation', 'thread'], root);
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it('a malformed spec names the field, what was expected and what was found (E_FL_SPEC); fl schema prints the JSON Schema', async () => {
    const spec = parse(readFileSync(path.join(dir, 'federation.yaml'), 'utf8'));
    const d3 = path.join(root, 'bad');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d3, { recursive: true });
    writeFileSync(path.join(d3, 'federation.yaml'), stringify({ ...spec, parties: [spec.parties[0], spec.parties[0]] }));
    const r = await fl(['aggregate', '-f', d3, path.join(root, 'r1-alice.json'), '--db', path.join(root, 'x.db')], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_FL_SPEC: federation.yaml: parties[1].name: expected a name no other party has, found "alice" twice');
    const s = await fl(['schema'], root);
    expect(JSON.parse(s.stdout).title).toBe('arbiter federation spec');
  });
});
