// The registry: frozen, refuses duplicates, suggests near names for unknown ones; the default
// registry holds every built-in metric with a well-formed declaration.
import { describe, expect, it } from 'vitest';
import { createRegistry, editDistance, MetricError, registry, suggestNames } from '../../scoring/index.ts';
import { accuracy } from '../../scoring/metrics/accuracy.ts';
import { mse } from '../../scoring/metrics/regression-error.ts';

describe('registry', () => {
  it('refuses duplicate names', () => {
    expect(() => createRegistry([accuracy, mse, accuracy])).toThrow(/duplicate metric name "accuracy"/);
  });

  it('refuses malformed names', () => {
    expect(() => createRegistry([{ ...mse, name: 'Bad Name' }])).toThrow(/metric name must match/);
  });

  it('is frozen', () => {
    const r = createRegistry([accuracy]);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.get('accuracy'))).toBe(true);
    expect(() => {
      (r as unknown as { get: unknown }).get = null;
    }).toThrow(TypeError);
    const names = r.names();
    names.push('x');
    expect(r.names()).toEqual(['accuracy']);
  });

  it('throws E_METRIC_UNKNOWN with the nearest names', () => {
    try {
      registry.get('acuracy');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MetricError);
      const err = e as MetricError;
      expect(err.code).toBe('E_METRIC_UNKNOWN');
      expect(err.message).toContain('Did you mean "accuracy"');
      expect((err.details as { suggestions: string[] }).suggestions[0]).toBe('accuracy');
    }
    expect(() => registry.get('macro-f1')).toThrow(/Did you mean "macro_f1"/);
    expect(() => registry.get('zzzzzzzzzz')).toThrow(/unknown metric "zzzzzzzzzz"\. Known metrics:/);
  });

  it('has(), names() sorted, and the phase-1 metrics by their exact names', () => {
    for (const n of ['accuracy', 'macro_f1', 'log_loss', 'mse']) expect(registry.has(n)).toBe(true);
    expect(registry.has('nope')).toBe(false);
    const names = registry.names();
    expect([...names].sort()).toEqual(names);
  });

  it('every metric declares a name, version, direction, inputs and an options schema accepting {}', () => {
    for (const n of registry.names()) {
      const m = registry.get(n);
      expect(m.name).toBe(n);
      expect(Number.isInteger(m.version) && m.version >= 1).toBe(true);
      expect(typeof m.higherIsBetter).toBe('boolean');
      expect(m.inputs.length).toBeGreaterThan(0);
      expect(m.description.length).toBeGreaterThan(10);
      expect(m.optionsSchema.safeParse({}).success).toBe(true);
      expect(m.optionsSchema.safeParse({ noSuchOption: 1 }).success).toBe(false);
    }
  });

  it('edit distance and suggestions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(suggestNames('mae', ['mse', 'mae', 'rmse'])).toEqual(['mae', 'mse', 'rmse']);
  });
});
