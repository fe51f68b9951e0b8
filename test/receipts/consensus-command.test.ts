import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../src/errors.ts';
import { readStakesFile, runConsensus } from '../../src/receipts/consensus/command.ts';
import { RewardsSpecSchema } from '../../src/ranking/rewards/schema.ts';
import { writeReceiptFile } from '../../src/receipts/files.ts';
import { buildReceipt } from '../../src/receipts/receipt.ts';
import { buildScoreResult, receiptExtra } from './fixture.ts';

describe('runConsensus (files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-consensus-'));
  const rewards = RewardsSpecSchema.parse({ pool: '1000', scheme: 'linear', consensus: { validatorPool: '90', lambda: 100 } });
  const write = (name: string, validator: string, opts: Parameters<typeof buildScoreResult>[0] = {}) => {
    const path = join(dir, name);
    writeReceiptFile(path, buildReceipt(buildScoreResult(opts), { ...receiptExtra(validator), rewards }));
    return path;
  };
  const a = write('a.json', 'va');
  const b = write('b.json', 'vb', { chunks: 3 });
  const c = write('c.json', 'vc', { noise: [0.1, 0.5, 0.35, 0] });
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"not":"a receipt"}');
  const stakes = join(dir, 'stakes.json');
  writeFileSync(stakes, JSON.stringify({ va: '1', vb: '1', vc: '1' }));

  it('combines files, prints a leaderboard and validator rewards', () => {
    const { result, lines, exitCode } = runConsensus({ receiptPaths: [a, b, c], stakesPath: stakes });
    expect(exitCode).toBe(0);
    expect(result.leaderboard.map((r) => r.participant)).toEqual(['alice', 'carol', 'bob', 'dave']);
    expect(result.leaderboard.map((r) => r.reward)).toEqual(['500', '333', '167', '0']);
    const v = Object.fromEntries(result.validators.map((x) => [x.validator, Number(x.reward)]));
    expect(v.va + v.vb + v.vc).toBe(90);
    expect(v.va).toBeGreaterThan(v.vc); // vc disagrees on carol
    expect(lines[0]).toMatch(/^benchmark demo-regression v1 {2}consensus: median/);
    expect(lines.some((l) => l.startsWith('alice'))).toBe(false);
    expect(lines.some((l) => /^1 +alice +[0-9.e-]+ +3 +500$/.test(l))).toBe(true);
  });

  it('reports an unreadable file and exits 4 with the rest still combined', () => {
    const { result, lines, exitCode } = runConsensus({ receiptPaths: [a, broken, b], stakesPath: stakes });
    expect(exitCode).toBe(4);
    expect(result.code).toBe('E_CONSENSUS_MISMATCH');
    expect(result.excluded.map((e) => [e.file, e.reason])).toEqual([[broken, 'unreadable']]);
    expect(result.validators.map((x) => x.validator)).toEqual(['va', 'vb']);
    expect(lines.some((l) => l.startsWith(`left out: ${broken} (no id): unreadable:`))).toBe(true);
  });

  it('maps excluded receipts back to their files', () => {
    const d = write('d.json', 'vd');
    const { result } = runConsensus({ receiptPaths: [d, a, b], stakesPath: stakes });
    expect(result.excluded.map((e) => [e.index, e.file, e.reason])).toEqual([[0, d, 'no-stake']]);
  });

  it('a malformed stakes file is E_CONSENSUS_INPUT', () => {
    const bad = join(dir, 'bad-stakes.json');
    writeFileSync(bad, '{"va": 1.5}');
    expect(() => readStakesFile(bad)).toThrow(ArbiterError);
    writeFileSync(bad, 'nope');
    try {
      readStakesFile(bad);
      expect.unreachable();
    } catch (err) {
      expect((err as ArbiterError).code).toBe('E_CONSENSUS_INPUT');
    }
  });
});
