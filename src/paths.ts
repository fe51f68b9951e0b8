// The package root, whether arbiter runs from source (src/paths.ts) or compiled
// (dist/src/paths.js): files that ship beside the code (package.json, benchmarks/) are found
// from here, never by counting `..` from a module that may sit one level deeper.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const up = path.dirname(srcDir);

export const PACKAGE_ROOT: string = path.basename(up) === 'dist' && existsSync(path.join(path.dirname(up), 'package.json')) ? path.dirname(up) : up;
