// If the engine is killed -9 in the middle of a batch, its inference child must not outlive it.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENGINE = fileURLToPath(new URL('./engine.fixture.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('orphaned inference child', () => {
  it('dies with the engine after kill -9', async () => {
    const engine = spawn(process.execPath, ['--import', TSX, ENGINE], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve) => {
      let buf = '';
      engine.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(Number(buf.trim()));
      });
    });
    expect(alive(childPid)).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // let the batch start spinning
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    const t0 = Date.now();
    while (alive(childPid) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(alive(childPid)).toBe(false);
  });
});
