// A progress bar on stderr, drawn only on a TTY.
export interface Progress { tick(n: number): void; setTotal(total: number): void; done(): void }

export function createProgress(opts: { total: number; label: string; stream?: NodeJS.WriteStream }): Progress {
  const stream = opts.stream ?? process.stderr;
  let total = opts.total;
  let current = 0;
  let last = 0;
  const start = performance.now();
  const draw = (force: boolean) => {
    if (!stream.isTTY) return;
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = 30;
    const frac = total > 0 ? Math.min(1, current / total) : 0;
    const filled = Math.round(frac * width);
    const rate = current / Math.max(1e-3, (now - start) / 1000);
    stream.write(`\r${opts.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${Math.round(rate)} rows/s`);
  };
  return {
    tick(n) { current += n; draw(false); },
    setTotal(t) { total = t; draw(false); },
    done() { if (stream.isTTY) { draw(true); stream.write('\n'); } },
  };
}
