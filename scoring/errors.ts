// The error class of the scoring core. scoring/ imports nothing from src/, so it carries its own
// class; the engine's toErrorData() recognises any error object whose `code` is a known code.

export type MetricErrorCode = 'E_METRIC_INPUT' | 'E_METRIC_UNKNOWN';

export class MetricError extends Error {
  readonly code: MetricErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MetricErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'MetricError';
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for the common case: a metric got input it cannot score. */
export function inputError(metric: string, message: string, details?: Record<string, unknown>): MetricError {
  return new MetricError('E_METRIC_INPUT', `${metric}: ${message}`, { metric, ...details });
}
