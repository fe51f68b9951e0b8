// Which bundled benchmarks generate their demo submissions, and the code that does it. Static,
// relative imports (compiled to dist/ with the engine, loaded only when needed): an installed
// arbiter never imports a .ts file from benchmarks/ at run time, and no spec can name code to run.
export interface DemoGenerator {
  /** The folder names written under the benchmark's submissions/. */
  readonly DEMO_SUBMISSIONS: readonly string[];
  /** Writes every folder (seeded, offline), skipping the work when all are there. */
  buildDemoSubmissions(outDir: string): Promise<unknown>;
}

/** Bundled benchmark folder name -> its demo-submission generator. */
export const DEMO_GENERATORS: Readonly<Record<string, () => Promise<DemoGenerator>>> = Object.freeze({
  'choice-demo': () => import('./choice-demo.ts'),
  'qwen-chat-demo': () => import('./qwen-chat-demo.ts'),
  'sentiment-demo': () => import('./sentiment-demo.ts'),
});
