// Child process that hands possibly hostile ONNX bytes to onnxruntime-node, one request at a time,
// so that a native abort or a runaway allocation kills this process, not the scorer. It is plain
// JavaScript on purpose: it must start without tsx, whose WebAssembly reservations cannot start under
// the address-space cap (`ulimit -v`) that the parent puts on this process.
import * as ort from 'onnxruntime-node';

const SESSION_OPTIONS = {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
  graphOptimizationLevel: 'extended', logSeverityLevel: 4,
};

function send(msg) {
  return new Promise((resolve) => process.send(msg, undefined, undefined, () => resolve()));
}

function errText(e) {
  return String(e && e.message ? e.message : e).slice(0, 500);
}

process.on('message', async (req) => {
  let session;
  try {
    session = await ort.InferenceSession.create(req.model, SESSION_OPTIONS);
  } catch (e) {
    await send({ id: req.id, status: 'create-error', message: errText(e) });
    return;
  }
  const names = { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  if (!req.feeds) {
    await session.release().catch(() => {});
    await send({ id: req.id, status: 'ok', ...names });
    return;
  }
  try {
    const feeds = {};
    for (const [name, f] of Object.entries(req.feeds)) feeds[name] = new ort.Tensor(f.type, f.data, f.dims);
    const out = await session.run(feeds);
    const outputs = {};
    for (const [name, t] of Object.entries(out)) outputs[name] = { type: t.type, dims: [...t.dims], data: t.data };
    await send({ id: req.id, status: 'ok', ...names, outputs });
  } catch (e) {
    await send({ id: req.id, status: 'run-error', message: errText(e), ...names });
  } finally {
    await session.release().catch(() => {});
  }
});
process.on('disconnect', () => process.exit(0));
