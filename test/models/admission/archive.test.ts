import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { admitSubmission } from '../../../src/models/admission/index.ts';
import { tar } from '../tar-writer.ts';
import { contract, externalModel, goodModel, linearSpec, rules } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-archive-'));
let n = 0;

async function admit(bytes: Uint8Array, r = rules({ maxExternalBytes: 4096 })): Promise<{ code: string; message: string; modelPath?: string }> {
  const p = join(dir, `sub-${n++}.bin`);
  writeFileSync(p, bytes);
  const res = await admitSubmission(p, r, contract, { workDir: dir });
  return res.ok ? { code: 'ok', message: '', modelPath: res.modelPath! } : { code: res.error.code, message: res.error.message };
}

const wBytes = (() => { const w = linearSpec().initializers![0]!.data; return new Uint8Array(w.buffer, w.byteOffset, w.byteLength); })();

describe('admitSubmission: archives', () => {
  it('admits a tar and a tar.gz holding a model and its external data, extracting them to a fresh folder', async () => {
    const entries = [{ name: 'weights/', type: '5' }, { name: 'weights/w.bin', data: wBytes }, { name: 'model.onnx', data: externalModel('weights/w.bin') }];
    for (const bytes of [tar(entries), gzipSync(tar(entries))]) {
      const r = await admit(bytes);
      expect(r.code).toBe('ok');
      expect(existsSync(join(r.modelPath!, '..', 'weights', 'w.bin'))).toBe(true);
    }
    expect((await admit(goodModel())).code).toBe('ok'); // a bare .onnx file still works
  });

  it('refuses a gzip bomb before inflating it past the size limit', async () => {
    // 64 MiB of zeros inside a tar, gzipped to about 64 KiB; the limits allow 1 MiB + 4 KiB.
    const bomb = gzipSync(tar([{ name: 'model.onnx', data: goodModel() }, { name: 'pad.bin', data: new Uint8Array(64 << 20) }]), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    const r = await admit(bomb, rules({ maxBytes: 1 << 20, maxExternalBytes: 4096 }));
    expect(r.code).toBe('E_SUBMISSION_ARCHIVE');
    expect(r.message).toMatch(/decompression bomb/);
  });

  it('refuses links, devices, unsafe paths, duplicates, nested archives and wrong model counts', async () => {
    const m = goodModel();
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(60)]);
    const cases: Array<[string, Buffer]> = [
      ['symlink', tar([{ name: 'model.onnx', data: m }, { name: 'w.bin', type: '2', linkname: '/etc/passwd' }])],
      ['hardlink', tar([{ name: 'model.onnx', data: m }, { name: 'w.bin', type: '1', linkname: '../../x' }])],
      ['device', tar([{ name: 'model.onnx', data: m }, { name: 'dev', type: '3' }])],
      ['absolute', tar([{ name: '/tmp/model.onnx', data: m }])],
      ['dotdot', tar([{ name: 'model.onnx', data: m }, { name: '../evil.bin', data: wBytes }])],
      ['duplicate', tar([{ name: 'model.onnx', data: m }, { name: 'model.onnx', data: m }])],
      ['nested-zip', tar([{ name: 'model.onnx', data: m }, { name: 'inner.zip', data: zip }])],
      ['nested-gz', tar([{ name: 'model.onnx', data: m }, { name: 'w.bin', data: gzipSync(Buffer.alloc(100)) }])],
      ['no-model', tar([{ name: 'w.bin', data: wBytes }])],
      ['two-models', tar([{ name: 'a.onnx', data: m }, { name: 'b.onnx', data: m }])],
      ['truncated', tar([{ name: 'model.onnx', data: m }]).subarray(0, 700)],
      ['size-lie', tar([{ name: 'model.onnx', data: m, declaredSize: 10_000_000 }])],
      ['bad-checksum', (() => { const t = tar([{ name: 'model.onnx', data: m }]); t[0] ^= 1; return t; })()],
      ['not-gzip', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)])],
      ['many-entries', tar([{ name: 'model.onnx', data: m }, ...Array.from({ length: 70 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }))])],
      // found by the fuzz test (tar case 74): a file named like a folder an earlier entry made was E_INTERNAL (EEXIST)
      ['file-over-folder', tar([{ name: 'sub/model.onnx', data: m }, { name: 'sub', data: wBytes }])],
      ['folder-under-file', tar([{ name: 'sub', data: wBytes }, { name: 'sub/model.onnx', data: m }])],
    ];
    for (const [name, bytes] of cases) {
      const r = await admit(bytes);
      expect([name, r.code]).toEqual([name, 'E_SUBMISSION_ARCHIVE']);
    }
  });

  it('runs the ONNX checks on the extracted model (external data escaping is still refused)', async () => {
    const r = await admit(tar([{ name: 'model.onnx', data: externalModel('../../../etc/passwd') }]));
    expect(r.code).toBe('E_MODEL_EXTERNAL_DATA');
  });
});
