// Secure aggregation through `arbiter fl` (in process): a federation made by `fl init
// --secure-aggregation`, three parties with non-IID local sets. A masked round's global score is
// bit-identical to the same round aggregated from plain partials (accuracy, macro-F1 and the exact
// log-loss sum); a masked partial carries no state, score or row count in clear; a missing party
// stops the round with E_FL_DROPOUT until every survivor's `fl correct` correction is given, and
// then the survivors' score is bit-identical to theirs unmasked; tampering gives E_FL_MASK_SUM or
// a signature failure, never a score; wrong or missing keys and non-maskable metrics are refused
// with their codes; the same inputs give the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tempDir } from '../helpers.ts';
import { demoRoundWeights, evalRows, roundModelOnnx } from '../../src/demo/fl-demo.ts';
import { encodeState } from '../../src/federated/secure-aggregation.ts';
import { fl } from './helpers.ts';

const root = tempDir('arbiter-fl-secure-');
const sec = path.join(root, 'sec'); // secureAggregation: true
const plain = path.join(root, 'plain'); // the same spec, parties and sets without it
const PARTIES = ['alice', 'bob', 'carol'] as const;
const model = (r: number) => path.join(root, `round-${r}.onnx`);
const key = (p: string) => path.join(sec, 'keys', `${p}.pem`);
const xkey = (p: string) => path.join(sec, 'keys', `${p}.x25519.pem`);
const localSet = (p: string) => path.join(sec, 'data', `${p}.arrow`);

async function evaluate(dir: string, party: string, round: number, extra: string[] = []) {
  const out = path.join(root, `${path.basename(dir)}-r${round}-${party}.json`);
  const mask = dir === sec ? ['--mask-key', xkey(party)] : [];
  const r = await fl(['evaluate', '-f', dir, '-r', String(round), '-m', model(round), '-d', localSet(party), '-k', key(party), '-o', out, '--isolation', 'process', '--json', ...mask, ...extra], root);
  expect(r.code, r.stderr).toBe(0);
  return { file: out, printed: JSON.parse(r.stdout) as { rows: number; localScores: Record<string, number>; vote: { decision: string } } };
}

async function aggregate(dir: string, args: string[], db = path.join(root, `${path.basename(dir)}.db`)) {
  const r = await fl(['aggregate', '-f', dir, '--db', db, '--json', ...args], root);
  const body = r.stdout ? JSON.parse(r.stdout) : null;
  // error is read only after checking the code: typed as present
  return { code: r.code, stderr: r.stderr, result: r.code === 0 ? body : null, error: (r.code === 0 ? null : body?.error) as { code: string; message: string } };
}

function expectBitIdentical(a: Record<string, number>, b: Record<string, number>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) expect(Object.is(a[k], b[k]), `${k}: ${a[k]} vs ${b[k]}`).toBe(true);
}

const round1: Record<string, { masked: string; plain: string; score: number }> = {};

beforeAll(async () => {
  const r = await fl(['init', sec, '--secure-aggregation'], root);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('with secure aggregation');
  expect(r.stdout).toContain('--mask-key');
  // the plain twin: the same parties, keys and sets, without secure aggregation
  const spec = parse(readFileSync(path.join(sec, 'federation.yaml'), 'utf8'));
  expect(spec.secureAggregation).toBe(true);
  expect(spec.parties.every((p: { agreementKey?: string }) => /BEGIN PUBLIC KEY/.test(p.agreementKey ?? ''))).toBe(true);
  const { secureAggregation: _s, ...rest } = spec;
  mkdirSync(plain, { recursive: true });
  writeFileSync(path.join(plain, 'federation.yaml'), stringify({ ...rest, id: 'plain' }));
  writeFileSync(model(1), roundModelOnnx(demoRoundWeights()[0]!));
  writeFileSync(model(2), roundModelOnnx(demoRoundWeights()[1]!));
}, 60_000);

describe('arbiter fl with secure aggregation', () => {
  it('round 1: a masked partial carries no state, score or row count in clear; the masked global score is the plain one, bit for bit', async () => {
    for (const p of PARTIES) {
      const m = await evaluate(sec, p, 1);
      const u = await evaluate(plain, p, 1);
      // the party itself still sees its own scores (printed, never in the file)
      expectBitIdentical(m.printed.localScores, u.printed.localScores);
      round1[p] = { masked: m.file, plain: u.file, score: m.printed.localScores.log_loss! };
    }
    const text = readFileSync(round1.alice!.masked, 'utf8');
    const partial = JSON.parse(text);
    const own = JSON.parse(readFileSync(round1.alice!.plain, 'utf8'));
    expect(partial.masked).toBe(true);
    expect(partial).not.toHaveProperty('states');
    expect(partial.rows).toBeNull();
    expect(partial.localScores).toEqual({});
    expect(partial.vote).toEqual({ decision: 'accept', metric: 'log_loss', localScore: null, baseline: null });
    expect(Object.keys(partial.maskedStates).sort()).toEqual(['#rows', 'accuracy', 'log_loss', 'macro_f1']);
    // no score, no count, no row id of alice's appears anywhere in the masked file: as a number or
    // a string of its own, not as four characters inside a hex or base64 token (the keys, key id,
    // spec hash and signature are new each run: [^0-9] bounds matched e.g. 'a1391f' ~7% of runs)
    const alone = (n: number | string | bigint) => new RegExp(`(?<![0-9A-Za-z+/])${n}(?![0-9A-Za-z+/])`);
    for (const v of Object.values(own.localScores) as number[]) expect(text).not.toContain(String(v));
    for (const id of evalRows('alice').ids) expect(text).not.toMatch(alone(id));
    expect(text).not.toMatch(alone(own.rows));
    expect(text).not.toMatch(alone(own.states.accuracy.correct));
    // every masked entry differs from the party's encoded state (each is uniform modulo 2^64)
    for (const k of ['accuracy', 'log_loss', 'macro_f1']) {
      const clear = encodeState(k, own.states[k]).map(String);
      const masked = partial.maskedStates[k] as string[];
      expect(masked).toHaveLength(clear.length);
      masked.forEach((x, i) => {
        expect(BigInt(x) < 1n << 64n).toBe(true);
        expect(x).not.toBe(clear[i]);
      });
    }

    const m = await aggregate(sec, PARTIES.map((p) => round1[p]!.masked));
    const u = await aggregate(plain, PARTIES.map((p) => round1[p]!.plain));
    expect(m.code, m.stderr).toBe(0);
    expect(u.code, u.stderr).toBe(0);
    expectBitIdentical(m.result.global.scores, u.result.global.scores);
    expect(m.result.global.rows).toBe(u.result.global.rows);
    expect(m.result).toMatchObject({ round: 1, accepted: true, flagged: [], votes: { alice: 'accept', bob: 'accept', carol: 'accept' }, rewards: u.result.rewards });
    expect(m.result.secureAggregation).toEqual({ summed: ['alice', 'bob', 'carol'], dropped: [], corrections: [] });
    // the coordinator cannot check votes against scores it never sees, and says so
    expect(m.result.voteCheck).toMatchObject({ performed: false, note: expect.stringMatching(/^not possible: .*secure aggregation/) });
    expect(u.result.voteCheck.performed).toBe(true);
    for (const p of m.result.parties) expect(p).toMatchObject({ scores: null, rows: null, expectedVote: null, counted: true });
    const table = await fl(['aggregate', '-f', sec, '--db', path.join(root, 'x.db'), '--dry-run', ...PARTIES.map((p) => round1[p]!.masked)], root);
    expect(table.stdout).toContain('votes vs own scores: not possible');
    expect(table.stdout).toContain('alice: rows masked, scores masked, voted accept');
  }, 120_000);

  it('determinism: the same masked partial, byte for byte, and the same aggregation, bit for bit', async () => {
    const again = path.join(root, 'again-alice.json');
    const r = await fl(['evaluate', '-f', sec, '-r', '1', '-m', model(1), '-d', localSet('alice'), '-k', key('alice'), '--mask-key', xkey('alice'), '-o', again, '--workers', '2', '--isolation', 'process'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(round1.alice!.masked, 'utf8'));
    const fresh = path.join(root, 'fresh.db');
    const a = await aggregate(sec, ['--dry-run', ...PARTIES.map((p) => round1[p]!.masked)], fresh);
    const b = await aggregate(sec, ['--dry-run', ...[...PARTIES].reverse().map((p) => round1[p]!.masked)], fresh);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
  }, 60_000);

  it('round 2: bob drops out: E_FL_DROPOUT names him and the procedure; the survivors\' corrections recover their score bit for bit', async () => {
    // masked parties compare with the round-1 score their own evaluate printed (--baseline-score)
    const m: Record<string, string> = {};
    const u: Record<string, string> = {};
    for (const p of ['alice', 'carol']) {
      const masked = await evaluate(sec, p, 2, ['--baseline-score', `1:${round1[p]!.score}`]);
      const clear = await evaluate(plain, p, 2, ['--previous', round1[p]!.plain]);
      expect(masked.printed.vote.decision).toBe(clear.printed.vote.decision);
      m[p] = masked.file;
      u[p] = clear.file;
    }
    const failed = await aggregate(sec, [m.alice!, m.carol!]);
    expect(failed.code).toBe(3);
    expect(failed.error.code).toBe('E_FL_DROPOUT');
    expect(failed.error.message).toMatch(/bob sent none \(bob: missing\)/);
    expect(failed.error.message).toContain('arbiter fl correct -f <federation> -r 2 --dropped bob');
    expect(failed.error.message).toMatch(/missing alice, carol/);

    const corr: Record<string, string> = {};
    for (const p of ['alice', 'carol']) {
      corr[p] = path.join(root, `corr-${p}.json`);
      const r = await fl(['correct', '-f', sec, '-r', '2', '--dropped', 'bob', '-k', key(p), '--mask-key', xkey(p), '-o', corr[p]!], root);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${p} · round 2 · correction for dropped bob`);
    }
    // the same correction, byte for byte, when written again
    const twice = path.join(root, 'corr-alice-again.json');
    expect((await fl(['correct', '-f', sec, '-r', '2', '--dropped', 'bob', '-k', key('alice'), '--mask-key', xkey('alice'), '-o', twice], root)).code).toBe(0);
    expect(readFileSync(twice, 'utf8')).toBe(readFileSync(corr.alice!, 'utf8'));
    const c = JSON.parse(readFileSync(corr.alice!, 'utf8'));
    expect(c).toMatchObject({ format: 'arbiter-fl-correction/1', round: 2, party: 'alice', dropped: ['bob'] });
    expect(Object.keys(c.corrections).sort()).toEqual(['#rows', 'accuracy', 'log_loss', 'macro_f1']);
    expect(c.signature.algorithm).toBe('ed25519');

    // one correction short: still E_FL_DROPOUT, naming the survivor whose correction is missing
    const short = await aggregate(sec, ['--dry-run', m.alice!, m.carol!, '--correction', corr.alice!]);
    expect(short.error.code).toBe('E_FL_DROPOUT');
    expect(short.error.message).toMatch(/found only alice's, missing carol/);
    // a tampered correction: its signature fails
    const forged = { ...c, corrections: { ...c.corrections, accuracy: c.corrections.accuracy.map((x: string, i: number) => (i === 2 ? String((BigInt(x) + 1n) % (1n << 64n)) : x)) } };
    writeFileSync(path.join(root, 'corr-forged.json'), JSON.stringify(forged));
    const bad = await aggregate(sec, ['--dry-run', m.alice!, m.carol!, '--correction', path.join(root, 'corr-forged.json'), corr.carol!]);
    expect(bad.error.code).toBe('E_FL_CORRECTION');
    expect(bad.error.message).toMatch(/signature/);
    // a correction for another dropped set (here: bob's partial arrived after all) is refused
    const bobLate = await evaluate(sec, 'bob', 2, ['--baseline-score', `1:${round1.bob!.score}`]);
    const late = await aggregate(sec, ['--dry-run', m.alice!, bobLate.file, m.carol!, '--correction', corr.alice!, corr.carol!]);
    expect(late.error.code).toBe('E_FL_CORRECTION');
    expect(late.error.message).toMatch(/corrects for the dropped parties \{bob\}, but this round's dropped parties are \{\}/);

    const ok = await aggregate(sec, [m.alice!, m.carol!, '--correction', corr.alice!, corr.carol!]);
    const ref = await aggregate(plain, [u.alice!, u.carol!]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ref.code, ref.stderr).toBe(0);
    expectBitIdentical(ok.result.global.scores, ref.result.global.scores);
    expect(ok.result.global.rows).toBe(ref.result.global.rows);
    expect(ok.result.global.rows).toBe(evalRows('alice').ids.length + evalRows('carol').ids.length);
    expect(ok.result.secureAggregation).toEqual({ summed: ['alice', 'carol'], dropped: ['bob'], corrections: ['alice', 'carol'] });
    expect(ok.result.flagged).toEqual([expect.objectContaining({ party: 'bob', reason: 'missing' })]);
    expect(ok.result).toMatchObject({ round: 2, parentRound: 1, accepted: ref.result.accepted, votes: ref.result.votes });
  }, 180_000);

  it('a tampered masked vector: a signature failure (the party counts as dropped), or, re-signed by its party, E_FL_MASK_SUM; never a score', async () => {
    const body = JSON.parse(readFileSync(round1.bob!.masked, 'utf8'));
    body.maskedStates.accuracy[2] = String((BigInt(body.maskedStates.accuracy[2]) + 1n) % (1n << 64n));
    writeFileSync(path.join(root, 'tampered.json'), JSON.stringify(body));
    const others = [round1.alice!.masked, round1.carol!.masked];
    // a store without round 1, so that alice's and carol's partials are not replays
    const fresh = path.join(root, 'fresh.db');
    const unsigned = await aggregate(sec, ['--dry-run', others[0]!, path.join(root, 'tampered.json'), others[1]!], fresh);
    // the edited copy is refused; bob sent nothing valid: the round cannot be unmasked
    expect(unsigned.code).toBe(3);
    expect(unsigned.error.code).toBe('E_FL_DROPOUT');
    expect(unsigned.error.message).toMatch(/and bob sent none \(bob: invalid-partial\)/);
    // bob himself signs a vector that is not his masked state: the sum does not decode
    const { signPartial } = await import('../../src/federated/partial.ts');
    const { loadPrivateKey } = await import('../../src/receipts/sign.ts');
    const orig = JSON.parse(readFileSync(round1.bob!.masked, 'utf8'));
    const { signature: _s, ...rest } = orig;
    // (a vector changed by an arbitrary 64-bit amount; a small change made by the party itself is a
    // lie about its own values, which masking cannot tell from the truth: docs, "Lying parties")
    rest.maskedStates.log_loss[5] = String((BigInt(rest.maskedStates.log_loss[5]) + 0x9e3779b97f4a7c15n) % (1n << 64n));
    writeFileSync(path.join(root, 'resigned.json'), JSON.stringify(signPartial(rest, loadPrivateKey(key('bob')))));
    const resigned = await aggregate(sec, ['--dry-run', others[0]!, path.join(root, 'resigned.json'), others[1]!], fresh);
    expect(resigned.code).toBe(4);
    expect(resigned.error.code).toBe('E_FL_MASK_SUM');
    // a vector of the wrong length, signed by its party: the party's partial is refused, so it counts as dropped
    const short = JSON.parse(readFileSync(round1.bob!.masked, 'utf8'));
    const { signature: _u, ...sb } = short;
    sb.maskedStates.macro_f1 = sb.maskedStates.macro_f1.slice(1);
    writeFileSync(path.join(root, 'short.json'), JSON.stringify(signPartial(sb, loadPrivateKey(key('bob')))));
    const cut = await aggregate(sec, ['--dry-run', others[0]!, path.join(root, 'short.json'), others[1]!], fresh);
    expect(cut.error.code).toBe('E_FL_DROPOUT');
    expect(cut.error.message).toMatch(/bob: invalid-partial/);
    // a plain partial of the masked federation (re-signed by its party): mixing is refused
    const p = JSON.parse(readFileSync(round1.bob!.plain, 'utf8'));
    const { signature: _t, ...pb } = p;
    pb.federation = JSON.parse(readFileSync(round1.alice!.masked, 'utf8')).federation;
    writeFileSync(path.join(root, 'plain-in-sec.json'), JSON.stringify(signPartial(pb, loadPrivateKey(key('bob')))));
    const mixed = await aggregate(sec, ['--dry-run', others[0]!, path.join(root, 'plain-in-sec.json'), others[1]!], fresh);
    expect(mixed.error.code).toBe('E_FL_MASK_MIXED');
    expect(mixed.error.message).toMatch(/found masked partials from alice, carol and plain ones from bob/);
  }, 60_000);

  it('agreement keys: a missing, unreadable, wrong-type or other party\'s --mask-key is E_FL_MASK_INPUT; a spec party without agreementKey is E_FL_SPEC', async () => {
    const base = ['evaluate', '-f', sec, '-r', '1', '-m', model(1), '-d', localSet('alice'), '-k', key('alice'), '-o', path.join(root, 'k.json'), '--isolation', 'process'];
    const none = await fl(base, root);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/E_FL_MASK_INPUT: .*uses secure aggregation: expected --mask-key/);
    const missing = await fl([...base, '--mask-key', path.join(root, 'nope.pem')], root);
    expect(missing.stderr).toMatch(/E_FL_MASK_INPUT: --mask-key .*nope.pem: expected your party's X25519 private key \(PEM\), found no readable file/);
    const ed = await fl([...base, '--mask-key', key('alice')], root);
    expect(ed.stderr).toMatch(/E_FL_MASK_INPUT: .*expected an X25519 private key, found a key of type ed25519/);
    const other = await fl([...base, '--mask-key', xkey('bob')], root);
    expect(other.stderr).toMatch(/E_FL_MASK_INPUT: .*expected the private half of party alice's agreementKey/);
    writeFileSync(path.join(root, 'junk.pem'), 'not a key\n');
    const junk = await fl([...base, '--mask-key', path.join(root, 'junk.pem')], root);
    expect(junk.stderr).toMatch(/E_FL_MASK_INPUT: .*found text that is not a private key/);
    const inPlain = await fl(['evaluate', '-f', plain, '-r', '1', '-m', model(1), '-d', localSet('alice'), '-k', key('alice'), '-o', path.join(root, 'k.json'), '--mask-key', xkey('alice')], root);
    expect(inPlain.stderr).toMatch(/E_USAGE: --mask-key: federation plain does not use secure aggregation/);
    const corrBad = await fl(['correct', '-f', sec, '-r', '1', '--dropped', 'bob', '-k', key('alice'), '--mask-key', xkey('carol'), '-o', path.join(root, 'c.json')], root);
    expect(corrBad.stderr).toMatch(/E_FL_MASK_INPUT: .*party alice's agreementKey/);
    const self = await fl(['correct', '-f', sec, '-r', '1', '--dropped', 'alice', '-k', key('alice'), '--mask-key', xkey('alice'), '-o', path.join(root, 'c.json')], root);
    expect(self.stderr).toMatch(/E_USAGE: --dropped: names your own party alice/);
    const lone = await fl(['correct', '-f', sec, '-r', '1', '--dropped', 'bob,carol', '-k', key('alice'), '--mask-key', xkey('alice'), '-o', path.join(root, 'c.json')], root);
    expect(lone.stderr).toMatch(/E_FL_DROPOUT: .*leaves only alice/);

    const spec = parse(readFileSync(path.join(sec, 'federation.yaml'), 'utf8'));
    const d = path.join(root, 'nokey');
    mkdirSync(d, { recursive: true });
    const { agreementKey: _a, ...bob } = spec.parties[1];
    writeFileSync(path.join(d, 'federation.yaml'), stringify({ ...spec, parties: [spec.parties[0], bob, spec.parties[2]] }));
    const r = await fl([...base.slice(0, 2), d, ...base.slice(3), '--mask-key', xkey('alice')], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_FL_SPEC: federation.yaml: parties[1].agreementKey: expected an X25519 public key in PEM (secureAggregation: true masks every partial with pairwise keys), found none');
  }, 60_000);

  it('roc_auc in a masked federation is E_FL_NOT_MASKABLE at evaluate and aggregate (even with allowRowRevealingMetrics)', async () => {
    const spec = parse(readFileSync(path.join(sec, 'federation.yaml'), 'utf8'));
    const d = path.join(root, 'auc');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'federation.yaml'), stringify({ ...spec, metrics: [{ name: 'accuracy' }, { name: 'roc_auc' }], acceptance: { ...spec.acceptance, primary: 'accuracy' }, allowRowRevealingMetrics: true }));
    const r = await fl(['evaluate', '-f', d, '-r', '1', '-m', model(1), '-d', localSet('alice'), '-k', key('alice'), '--mask-key', xkey('alice'), '-o', path.join(root, 'auc.json'), '--isolation', 'process'], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_FL_NOT_MASKABLE: federation.yaml: metrics\[1\] roc_auc: secureAggregation: true needs metrics whose state is a sum/);
    const a = await fl(['aggregate', '-f', d, round1.alice!.masked, '--db', path.join(root, 'auc.db')], root);
    expect(a.stderr).toContain('E_FL_NOT_MASKABLE');
  }, 60_000);
});
