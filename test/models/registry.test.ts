// The model registry's pure rules (src/models/registry.ts) and the facts read from bytes
// (src/models/model-facts.ts): weight copies in registry order, lineage through parent rounds and
// base models ending at a cycle, and an ONNX archive's facts equal to its model file's.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.ts';
import { lineageOf, markWeightCopies, sortEntries, type ModelEntry } from '../../src/models/registry.ts';
import { onnxArchiveFacts, onnxFileFacts } from '../../src/models/model-facts.ts';
import { AdmissionRulesSchema } from '../../src/models/admission/schema.ts';
import { tar } from './tar-writer.ts';

function entry(sha: string, over: Partial<ModelEntry> = {}): ModelEntry {
  return {
    sha256: sha, kind: 'onnx', bytes: 1, params: 1, weightsHash: null, sameWeightsAs: null, baseModel: null, submissions: [], rounds: [],
    scores: [], withheldScores: 0, factsError: null, firstSeen: '2026-01-01T00:00:00.000Z', ...over,
  };
}

describe('model registry rules', () => {
  it('marks every later model with the same weights as a copy of the first in registry order', () => {
    const es = markWeightCopies(sortEntries([
      entry('c', { weightsHash: 'w1', firstSeen: '2026-01-03' }), entry('a', { weightsHash: 'w1', firstSeen: '2026-01-02' }),
      entry('b', { weightsHash: 'w1', firstSeen: '2026-01-02' }), entry('d', { weightsHash: null, firstSeen: '2026-01-01' }),
      entry('e', { weightsHash: null, firstSeen: '2026-01-04' }),
    ]));
    expect(es.map((e) => [e.sha256, e.sameWeightsAs])).toEqual([['d', null], ['a', null], ['b', 'a'], ['c', 'a'], ['e', null]]);
  });

  it('follows parent rounds, then base models, and stops at a cycle or an unknown name', () => {
    const round = (federation: string, r: number, parentRound: number | null) => ({ federation, round: r, parentRound, accepted: true, createdAt: 't' });
    const es = [
      entry('r1', { rounds: [round('f', 1, null)], baseModel: { name: 'b', source: 'submit', sha256: 'b' } }),
      entry('r2', { rounds: [round('f', 2, 1)] }),
      entry('b', { baseModel: { name: 'r2', source: 'submit', sha256: 'r2' } }),
      entry('x', { baseModel: { name: 'Qwen/Qwen3-0.6B', source: 'config', sha256: null } }),
    ];
    expect(lineageOf(es, es[1]!)).toEqual([
      { relation: 'parent-round', federation: 'f', round: 1, sha256: 'r1', cycle: false },
      { relation: 'base-model', name: 'b', source: 'submit', sha256: 'b', cycle: false },
      { relation: 'base-model', name: 'r2', source: 'submit', sha256: 'r2', cycle: true },
    ]);
    expect(lineageOf(es, es[3]!)).toEqual([{ relation: 'base-model', name: 'Qwen/Qwen3-0.6B', source: 'config', sha256: null, cycle: false }]);
    // a parent round the store does not hold ends the chain
    const gap = [entry('r5', { rounds: [round('f', 5, 4)] })];
    expect(lineageOf(gap, gap[0]!)).toEqual([{ relation: 'parent-round', federation: 'f', round: 4, sha256: null, cycle: false }]);
  });
});

describe('model facts', () => {
  it('reads an ONNX archive as its model file, and a broken archive as a refused fact', () => {
    const file = path.join(REPO, 'benchmarks/tabular-demo/submissions/alice.onnx');
    const dir = tempDir();
    const archive = path.join(dir, 'alice.tar');
    writeFileSync(archive, tar([{ name: 'model/alice.onnx', data: readFileSync(file) }]));
    const rules = AdmissionRulesSchema.parse({});
    const direct = onnxFileFacts(file);
    expect(direct.params).toBe(9476);
    expect(onnxArchiveFacts(archive, rules)).toEqual(direct);
    writeFileSync(archive, tar([{ name: '../escape.onnx', data: readFileSync(file) }]));
    expect(onnxArchiveFacts(archive, rules).error?.code).toBe('E_SUBMISSION_ARCHIVE');
    const bad = path.join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    expect(onnxFileFacts(bad)).toMatchObject({ params: null, weightsHash: null, error: { code: 'E_MODEL_FORMAT' } });
  });
});
