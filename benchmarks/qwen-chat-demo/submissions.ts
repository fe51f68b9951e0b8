// The demo submissions of qwen-chat-demo (three tiny causal LMs with the real Qwen3 tokenizer): the
// generator lives in src/demo/qwen-chat-demo.ts so the compiled engine carries it; `arbiter score
// --benchmark qwen-chat-demo` builds them on first use, or `npx tsx benchmarks/qwen-chat-demo/make-submissions.ts`.
export * from '../../src/demo/qwen-chat-demo.ts';
