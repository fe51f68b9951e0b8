// The layers point one way (docs/architecture.md): cli -> federated -> run -> tasks -> receipts / report ->
// inference / fold -> store -> demo -> benchmark / data / models / ranking -> leaves (results, errors,
// version, paths) -> scoring, which imports nothing from src/. No module imports the CLI, no
// import cycle, and the inference workers' code never reaches the store, the run, the CLI or the
// dataset readers (so nothing that holds labels can run inside a worker). Scans the sources' imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.ts';

const RANK: Record<string, number> = {
  cli: 100, 'index.ts': 100,
  federated: 95,
  run: 90,
  tasks: 80,
  receipts: 70, report: 70,
  inference: 60, fold: 60,
  store: 50, demo: 45,
  benchmark: 40, data: 40, models: 40, ranking: 40,
  'results.ts': 10, 'errors.ts': 10, 'messages.ts': 10, 'version.ts': 10, 'paths.ts': 10,
  scoring: 0,
};
/** Layers of one rank that may import each other: the definitions (spec, data formats, model formats, reward schemes), and the leaves. */
const PEERS = new Set(['benchmark', 'data', 'models', 'ranking', 'results.ts', 'errors.ts', 'messages.ts', 'version.ts', 'paths.ts']);
/** Known upward edges still to remove, each with its reason. Keep this list short and shrinking. */
const ALLOWED_UPWARD: Array<[string, string, string]> = [
  ['src/models/hf/load.ts', 'src/tasks/lm/tokens.ts', 'type LmTokenizer: the LM tokenizer contract is defined by the task code that calls it'],
  ['src/models/hf/load.ts', 'src/tasks/lm/render.ts', 'type RenderFn: the chat-template contract is defined by the task code that calls it'],
  // The isolated child hosts the LM kind's batch code (it runs a batch of an LM task under the
  // limits); the protocol names its message types. To go: runner modules named in the load message.
  ['src/inference/isolation/child.ts', 'src/tasks/lm/run-task.ts', 'the child process hosts the LM runner'],
  ['src/inference/isolation/pool.ts', 'src/tasks/lm/run-task.ts', 'type of an LM batch task'],
  ['src/inference/isolation/protocol.ts', 'src/tasks/lm/run-task.ts', 'types of the LM run messages'],
  ['src/inference/isolation/runner.ts', 'src/tasks/lm/run-task.ts', 'types of the LM run messages'],
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mjs)$/.test(n) ? [p] : [];
  });
}

const SPEC = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

const files = [...walk(path.join(REPO, 'src')), ...walk(path.join(REPO, 'scoring'))].map((f) => path.relative(REPO, f));
const edges = new Map<string, string[]>();
for (const f of files) {
  const text = readFileSync(path.join(REPO, f), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    out.push(path.normalize(path.join(path.dirname(f), spec)));
  }
  edges.set(f, out);
}

function layerOf(f: string): string {
  const parts = f.split(path.sep);
  if (parts[0] === 'scoring') return 'scoring';
  if (parts[0] !== 'src') return `outside:${parts[0]}`;
  return parts[1]!;
}

/** The one way out of src/: the bundled demos' generators read the demo data scripts under datasets/ (compiled with them). */
const OUTSIDE_ALLOWED = (from: string, to: string) => layerOf(from) === 'demo' && to.startsWith(`datasets${path.sep}`);

describe('source layers', () => {
  it('every module belongs to a known layer', () => {
    const unknown = files.filter((f) => RANK[layerOf(f)] === undefined);
    expect(unknown).toEqual([]);
  });

  it('every import points to the same layer or one below it', () => {
    const wrong: string[] = [];
    for (const [from, tos] of edges) {
      for (const to of tos) {
        const a = layerOf(from);
        const b = layerOf(to);
        if (a === b) continue;
        if (b.startsWith('outside:')) {
          if (!OUTSIDE_ALLOWED(from, to)) wrong.push(`${from} -> ${to} (outside src/ and scoring/)`);
          continue;
        }
        const ok = RANK[b]! < RANK[a]! || (RANK[b] === RANK[a] && PEERS.has(a) && PEERS.has(b));
        if (!ok && !ALLOWED_UPWARD.some(([x, y]) => x === from && y === to)) wrong.push(`${from} -> ${to} (${a} ${RANK[a]} -> ${b} ${RANK[b]})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('nothing imports the CLI, and scoring/ imports nothing from src/', () => {
    const intoCli = [...edges].flatMap(([from, tos]) => (layerOf(from) === 'cli' ? [] : tos.filter((t) => layerOf(t) === 'cli').map((t) => `${from} -> ${t}`)));
    expect(intoCli).toEqual([]);
    const fromScoring = [...edges].flatMap(([from, tos]) => (from.startsWith('scoring') ? tos.filter((t) => t.startsWith('src')).map((t) => `${from} -> ${t}`) : []));
    expect(fromScoring).toEqual([]);
  });

  it('no import cycle between modules', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of edges.get(f) ?? []) {
        if (!edges.has(t)) continue;
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('inference workers reach no store, run, CLI, report, receipts or dataset reader', () => {
    const entries = ['src/inference/worker.ts', 'src/inference/isolation/child.ts', 'src/tasks/lm/worker.ts'].filter((f) => edges.has(f));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    const seen = new Set<string>();
    const todo = [...entries];
    while (todo.length) {
      const f = todo.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      todo.push(...(edges.get(f) ?? []).filter((t) => edges.has(t)));
    }
    const forbidden = [...seen].filter((f) => ['store', 'run', 'cli', 'report', 'receipts', 'ranking'].includes(layerOf(f)) || /^src\/data\/(prepare|chat-dataset|arrow-stream|encryption)\.ts$/.test(f));
    expect(forbidden).toEqual([]);
  });
});
