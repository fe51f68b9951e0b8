// bin/fresh-build.js: a compiled build is used only when complete and not older than any source.
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshBuild } from '../../bin/fresh-build.js';
import { tempDir } from '../helpers.ts';

function fixture(): { root: string; touch: (rel: string, secondsAgo: number) => void } {
  const root = tempDir();
  const touch = (rel: string, secondsAgo: number) => {
    const f = path.join(root, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, 'x');
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(f, t, t);
  };
  return { root, touch };
}

function age(root: string, rel: string, secondsAgo: number): void {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path.join(root, rel), t, t);
}

describe('freshBuild', () => {
  it('is false without dist/BUILD_STAMP (no build, or a build that did not finish)', () => {
    const { root, touch } = fixture();
    touch('src/a.ts', 100);
    touch('scoring/b.ts', 100);
    touch('dist/src/a.js', 50);
    expect(freshBuild(root)).toBe(false);
  });

  it('is true when the stamp is newer than every source file and folder, false once one is edited', () => {
    const { root, touch } = fixture();
    touch('src/deep/a.ts', 100);
    touch('scoring/b.ts', 100);
    for (const d of ['src/deep', 'src', 'scoring']) age(root, d, 100);
    touch('dist/BUILD_STAMP', 50);
    expect(freshBuild(root)).toBe(true);
    touch('src/deep/a.ts', 10); // edited after the build
    expect(freshBuild(root)).toBe(false);
  });

  it('a new source file (a newer folder) makes the build stale', () => {
    const { root, touch } = fixture();
    touch('src/a.ts', 100);
    touch('scoring/b.ts', 100);
    touch('dist/BUILD_STAMP', 50);
    age(root, 'src', 10);
    age(root, 'scoring', 100);
    expect(freshBuild(root)).toBe(false);
  });

  it('a compiled source outside src/ and scoring/ (dist/BUILD_INPUTS.json) counts too: edited or gone makes the build stale', () => {
    const { root, touch } = fixture();
    touch('src/a.ts', 100);
    touch('scoring/b.ts', 100);
    touch('datasets/demo/generate.ts', 100);
    for (const d of ['src', 'scoring']) age(root, d, 100);
    touch('dist/BUILD_INPUTS.json', 60);
    writeFileSync(path.join(root, 'dist/BUILD_INPUTS.json'), JSON.stringify(['datasets/demo/generate.ts']));
    touch('dist/BUILD_STAMP', 50);
    expect(freshBuild(root)).toBe(true);
    touch('datasets/demo/generate.ts', 10);
    expect(freshBuild(root)).toBe(false);
    rmSync(path.join(root, 'datasets/demo/generate.ts'));
    expect(freshBuild(root)).toBe(false);
  });
});
