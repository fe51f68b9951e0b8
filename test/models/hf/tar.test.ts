// Safe .tar unpacking: a real `tar` archive of a model folder unpacks and loads; hostile
// archives fail with E_TAR_UNSAFE and write nothing outside the destination.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { unpackTar, resolveModelFolder } from '../../../src/models/hf/tar.ts';
import { tarBytes, paxPath } from '../tar-writer.ts';
import { tempDir } from '../../tasks/lm/helpers.ts';

const opts = { maxBytes: 1 << 20 };

describe('unpackTar', () => {
  it('unpacks a folder archived by the system tar (./-prefixed names, directories)', () => {
    const root = tempDir();
    const src = path.join(root, 'model');
    mkdirSync(path.join(src, 'onnx'), { recursive: true });
    writeFileSync(path.join(src, 'config.json'), '{"model_type":"qwen3"}');
    writeFileSync(path.join(src, 'onnx', 'model.onnx'), Buffer.alloc(3000, 7));
    const tarFile = path.join(root, 'sub.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', src, '.']);
    const folder = resolveModelFolder(tarFile, path.join(root, 'work'), opts);
    expect(readFileSync(path.join(folder, 'config.json'), 'utf8')).toBe('{"model_type":"qwen3"}');
    expect(readFileSync(path.join(folder, 'onnx', 'model.onnx')).equals(Buffer.alloc(3000, 7))).toBe(true);
    // same archive again: reuses the unpacked folder (keyed by the tar's sha256)
    expect(resolveModelFolder(tarFile, path.join(root, 'work'), opts)).toBe(folder);
  });

  it('finds the model root inside a single top-level folder', () => {
    const root = tempDir();
    const tarFile = path.join(root, 'sub.tar');
    writeFileSync(tarFile, tarBytes([{ name: 'my-model/', type: '5' }, { name: 'my-model/config.json', data: '{}' }]));
    expect(resolveModelFolder(tarFile, path.join(root, 'work'), opts).endsWith('/my-model')).toBe(true);
  });

  it('materialises a link that points inside as a copy (no symlink on disk)', () => {
    const dest = path.join(tempDir(), 'out');
    const files = unpackTar(tarBytes([
      { name: 'onnx/model.onnx', data: 'weights' },
      { name: 'onnx/alias.onnx', type: '2', link: 'model.onnx' },
      { name: 'hard.onnx', type: '1', link: 'onnx/model.onnx' },
    ]), dest, opts);
    expect(files).toEqual(['hard.onnx', 'onnx/alias.onnx', 'onnx/model.onnx']);
    expect(readFileSync(path.join(dest, 'onnx/alias.onnx'), 'utf8')).toBe('weights');
  });

  const hostile: Array<[string, Parameters<typeof tarBytes>[0], RegExp]> = [
    ['absolute path', [{ name: '/tmp/evil', data: 'x' }], /absolute/],
    ['.. component', [{ name: 'a/../../evil', data: 'x' }], /\.\./],
    ['.. via pax path', [paxPath('../evil'), { name: 'innocent', data: 'x' }], /\.\./],
    ['symlink out', [{ name: 'l', type: '2', link: '../../etc/passwd' }], /outside/],
    ['absolute symlink', [{ name: 'l', type: '2', link: '/etc/passwd' }], /absolute/],
    ['symlink to a folder', [{ name: 'd/', type: '5' }, { name: 'l', type: '2', link: 'd' }], /regular file/],
    ['hard link out', [{ name: 'h', type: '1', link: '../x' }], /outside/],
    ['device', [{ name: 'dev', type: '3' }], /device/],
    ['duplicate path', [{ name: 'a', data: '1' }, { name: 'a', data: '2' }], /twice/],
    ['too large', [{ name: 'big', data: Buffer.alloc(2 << 20) }], /more than/],
    // found by the fuzz test (tar case 154): a folder entry over an earlier file threw a raw EEXIST
    ['folder over a file', [{ name: 'sub', data: '1' }, { name: 'sub/', type: '5' }], /cannot unpack sub/],
  ];
  for (const [what, entries, msg] of hostile) {
    it(`rejects ${what} with E_TAR_UNSAFE`, () => {
      const root = tempDir();
      const dest = path.join(root, 'deep', 'out');
      let err: any;
      try { unpackTar(tarBytes(entries), dest, opts); } catch (e) { err = e; }
      expect(err?.code).toBe('E_TAR_UNSAFE');
      expect(err.message).toMatch(msg);
      expect(existsSync(path.join(root, 'evil')) || existsSync(path.join(root, 'deep', 'evil'))).toBe(false);
    });
  }

  it('rejects a file that is not a tar (bad checksum)', () => {
    expect(() => unpackTar(Buffer.alloc(1024, 65), path.join(tempDir(), 'o'), opts)).toThrow(expect.objectContaining({ code: 'E_TAR_UNSAFE' }));
  });

  it('a missing submission is E_SUBMISSION_NOT_FOUND', () => {
    expect(() => resolveModelFolder(path.join(tempDir(), 'nope.tar'), tempDir(), opts)).toThrow(expect.objectContaining({ code: 'E_SUBMISSION_NOT_FOUND' }));
  });

  it('leaves no partial folder behind when unpacking fails', () => {
    const root = tempDir();
    const tarFile = path.join(root, 'bad.tar');
    writeFileSync(tarFile, tarBytes([{ name: 'ok', data: 'x' }, { name: '../evil', data: 'x' }]));
    expect(() => resolveModelFolder(tarFile, path.join(root, 'work'), opts)).toThrow(expect.objectContaining({ code: 'E_TAR_UNSAFE' }));
    const left = existsSync(path.join(root, 'work')) ? readdirSync(path.join(root, 'work')) : [];
    expect(left).toEqual([]);
  });
});
