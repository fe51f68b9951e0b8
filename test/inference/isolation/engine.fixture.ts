// An "engine" process for the orphan test: opens an isolated session on a model that never
// finishes, starts a batch, prints the child's pid, and waits to be killed.
import { IsolatedSession } from '../../../src/inference/isolation/runner.ts';
import { fixtureRows, sleepForeverModel } from '../../../src/inference/isolation/fixtures.ts';

const s = await IsolatedSession.open({ model: sleepForeverModel(), limits: { wallClockMs: 600_000, memoryLimitMb: 512 } });
void s.run({ X: { type: 'float32', dims: [2, 4], data: fixtureRows(2) } }).catch(() => undefined);
process.stdout.write(`${s.info.pid}\n`);
setInterval(() => undefined, 1000);
