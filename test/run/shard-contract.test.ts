// The Kubernetes Indexed Job contract, locally and literally: the container args of
// deploy/kubernetes/score-shards.yaml run as N `arbiter score --shard auto/N` processes (real CLI,
// real ONNX models in isolated child processes, the default), each with JOB_COMPLETION_INDEX set
// and `$(JOB_COMPLETION_INDEX)` expanded as the kubelet does; then the shell command of
// merge-job.yaml merges the parts. The result's rows are byte-identical to one plain
// `arbiter score --json` with the same arguments.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { arbiterInProcess } from '../cli-in-process.ts';
import { REPO, tempDir } from '../helpers.ts';

const BIN = path.join(REPO, 'bin/arbiter.js');
const dir = tempDir('arbiter-shard-contract-');
type Job = { spec: { completions: number; template: { spec: { containers: Array<{ args: string[]; command?: string[] }> } } } };
const shards = parse(readFileSync(path.join(REPO, 'deploy/kubernetes/score-shards.yaml'), 'utf8')) as Job;
const merge = parse(readFileSync(path.join(REPO, 'deploy/kubernetes/merge-job.yaml'), 'utf8')) as Job;

/** The pod's volumes, mounted here. */
const local = (s: string) => s
  .replace('/benchmark/benchmark.yaml', path.join(REPO, 'benchmarks/tabular-demo/benchmark.yaml'))
  .replace(/^\/submissions$/, path.join(REPO, 'benchmarks/tabular-demo/submissions'))
  .replace('/app/bin/arbiter.js', BIN)
  .replaceAll('/parts/', `${dir}/parts/`);

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('deploy/kubernetes Indexed Job, run locally', () => {
  it('N pods with JOB_COMPLETION_INDEX and --shard auto/N, then the merge job: rows byte-identical to one arbiter score', async () => {
    const n = shards.spec.completions;
    const args = shards.spec.template.spec.containers[0]!.args;
    expect(args).toContain(`auto/${n}`);
    // 2 pods at a time: the test machine has 2 cores.
    for (let i = 0; i < n; i += 2) {
      const pods = await Promise.all([i, i + 1].filter((k) => k < n).map((k) => {
        const env = { JOB_COMPLETION_INDEX: String(k) };
        const podArgs = args.map((a) => local(a.replace(/\$\(JOB_COMPLETION_INDEX\)/g, env.JOB_COMPLETION_INDEX).replace(/^\/work\//, `${dir}/pod-${k}/`)));
        return run(process.execPath, [BIN, ...podArgs], env);
      }));
      pods.forEach((p, k) => expect(p.code, `pod ${i + k}: ${p.stderr}`).toBe(0));
    }
    const m = merge.spec.template.spec.containers[0]!;
    expect(m.command).toEqual(['sh', '-c']);
    const merged = await run('sh', ['-c', local(m.args[0]!).replace(/\bnode\b/, process.execPath)], {});
    expect(merged.code, merged.stderr).toBe(0);
    const result = JSON.parse(readFileSync(path.join(dir, 'parts', 'result.json'), 'utf8'));

    // The same job on one machine: the pod's arguments without the shard options.
    const single = args.map((a) => local(a.replace(/^\/work\//, `${dir}/single/`)));
    const cut = single.indexOf('--shard');
    single.splice(cut, 2);
    single.splice(single.indexOf('--part-out'), 2);
    // (in this process: only the pods and the merge job are the contract under test)
    const ref = await arbiterInProcess([...single, '--json'], { cwd: dir });
    expect(ref.code, ref.stderr).toBe(0);
    const reference = JSON.parse(ref.stdout);
    expect(JSON.stringify(result.rows)).toBe(JSON.stringify(reference.rows));
    expect(JSON.stringify(result.benchmark)).toBe(JSON.stringify(reference.benchmark));
    expect(result.shards.count).toBe(n);
  }, 300_000);
});
