// Generated demo submissions are built aside and renamed into place: two processes (here two
// concurrent builds) on the same benchmark never leave or read a half-written model folder, and
// a folder without its model (a build killed long ago) is replaced by a whole one.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as choiceDemo from '../../src/demo/choice-demo.ts';
import { buildAtomically } from '../../src/demo/demo-submissions.ts';
import { folderSha256 } from '../../src/tasks/lm/submissions.ts';
import { tempDir } from '../helpers.ts';

describe('bundled demo submissions: atomic build', () => {
  it('two concurrent builds leave whole folders, the same bytes as one build, and no scratch folder', async () => {
    const reference = tempDir();
    await choiceDemo.buildDemoSubmissions(reference);
    const bench = tempDir();
    const out = path.join(bench, 'submissions');
    const names = [...choiceDemo.DEMO_SUBMISSIONS];
    await Promise.all([buildAtomically(choiceDemo, bench, out, names), buildAtomically(choiceDemo, bench, out, names)]);
    for (const n of names) expect(folderSha256(path.join(out, n)), n).toBe(folderSha256(path.join(reference, n)));
    expect(readdirSync(bench).sort()).toEqual(['submissions']);
  });

  it('replaces a folder that lacks its model', async () => {
    const bench = tempDir();
    const out = path.join(bench, 'submissions');
    mkdirSync(path.join(out, 'uniform'), { recursive: true });
    writeFileSync(path.join(out, 'uniform', 'config.json'), '{"half": "written"}');
    await buildAtomically(choiceDemo, bench, out, ['uniform']);
    expect(readFileSync(path.join(out, 'uniform', 'onnx', 'model.onnx')).byteLength).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, 'uniform', 'config.json'), 'utf8')).not.toContain('half');
    expect(readdirSync(bench).sort()).toEqual(['submissions']);
  });
});
