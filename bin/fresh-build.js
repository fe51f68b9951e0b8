// Whether a compiled build under <root>/dist can stand in for the sources: dist/BUILD_STAMP
// (written last by bin/build.js) exists and no file or folder under src/ or scoring/ is newer.
// Plain JS with no dependencies: bin/arbiter.js runs it before anything else is loaded.
import { readdirSync, statSync } from 'node:fs';
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
  return true;
}
