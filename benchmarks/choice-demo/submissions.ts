// The demo submissions of choice-demo (three tiny word-level causal LMs): the generator lives in
// src/demo/choice-demo.ts so the compiled engine carries it; `arbiter score --benchmark choice-demo`
// builds them on first use, or `npx tsx benchmarks/choice-demo/make-submissions.ts` beforehand.
export * from '../../src/demo/choice-demo.ts';
