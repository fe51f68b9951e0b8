// Keeps docs/ true: every error code and every spec field is documented.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.ts';
import { benchmarkJsonSchema } from '../src/benchmark/schema.ts';
import { federationJsonSchema } from '../src/federated/schema.ts';
import { REPO } from './helpers.ts';

function keysOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s.properties && typeof s.properties === 'object') for (const k of Object.keys(s.properties)) out.add(k);
    for (const v of Object.values(s)) keysOf(v, out);
  }
  return out;
}

describe('docs', () => {
  it('docs/errors.md lists every error code with its exit status', () => {
    const doc = readFileSync(path.join(REPO, 'docs/errors.md'), 'utf8');
    for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${exit} \\|`));
    }
  });

  it('docs/spec.md documents every field of the benchmark schema', () => {
    const doc = readFileSync(path.join(REPO, 'docs/spec.md'), 'utf8');
    for (const key of keysOf(benchmarkJsonSchema())) expect(doc, key).toContain(`\`${key}\``);
  });

  it('docs/federated.md documents every top-level field of the federation schema and its acceptance rule', () => {
    const doc = readFileSync(path.join(REPO, 'docs/federated.md'), 'utf8');
    const schema = federationJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    for (const key of Object.keys(schema.properties)) expect(doc, key).toContain(`\`${key}\``);
    for (const key of ['primary', 'minImprovement', 'quorum', 'majority', 'publicKey', 'agreementKey', 'stake', 'pool', 'scheme', 'penalty']) expect(doc, key).toContain(`\`${key}\``);
  });
});
