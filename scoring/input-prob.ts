// Probability-matrix validation shared by every metric that reads `probabilities`: each entry in
// [0, 1] (NaN and infinities fail), each row summing to 1 within the metric's tolerance.
import { inputError } from './errors.ts';

export function checkProbabilities(metric: string, P: ArrayLike<number>, n: number, k: number, tol: number): void {
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let s = 0;
    for (let j = 0; j < k; j++) {
      const p = P[base + j];
      if (!(p >= 0 && p <= 1)) {
        throw inputError(metric, `probabilities[${i}][${j}] is ${String(p)}, expected a probability in [0, 1]`, { row: i, column: j, value: String(p) });
      }
      s += p;
    }
    if (!(Math.abs(s - 1) <= tol)) throw inputError(metric, `probabilities[${i}] sums to ${s}, expected 1 within ${tol}`, { row: i, sum: s });
  }
}
