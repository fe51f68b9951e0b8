// Offline loading: a folder missing a file fails with E_MODEL_FORMAT naming it (not a hub
// error), a folder without a chat template fails to render with E_TOKENIZER, and loads are cached.
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { loadLm } from '../../../src/models/hf/load.ts';
import { randomLm } from '../../../src/models/hf/tiny-lm.ts';
import { tempDir, wordLevelFolder, wordLevelTokenizer } from '../../tasks/lm/helpers.ts';
import { buildModel } from '../../../src/models/onnx/builder.ts';
import { writeLmFolder } from '../../../src/models/hf/tiny-lm.ts';
import { forwardPadded } from '../../../src/tasks/lm/chat-score.ts';

const w = randomLm(8, 5, 4, 4);

describe('loadLm', () => {
  it('runs with remote models disabled', () => {
    expect(env.allowRemoteModels).toBe(false);
  });

  for (const f of ['tokenizer_config.json', 'onnx/model.onnx']) {
    it(`missing ${f}: E_MODEL_FORMAT naming the file`, async () => {
      const d = wordLevelFolder(path.join(tempDir(), 'm'), w);
      rmSync(path.join(d, f));
      await expect(loadLm(d)).rejects.toMatchObject({ code: 'E_MODEL_FORMAT', details: { file: f } });
    });
  }

  it('an onnx/model.onnx that is not ONNX: E_MODEL_FORMAT', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'g'), w);
    writeFileSync(path.join(d, 'onnx/model.onnx'), 'this is not a model');
    await expect(loadLm(d)).rejects.toMatchObject({ code: 'E_MODEL_FORMAT' });
  });

  it('no chat_template: rendering fails with E_TOKENIZER', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'nt'), w);
    const cfg = JSON.parse(readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8'));
    delete cfg.chat_template;
    writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(cfg));
    const m = await loadLm(d);
    expect(() => m.render([{ role: 'user', content: 'a' }], undefined)).toThrow(expect.objectContaining({ code: 'E_TOKENIZER' }));
  });

  it('a graph with a position_ids input (as Optimum exports Qwen/Llama) gets 0..len-1 on right-padded rows', async () => {
    // logits[b, s, k] = position_ids[b, s]: shows exactly what transformers.js feeds
    const V = 8;
    const onnx = buildModel({
      inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] }, { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'seq'] },
        { name: 'position_ids', dtype: 'int64', shape: ['batch', 'seq'] }],
      outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 'seq', V] }],
      initializers: [{ name: 'axes2', dtype: 'int64', dims: [1], data: new BigInt64Array([2n]) }, { name: 'zeros', dtype: 'float32', dims: [V], data: new Float32Array(V) }],
      nodes: [
        { op: 'Cast', inputs: ['position_ids'], outputs: ['pf'], attrs: { to: 1 } },
        { op: 'Unsqueeze', inputs: ['pf', 'axes2'], outputs: ['p3'] },
        { op: 'Add', inputs: ['p3', 'zeros'], outputs: ['logits'] },
      ],
    });
    const t = wordLevelTokenizer();
    const m = await loadLm(writeLmFolder(path.join(tempDir(), 'pos'), { onnx, tokenizerJson: t.json, tokenizerConfig: t.config }));
    const r = await forwardPadded(m, [[6, 7, 6, 7], [7, 6]]);
    const pos = Array.from(r.logits).filter((_, i) => i % V === 0);
    expect(pos.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(pos.slice(4, 6)).toEqual([0, 1]); // the real tokens of the padded row; padding positions are never read
  });

  it('a chat template that raises: E_TOKENIZER', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'raise'), w);
    const cfg = JSON.parse(readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8'));
    cfg.chat_template = "{{ raise_exception('no system messages') }}";
    writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(cfg));
    const m = await loadLm(d);
    expect(() => m.render([{ role: 'user', content: 'a' }], undefined)).toThrow(expect.objectContaining({ code: 'E_TOKENIZER', message: expect.stringContaining('no system messages') }));
  });

  it('caches one load per folder and options', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'c'), w);
    expect(await loadLm(d)).toBe(await loadLm(d));
  });
});
