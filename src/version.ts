// The engine version (from package.json), importable without loading any heavy module.
import { readFileSync } from 'node:fs';

export const ENGINE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
