// Migration 6 (federated rounds): the tables `arbiter models` reads, with the columns the issue
// fixes, and the round and partial queries of src/store/fl.ts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { Store } from '../../src/store/store.ts';
import { ensureFlFederation, flPartial, flPartialBySha, flRounds, insertFlRound } from '../../src/store/fl.ts';

describe('store: federated rounds', () => {
  it('has fl_federations, fl_rounds and fl_partials with the agreed columns', () => {
    const s = Store.open(path.join(tempDir(), 'fl.db'));
    const cols = (t: string) => (s.db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(cols('fl_federations')).toEqual(['id', 'spec_json', 'spec_hash', 'created_at']);
    expect(cols('fl_rounds')).toEqual(['federation', 'round', 'model_sha256', 'model_kind', 'model_bytes', 'parent_round', 'global_scores_json', 'accepted', 'votes_json', 'flagged_json', 'rewards_json', 'created_at']);
    expect(cols('fl_partials')).toEqual(['federation', 'round', 'party', 'sha256', 'body_json']);
    s.close();
  });

  it('stores a round with its partials; a second spec under one id is refused; a round is stored once', () => {
    const s = Store.open(path.join(tempDir(), 'fl.db'));
    ensureFlFederation(s.db, 'f', 'a'.repeat(64), '{}');
    ensureFlFederation(s.db, 'f', 'a'.repeat(64), '{}');
    expect(() => ensureFlFederation(s.db, 'f', 'b'.repeat(64), '{}')).toThrow(/E_FL_MISMATCH|stored with spec/);
    const round = { federation: 'f', round: 1, modelSha256: 'c'.repeat(64), modelKind: 'onnx', modelBytes: 10, parentRound: null, globalScoresJson: '{"x":1}', accepted: true, votesJson: '{}', flaggedJson: '[]', rewardsJson: '{}' };
    insertFlRound(s.db, round, [{ federation: 'f', round: 1, party: 'p', sha256: 'd'.repeat(64), bodyJson: '{}' }]);
    expect(flRounds(s.db, 'f')).toEqual([expect.objectContaining({ round: 1, accepted: true, parentRound: null, modelKind: 'onnx' })]);
    expect(flPartial(s.db, 'f', 1, 'p')?.sha256).toBe('d'.repeat(64));
    expect(flPartialBySha(s.db, 'd'.repeat(64))).toEqual({ federation: 'f', round: 1, party: 'p' });
    expect(() => insertFlRound(s.db, round, [])).toThrow(/UNIQUE|PRIMARY/);
    s.close();
  });
});
