// Loads a federation spec (federation.yaml): YAML, strict zod validation, the cross-field checks
// (party names and keys, fractions, row-revealing metrics) and the spec hash; and builds the
// benchmark view a party scores its local set under, so a federated round goes through the same
// run lifecycle and task kinds as `arbiter score` (src/federated/evaluate.ts).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ArbiterError, toErrorData } from '../errors.ts';
import { canonicalJson, sha256Hex } from '../benchmark/canonical.ts';
import { foundAt, parseBenchmark, pathString, type LoadedBenchmark } from '../benchmark/loader.ts';
import { registry } from '../../scoring/index.ts';
import { isMaskable, maskableMetrics } from './secure-state-codec.ts';
import { keyIdOf } from '../receipts/sign.ts';
import { cmp, ONE, parseDecimal, ZERO, type Rational } from '../ranking/rewards/rational.ts';
import { FederationSpec, type FederationSpecData } from './schema.ts';

export const FEDERATION_FILE = 'federation.yaml';

export interface LoadedParty {
  name: string;
  publicKey: KeyObject;
  keyId: string;
  agreementKey: KeyObject | null;
  stake: Rational;
}

export interface LoadedFederation {
  spec: FederationSpecData;
  /** absolute path of federation.yaml ('' for a spec read from a store) and its folder */
  file: string;
  dir: string;
  /** sha256 of the canonical JSON of the validated spec (defaults applied) */
  specHash: string;
  metricKeys: string[];
  primary: string;
  /** whether a higher primary score is better (the metric's own direction) */
  higherIsBetter: boolean;
  /** parties in spec order */
  parties: LoadedParty[];
  minImprovement: Rational;
  quorum: Rational;
  majority: Rational;
}

const specError = (where: string, message: string, details: Record<string, unknown> = {}) =>
  new ArbiterError('E_FL_SPEC', `${where}: ${message}`, details);

/** `--federation F`: a federation.yaml, or a folder holding one. */
export function resolveFederationFile(p: string): string {
  const abs = path.resolve(p);
  const file = existsSync(abs) && statSync(abs).isDirectory() ? path.join(abs, FEDERATION_FILE) : abs;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new ArbiterError('E_FL_SPEC', `no federation at ${p}: expected ${file} to exist (arbiter fl init <dir> writes one)`, { path: p });
  }
  return file;
}

export function loadFederation(p: string): LoadedFederation {
  const file = resolveFederationFile(p);
  return parseFederation(readFileSync(file, 'utf8'), file);
}

/** Parse and validate federation spec text (YAML or JSON); `file` names it in messages. */
export function parseFederation(text: string, file: string): LoadedFederation {
  const where = path.basename(file) || 'federation spec';
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw specError(where, `not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw specError(where, `expected a mapping at the top level, found ${raw === null ? 'an empty document' : Array.isArray(raw) ? 'a list' : typeof raw}`, { file });
  }
  for (const k of ['__proto__', 'constructor', 'prototype']) {
    if (JSON.stringify(raw).includes(`"${k}":`)) throw specError(where, `the key "${k}" is not allowed anywhere in a spec`, { file });
  }
  const parsed = FederationSpec.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    const found = i.code === 'unrecognized_keys' ? `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : foundAt(raw, i.path);
    throw specError(where, `${pathString(i.path)}: expected ${i.message.replace(/^Invalid (input|option): /, '').replace(/^expected /, '').replace(/, received [a-z]+$/, '')}, found ${found}${more}`, { file, path: pathString(i.path) });
  }
  return loadedFrom(parsed.data, file);
}

/** A federation from the canonical spec JSON a store or a partial carries (no file). */
export function federationFromJson(specJson: string): LoadedFederation {
  return parseFederation(specJson, '');
}

function loadedFrom(spec: FederationSpecData, file: string): LoadedFederation {
  const where = path.basename(file) || 'federation spec';
  const fail = (p: string, expected: string, found: string): never => { throw specError(where, `${p}: expected ${expected}, found ${found}`, { file, path: p }); };

  const metricKeys = spec.metrics.map((m) => m.key ?? m.name);
  // Secure aggregation: only states whose merge is a sum can be masked (secure-state-codec.ts);
  // checked first, since a row-keeping metric cannot be masked whatever allowRowRevealingMetrics says.
  if (spec.secureAggregation) {
    spec.metrics.forEach((m, i) => {
      if (registry.has(m.name) && !isMaskable(m.name)) {
        throw new ArbiterError('E_FL_NOT_MASKABLE', `${where}: metrics[${i}] ${m.name}: secureAggregation: true needs metrics whose state is a sum of counts and exact sums; expected one of ${maskableMetrics().join(', ')}, found ${m.name}`, { file, metric: m.name });
      }
    });
    if (spec.parties.length < 2) fail('parties', 'at least 2 parties (secureAggregation: true hides each party in the sum of the others; 3 or more, since with 2 each learns the other\'s states from the sum)', `${spec.parties.length}`);
    if (spec.rewards?.scheme === 'rows') fail('rewards.scheme', 'stake or equal (secureAggregation: true keeps every party\'s row count masked, so rewards cannot follow rows)', '"rows"');
  }
  // Row-revealing metrics: their state is the rows themselves, which must not leave a party unasked.
  spec.metrics.forEach((m, i) => {
    if (!registry.has(m.name)) return; // the benchmark view's check names it with suggestions
    if (registry.get(m.name).stateRevealsRows && !spec.allowRowRevealingMetrics) {
      throw new ArbiterError('E_FL_ROW_METRIC', `${where}: metrics[${i}] ${m.name}: its state keeps every row's prediction and label, so every party's partial would carry its rows; expected a counting or summing metric (accuracy, macro_f1, log_loss, mse, perplexity, ...), or allowRowRevealingMetrics: true to accept that, found ${m.name} without it`, { file, metric: m.name });
    }
  });
  const primary = spec.acceptance.primary ?? metricKeys[0]!;
  if (!metricKeys.includes(primary)) fail('acceptance.primary', `one of the metric keys ${metricKeys.join(', ')}`, `"${primary}"`);

  // The task, model, batching and metrics must make a valid benchmark: the loader's own checks.
  try {
    benchmarkView(spec, { path: path.join(path.dirname(path.resolve(file || '.')), 'local-set'), sha256: '0'.repeat(64) }, primary);
  } catch (err) {
    const e = toErrorData(err);
    throw specError(where, `the task, model, batching and metrics do not make a valid benchmark: ${e.message.replace(/^benchmark\.yaml:?\S*\s*/, '')}`, { file });
  }

  const fraction = (p: string, v: string | number, max: Rational | null): Rational => {
    const r = parseDecimal(v);
    if (max && cmp(r, max) > 0) fail(p, 'a fraction from 0 to 1', String(v));
    return r;
  };
  const quorum = fraction('acceptance.quorum', spec.acceptance.quorum, ONE);
  const majority = fraction('acceptance.majority', spec.acceptance.majority, ONE);
  const minImprovement = fraction('acceptance.minImprovement', spec.acceptance.minImprovement, null);

  const names = new Set<string>();
  const keyIds = new Set<string>();
  const parties = spec.parties.map((p, i): LoadedParty => {
    if (names.has(p.name)) fail(`parties[${i}].name`, 'a name no other party has', `"${p.name}" twice`);
    names.add(p.name);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(p.publicKey);
    } catch (err) {
      return fail(`parties[${i}].publicKey`, 'an Ed25519 public key in PEM (arbiter keygen writes one)', `text that is not a PEM key (${(err as Error).message})`);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') fail(`parties[${i}].publicKey`, 'an Ed25519 public key', `a ${publicKey.asymmetricKeyType} key`);
    const keyId = keyIdOf(publicKey);
    if (keyIds.has(keyId)) fail(`parties[${i}].publicKey`, 'a key no other party has (each party signs its own partials)', `the key of an earlier party`);
    keyIds.add(keyId);
    let agreementKey: KeyObject | null = null;
    if (p.agreementKey !== undefined) {
      try {
        agreementKey = createPublicKey(p.agreementKey);
      } catch (err) {
        return fail(`parties[${i}].agreementKey`, 'an X25519 public key in PEM', `text that is not a PEM key (${(err as Error).message})`);
      }
      if (agreementKey.asymmetricKeyType !== 'x25519') fail(`parties[${i}].agreementKey`, 'an X25519 public key', `a ${agreementKey.asymmetricKeyType} key`);
    }
    const stake = parseDecimal(p.stake);
    if (cmp(stake, ZERO) <= 0) fail(`parties[${i}].stake`, 'a stake above 0', String(p.stake));
    if (spec.secureAggregation && agreementKey === null) fail(`parties[${i}].agreementKey`, 'an X25519 public key in PEM (secureAggregation: true masks every partial with pairwise keys)', 'none');
    return { name: p.name, publicKey, keyId, agreementKey, stake };
  });

  const metric = registry.get(spec.metrics[metricKeys.indexOf(primary)]!.name);
  const dir = file ? path.dirname(path.resolve(file)) : '';
  return {
    spec, file: file ? path.resolve(file) : '', dir, specHash: sha256Hex(canonicalJson(spec)),
    metricKeys, primary, higherIsBetter: metric.higherIsBetter, parties, minImprovement, quorum, majority,
  };
}

/** The split key of every federated view: all rows private (publicFraction 0), so the key decides nothing. */
export const FEDERATED_SPLIT_KEY = 'arbiter-federated-evaluation';

/**
 * The benchmark spec a federation scores a local set under: its task, model, batching, metrics,
 * limits and admission; the local set as the dataset; every row in the private split (a party's
 * set has no public part). `arbiter score` on a benchmark.yaml with this content and the union of
 * every party's set gives the global score bit for bit (docs/federated.md).
 */
export function federationBenchmarkSpec(spec: FederationSpecData, dataset: { path: string; sha256: string }, primary?: string): Record<string, unknown> {
  const metricKeys = spec.metrics.map((m) => m.key ?? m.name);
  return {
    id: spec.id, version: spec.version, description: spec.description,
    task: spec.task,
    ...(spec.model ? { model: spec.model } : {}),
    dataset: { path: dataset.path, sha256: dataset.sha256, idColumn: spec.data.idColumn, ...(spec.data.format ? { format: spec.data.format } : {}) },
    batching: spec.batching,
    metrics: spec.metrics,
    split: { key: FEDERATED_SPLIT_KEY, publicFraction: 0 },
    ranking: { split: 'private', primary: primary ?? spec.acceptance.primary ?? metricKeys[0] },
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.admission ? { admission: spec.admission } : {}),
  };
}

function benchmarkView(spec: FederationSpecData, dataset: { path: string; sha256: string }, primary: string): LoadedBenchmark {
  const abs = path.resolve(dataset.path);
  return parseBenchmark(canonicalJson(federationBenchmarkSpec(spec, { path: abs, sha256: dataset.sha256 }, primary)), path.join(path.dirname(abs), 'benchmark.yaml'));
}

/** The LoadedBenchmark view of a federation over one local set (its sha256 computed by the caller). */
export function federationBenchmark(fed: LoadedFederation, dataset: { path: string; sha256: string }): LoadedBenchmark {
  return benchmarkView(fed.spec, dataset, fed.primary);
}

/** The view without a data set: what the aggregator folds and finalizes metric states with. */
export function federationMetricsView(fed: LoadedFederation): LoadedBenchmark {
  return benchmarkView(fed.spec, { path: path.join(fed.dir || process.cwd(), 'no-local-set'), sha256: '0'.repeat(64) }, fed.primary);
}

/** The party whose signing key this is, or E_FL_PARTY. */
export function partyOfKey(fed: LoadedFederation, key: KeyObject): LoadedParty {
  const id = keyIdOf(key.type === 'private' ? createPublicKey(key) : key);
  const p = fed.parties.find((x) => x.keyId === id);
  if (!p) throw new ArbiterError('E_FL_PARTY', `federation ${fed.spec.id}: expected the private key of one of its parties (${fed.parties.map((x) => x.name).join(', ')}), found a key (id ${id.slice(0, 16)}) whose public half no party lists`, { keyId: id });
  return p;
}
