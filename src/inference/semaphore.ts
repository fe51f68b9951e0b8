// An async counting semaphore, first come first served: the run bounds its inference tasks in
// flight with one (src/run/lanes.ts), and the isolated pool a child's groups in flight.
export class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) { this.free--; return; }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(); else this.free++;
  }
}
