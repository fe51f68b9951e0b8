// The demo submissions of sentiment-demo (three tiny bag-of-words classifiers): the generator lives
// in src/demo/sentiment-demo.ts so the compiled engine carries it; `arbiter score --benchmark
// sentiment-demo` builds them on first use, or `npx tsx benchmarks/sentiment-demo/make-submissions.ts`.
export * from '../../src/demo/sentiment-demo.ts';
