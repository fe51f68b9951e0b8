// Shared test helpers: temp dirs and the path of the repository.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function tempDir(prefix = 'arbiter-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
