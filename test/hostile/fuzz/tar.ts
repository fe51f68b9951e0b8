// Tar cases: archives written header by header with hostile choices (bad checksums, non-octal and
// base-256 numeric fields, huge declared sizes, pax and GNU long names and links, hard and symbolic
// links, devices, FIFOs, `..`, absolute paths aimed at a known outside folder, duplicate names),
// sometimes gzipped, then sometimes truncated or byte-edited.
import { gzipSync } from 'node:zlib';
import { mutateBytes } from './generic.ts';
import type { Rng } from './rng.ts';

interface Entry { name: string; type: string; data: Uint8Array; link: string; prefix?: string; size?: string | Uint8Array; checksum?: 'bad' | 'blank' | 'ok'; mode?: string }

function put(h: Uint8Array, off: number, len: number, s: string | Uint8Array): void {
  h.set((typeof s === 'string' ? Buffer.from(s, 'utf8') : s).subarray(0, len), off);
}
const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';

function header(e: Entry): Uint8Array {
  const h = new Uint8Array(512);
  put(h, 0, 100, e.name);
  put(h, 100, 8, e.mode ?? oct(0o644, 8));
  put(h, 108, 8, oct(0, 8));
  put(h, 116, 8, oct(0, 8));
  put(h, 124, 12, e.size ?? oct(e.data.length, 12));
  put(h, 136, 12, oct(0, 12));
  h[156] = e.type.charCodeAt(0) & 0xff;
  put(h, 157, 100, e.link);
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  if (e.prefix) put(h, 345, 155, e.prefix);
  for (let i = 148; i < 156; i++) h[i] = 32;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  if (e.checksum === 'bad') sum += 1;
  if (e.checksum !== 'blank') put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

function paxRecord(key: string, value: string): string {
  const rec = ` ${key}=${value}\n`;
  let len = rec.length + 2;
  while (`${len}${rec}`.length !== len) len = `${len}${rec}`.length;
  return `${len}${rec}`;
}

export function writeTar(entries: Entry[], end = true): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    blocks.push(header(e));
    const padded = new Uint8Array(Math.ceil(e.data.length / 512) * 512);
    padded.set(e.data);
    blocks.push(padded);
  }
  if (end) blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

/**
 * One hostile archive. `escapeDir` is an absolute folder outside the unpack folder: absolute
 * entries and links aim there, so a reader that follows them leaves a trace the test looks for.
 */
export function fuzzTar(r: Rng, model: Uint8Array, escapeDir: string): Uint8Array {
  const file = (name: string, data: Uint8Array | string = 'data'): Entry => ({ name, type: '0', data: typeof data === 'string' ? Buffer.from(data) : data, link: '' });
  const entries: Entry[] = [];
  // A mostly valid start: the model (ONNX archives need one), maybe a config and a folder.
  if (r.chance(0.8)) entries.push(file(r.pick(['model.onnx', 'sub/model.onnx', './model.onnx']), model));
  if (r.chance(0.4)) entries.push({ name: 'sub/', type: '5', data: new Uint8Array(), link: '' });
  if (r.chance(0.3)) entries.push(file('config.json', '{"model_type":"qwen3"}'));
  const hostile = r.weighted([[2, 1], [2, 2], [1, 4]] as const);
  for (let k = 0; k < hostile; k++) {
    const esc = `${escapeDir}/pwned-${k}`;
    switch (r.int(17)) {
      case 0: entries.push(file(r.pick(['../evil', '../../evil', 'a/../../evil', 'sub/../../evil', '..', './../evil']))); break;
      case 1: entries.push(file(r.pick([esc, `//${esc}`, 'C:/evil', 'C:\\evil', 'a\\..\\..\\evil']))); break;
      case 2: entries.push({ name: r.pick(['link', 'sub/link']), type: '2', data: new Uint8Array(), link: r.pick(['../..', escapeDir, esc, 'model.onnx', '../model.onnx', '.', 'link']) });
        if (r.chance(0.6)) entries.push(file(r.pick(['link/pwned', 'sub/link/pwned', 'link']))); break;
      case 3: entries.push({ name: 'hard', type: '1', data: new Uint8Array(), link: r.pick(['model.onnx', '../model.onnx', esc, '/etc/passwd', 'hard', 'missing']) });
        if (r.chance(0.4)) entries.push(file('hard', 'overwrite')); break;
      case 4: entries.push({ name: r.pick(['dev', 'fifo', 'x']), type: r.pick(['3', '4', '6', 'V', 'S', 'Z', '\xff']), data: new Uint8Array(), link: '' }); break;
      case 5: { // huge or lying declared size
        const e = file('big.bin', 'x'.repeat(r.pick([0, 10, 600])));
        e.size = r.pick([oct(2 ** 33 - 1, 12), '77777777777\0', oct(e.data.length + 5000, 12), '99\0', 'abc', '-1', ' 1 2', '\0'.repeat(12)]);
        if (r.chance(0.3)) { const b = new Uint8Array(12); b[0] = r.pick([0x80, 0xff]); b.fill(0xff, 1); e.size = b; }
        entries.push(e);
        break;
      }
      case 6: { const e = file('cs.bin'); e.checksum = r.pick(['bad', 'blank'] as const); entries.push(e); break; }
      case 7: entries.push({ name: 'PaxHeader', type: 'x', data: Buffer.from(r.pick([
        paxRecord('path', r.pick(['../pax-evil', esc, 'model.onnx', 'p'.repeat(5000), 'ok/pax.bin'])),
        paxRecord('linkpath', esc), paxRecord('size', '99999999999'), '99999 path=x\n', '0 path=x\n', 'garbage', '5 a=b\n', '',
      ])), link: '' }, file('pax-target.bin')); break;
      case 8: entries.push({ name: '././@LongLink', type: r.pick(['L', 'K']), data: Buffer.from(r.pick(['../gnu-evil', esc, 'l'.repeat(3000), 'gnu/ok.bin', ''])), link: '' },
        r.chance(0.5) ? file('gnu-target.bin') : { name: 'gl', type: '2', data: new Uint8Array(), link: 'x' }); break;
      case 9: { const e = file('pre.bin'); e.prefix = r.pick(['..', escapeDir, 'a/b', 'p'.repeat(155)]); entries.push(e); break; }
      case 10: entries.push(file(r.pick(['model.onnx', 'config.json', 'sub']), 'dup')); break; // duplicate names, file over folder
      case 11: entries.push(file(r.pick(['a\0b', '', '/', 'x'.repeat(100), 'é漢🤖', '.arbiter-unpacked', 'sub//x', './']))); break;
      case 12: for (let i = 0; i < r.pick([50, 600]); i++) entries.push(file(`many/${i}`, '')); break;
      case 13: entries.push(file('inner.tar', writeTar([file('x')]))); entries.push(file('inner.gz', gzipSync(Buffer.from('x')))); break;
      case 14: { const e = file('mode.bin'); e.mode = r.pick(['7777777\0', 'zzzzzzz\0', '\xff\xff\xff\xff']); entries.push(e); break; }
      case 15: entries.push({ name: 'g', type: 'g', data: Buffer.from(paxRecord('path', '../global')), link: '' }, file('after-global.bin')); break;
      default: entries.push(file(r.pick(['big1.bin', 'big2.bin']), new Uint8Array(r.pick([1 << 16, 3 << 20])))); break;
    }
  }
  if (r.chance(0.2)) entries.reverse();
  let bytes = writeTar(entries, r.chance(0.9));
  if (r.chance(0.15)) bytes = bytes.subarray(0, r.int(bytes.length)); // truncated
  if (r.chance(0.2)) bytes = mutateBytes(r, bytes);
  if (r.chance(0.2)) bytes = gzipSync(bytes);
  return bytes;
}
