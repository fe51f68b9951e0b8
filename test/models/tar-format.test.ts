// The one tar reader both submission kinds use: long names (pax path, GNU 'L', ustar prefix)
// fold into the member they precede, links keep their target, and format damage (checksum,
// truncation, a non-octal field) is reported through the caller's own error function.
import { describe, expect, it } from 'vitest';
import { tarEntries, isTar } from '../../src/models/tar-format.ts';
import { paxPath, tar } from './tar-writer.ts';

const fail = (m: string): never => { throw new Error(`CALLER: ${m}`); };
const long = 'd/'.repeat(60) + 'model.onnx';

describe('tarEntries', () => {
  it('resolves pax and GNU long names and keeps link targets, in archive order', () => {
    const bytes = tar([paxPath(long), { name: 'short', data: 'abc' }, { name: '././@LongLink', type: 'L', data: `${long}.2\0` }, { name: 'x', data: 'de' }, { name: 'l', type: '2', link: 'short' }, { name: 'dir/', type: '5' }]);
    expect(isTar(bytes)).toBe(true);
    const got = [...tarEntries(bytes, fail)].map((e) => ({ type: e.type, name: e.name, link: e.link, text: Buffer.from(e.data).toString() }));
    expect(got).toEqual([
      { type: '0', name: long, link: '', text: 'abc' },
      { type: '0', name: `${long}.2`, link: '', text: 'de' },
      { type: '2', name: 'l', link: 'short', text: '' },
      { type: '5', name: 'dir/', link: '', text: '' },
    ]);
  });

  it('reports a bad checksum, a truncated member and a bad size field through the caller', () => {
    const good = tar([{ name: 'a', data: 'hello' }]);
    const flipped = Buffer.from(good); flipped[0] ^= 1;
    expect(() => [...tarEntries(flipped, fail)]).toThrow(/CALLER: .*bad checksum/);
    expect(() => [...tarEntries(tar([{ name: 'a', data: 'x', declaredSize: 5000 }]), fail)]).toThrow(/CALLER: .*truncated/);
    const badSize = Buffer.from(good); badSize.write('99999999999', 124, 'latin1');
    expect(() => [...tarEntries(badSize, fail)]).toThrow(/CALLER: /);
    expect(isTar(new Uint8Array(600))).toBe(false);
  });
});
