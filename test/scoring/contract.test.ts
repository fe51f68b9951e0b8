// The public-contract guard: every registered metric's number on a fixed seeded batch, pinned
// with the metric's version. If a change moves a number, this test fails until the metric's
// `version` is bumped and the pinned value is updated with it; a new metric must be added here.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scoring/index.ts';
import { mulberry32, randomBatch } from './helpers.ts';

const PINNED: Record<string, { version: number; value: number }> = {
  acc: { version: 1, value: 0.36186770428015563 },
  acc_norm: { version: 1, value: 0.46303501945525294 },
  accuracy: { version: 1, value: 0.8443579766536965 },
  average_precision: { version: 1, value: 0.9434368835305085 },
  balanced_accuracy: { version: 1, value: 0.8447415571074782 },
  bits_per_byte: { version: 1, value: 0.4077363435465682 },
  bleu: { version: 1, value: 64.35396252028353 },
  brier: { version: 1, value: 0.2434040380249773 },
  chrf: { version: 1, value: 72.50490127820419 },
  cohen_kappa: { version: 1, value: 0.7665864402161573 },
  confusion_matrix: { version: 1, value: 0.8443579766536965 },
  exact_match: { version: 1, value: 0.5953307392996109 },
  f1: { version: 1, value: 0.8443198365781089 },
  fbeta: { version: 1, value: 0.8443198365781089 },
  log_loss: { version: 1, value: 0.46573388251686976 },
  macro_f1: { version: 1, value: 0.8443198365781089 },
  mae: { version: 1, value: 0.3928336035004538 },
  map: { version: 1, value: 0.9472602927374096 },
  mape: { version: 1, value: 0.4859175117993025 },
  mcc: { version: 1, value: 0.7669521461768061 },
  mrr: { version: 1, value: 0.9925421530479897 },
  mse: { version: 1, value: 0.21062142990034893 },
  ndcg_at_k: { version: 1, value: 0.9761875626789617 },
  nll_per_token: { version: 1, value: 1.1050625813049608 },
  pearson: { version: 1, value: 0.9913080949726405 },
  perplexity: { version: 1, value: 3.0194134217261945 },
  precision: { version: 1, value: 0.8447066610659233 },
  precision_at_k: { version: 1, value: 0.3657587548638132 },
  r2: { version: 1, value: 0.9826858818794036 },
  recall: { version: 1, value: 0.8447415571074782 },
  recall_at_k: { version: 1, value: 0.999444135630906 },
  rmse: { version: 1, value: 0.45893510423626227 },
  roc_auc: { version: 1, value: 0.9641912225231047 },
  rouge_l: { version: 1, value: 0.7057413884096493 },
  spearman: { version: 1, value: 0.9903275156094471 },
  token_f1: { version: 1, value: 0.7340497995965344 },
  top_k_accuracy: { version: 1, value: 0.9455252918287937 },
};

describe('metric numbers are pinned to their versions', () => {
  it('every registered metric is pinned', () => {
    expect(Object.keys(PINNED).sort()).toEqual(registry.names());
  });
  for (const name of registry.names()) {
    it(name, () => {
      const m = registry.get(name);
      const o = m.optionsSchema.parse({});
      const b = randomBatch(m, 257, 3, mulberry32(4242), 0.6);
      const value = m.finalize(m.update(m.init(o, { numClasses: 3 }), b, o), o).value;
      const pin = PINNED[name];
      if (value !== pin.value) {
        expect.fail(
          `${name} v${m.version} now gives ${value}, pinned ${pin.value} at v${pin.version}: ` +
            (m.version === pin.version ? 'bump the metric version (its numbers changed) and update the pin' : 'update the pin for the new version'),
        );
      }
      expect(m.version).toBe(pin.version);
    });
  }
});
