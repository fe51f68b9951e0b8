// The shipped Kubernetes manifests agree with the shard contract: an Indexed Job whose
// completions, parallelism and `--shard auto/N` match, whose pods (JOB_COMPLETION_INDEX = 0..N-1,
// `$(VAR)` expanded as the kubelet does) select every shard exactly once and write distinct part
// files into the directory the merge job reads.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { parseShard } from '../../src/run/shard.ts';

const root = new URL('../../deploy/', import.meta.url);
type Container = { args?: string[]; command?: string[]; image: string; env?: Array<{ name: string }> };
type JobDoc = { kind: string; spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: { containers: Container[]; restartPolicy: string } } } };

const expand = (s: string, env: Record<string, string>) => s.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (m, k: string) => env[k] ?? m);

describe('deploy/kubernetes', () => {
  const shards = parse(readFileSync(new URL('kubernetes/score-shards.yaml', root), 'utf8')) as JobDoc;
  const merge = parse(readFileSync(new URL('kubernetes/merge-job.yaml', root), 'utf8')) as JobDoc;

  it('is an Indexed Job whose pods each select their own shard once', () => {
    expect(shards.kind).toBe('Job');
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = shards.spec.completions!;
    expect(shards.spec.parallelism).toBe(n);
    const c = shards.spec.template.spec.containers[0]!;
    expect(shards.spec.template.spec.restartPolicy).toBe('Never');
    const args = c.args!;
    const shardArg = args[args.indexOf('--shard') + 1]!;
    expect(shardArg).toBe(`auto/${n}`);
    const outs = new Set<string>();
    const seen: number[] = [];
    for (let i = 0; i < n; i++) {
      const env = { JOB_COMPLETION_INDEX: String(i) };
      const s = parseShard(expand(shardArg, env), env);
      expect(s.count).toBe(n);
      seen.push(s.index);
      outs.add(expand(args[args.indexOf('--part-out') + 1]!, env));
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(outs.size).toBe(n);
    for (const o of outs) expect(o).toMatch(/^\/parts\/part-\d+\.json$/);
  });

  it('has a merge job reading the same parts directory with the same image', () => {
    const c = merge.spec.template.spec.containers[0]!;
    expect(c.image).toBe(shards.spec.template.spec.containers[0]!.image);
    expect(c.args!.join(' ')).toContain('merge /parts/part-*.json');
  });

  it('parses as valid YAML documents, every one of them', () => {
    for (const f of ['score-shards.yaml', 'merge-job.yaml', 'storage.yaml', 'kustomization.yaml']) {
      const docs = parseAllDocuments(readFileSync(new URL(`kubernetes/${f}`, root), 'utf8'));
      for (const d of docs) expect(d.errors, f).toEqual([]);
    }
    const docker = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(docker).toMatch(/^FROM node:20-slim/m);
    expect(docker).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(docker).toMatch(/npm ci/);
  });
});
