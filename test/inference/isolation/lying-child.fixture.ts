// A stand-in for the inference child (src/inference/isolation/child.ts) that speaks the protocol
// but lies about its outputs, one way per ARBITER_TEST_LIE: the engine must fail the submission
// with a code, never read outside what it computed itself, never fold a batch it did not get.
import { openSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import type { FromChild, OutputMeta, ToChild } from '../../../src/inference/isolation/protocol.ts';

const lie = process.env.ARBITER_TEST_LIE ?? 'none';
const send = (m: FromChild): void => void process.send?.(m);
process.on('disconnect', () => process.exit(0));

let groups = 0;
process.on('message', (msg: ToChild) => {
  if (msg.kind === 'load') {
    send({ kind: 'loaded', inputNames: ['features'], outputNames: ['probabilities'], vmSizeKb: 0, rssKb: 0 });
    return;
  }
  if (msg.kind !== 'run-file') return;
  const pads = msg.feeds.map((f) => f.inputs[0]!.padTo);
  const metas: OutputMeta[][] = pads.map((p) => [{ name: 'probabilities', type: 'float32', dims: [p, 4] }]);
  const write = (): void => {
    const fd = openSync(msg.out!.file, 'r+');
    let at = 0;
    for (const p of pads) {
      const v = new Float32Array(p * 4).fill(lie === 'nan' ? Number.NaN : 0.25);
      at += writeSync(fd, new Uint8Array(v.buffer), 0, v.byteLength, at);
    }
  };
  groups++;
  switch (lie) {
    case 'stale': // honest for two groups (both outputs files hold outputs), then writes nothing
      if (groups > 2) {
        send({ kind: 'result-file', id: msg.id, outputs: metas });
        return;
      }
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas });
      return;
    case 'short': // says it wrote every batch, wrote nothing
      send({ kind: 'result-file', id: msg.id, outputs: metas });
      return;
    case 'symlink': { // puts a link to the engine's inputs file where its outputs file was
      unlinkSync(msg.out!.file);
      symlinkSync(msg.feeds[0]!.file, msg.out!.file);
      send({ kind: 'result-file', id: msg.id, outputs: metas });
      return;
    }
    case 'few':
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas.slice(1) });
      return;
    case 'huge-dims':
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas.map(() => [{ name: 'probabilities', type: 'float32', dims: [2 ** 40, 4] }]) });
      return;
    case 'junk':
      send({ kind: 'result-file', id: msg.id, outputs: metas.map(() => [null]) as never });
      return;
    case 'proto':
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas.map(([m]) => [{ ...m!, name: '__proto__' }]) });
      return;
    case 'twice': // names one output twice (two outputs in the file per batch, one name)
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas.map(([m]) => [m!, m!]) });
      return;
    case 'ipc-short': // answers over IPC with fewer values than its dims say
      send({ kind: 'result', id: msg.id, outputs: pads.map((p) => ({ probabilities: { type: 'float32', dims: [p, 4], data: new Float32Array(3) } })) });
      return;
    case 'ipc-few':
      send({ kind: 'result', id: msg.id, outputs: [] });
      return;
    default: // 'none', 'nan': honest about sizes
      write();
      send({ kind: 'result-file', id: msg.id, outputs: metas });
  }
});
send({ kind: 'ready' });
