// Offline loading: a folder missing a file fails with E_MODEL_FORMAT naming it (not a hub
// error), a folder without a chat template fails to render with E_TOKENIZER, and loads are cached.
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { loadLm } from '../../../src/models/hf/load.ts';
import { randomLm } from '../../../src/models/hf/tiny-lm.ts';
import { tempDir, wordLevelFolder } from '../../tasks/lm/helpers.ts';

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

  it('caches one load per folder and options', async () => {
    const d = wordLevelFolder(path.join(tempDir(), 'c'), w);
    expect(await loadLm(d)).toBe(await loadLm(d));
  });
});
