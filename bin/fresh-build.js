// Whether a compiled build under <root>/dist can stand in for the sources: dist/BUILD_STAMP
// (written last by bin/build.js) exists, no file or folder under src/ or scoring/ is newer, and
// neither is any other source the build compiled (listed in dist/BUILD_INPUTS.json, e.g. the demo
// data generators under datasets/; a listed file that is gone makes the build stale too).
// Plain JS with no dependencies: bin/arbiter.js runs it before anything else is loaded, on every
// call, so it only stats (about 200 entries: a few ms).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** @param {string} root the package root @returns {boolean} */
export function freshBuild(root) {
  let stamp;
  try { stamp = statSync(path.join(root, 'dist', 'BUILD_STAMP')).mtimeMs; } catch { return false; }
  for (const top of ['src', 'scoring']) {
    const dir = path.join(root, top);
    if (statSync(dir).mtimeMs > stamp) return false;
    for (const name of readdirSync(dir, { recursive: true })) {
      if (statSync(path.join(dir, name)).mtimeMs > stamp) return false;
    }
  }
  let inputs = [];
  try { inputs = JSON.parse(readFileSync(path.join(root, 'dist', 'BUILD_INPUTS.json'), 'utf8')); } catch { /* a build from before the list: src/ and scoring/ only */ }
  for (const rel of inputs) {
    const m = statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (!m || m.mtimeMs > stamp) return false;
  }
  return true;
}
