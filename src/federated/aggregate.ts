// `arbiter fl aggregate`: one round's partials into its decision. decideRound is pure: it checks
// every partial (format, the party's signature, federation and spec hash, round, replay, one
// partial per party, model hash, fingerprint, states a metric could have produced), merges the
// valid ones' states exactly with the metrics' own merge functions into the global and per-party
// scores, checks every vote against the party's own scores and baseline, flags the parties that
// lied, sent something invalid or replayed, or are missing, decides acceptance (quorum of stake,
// stake-weighted majority, and improvement on the last accepted round by δ) and shares the
// round's rewards. aggregateRound reads the history from the store and records the round.
import { ArbiterError } from '../errors.ts';
import { canonicalJson } from '../benchmark/canonical.ts';
import { finalOutcome } from '../fold/journaled-fold.ts';
import { Store, DEFAULT_DB } from '../store/store.ts';
import { ensureFlFederation, flPartial, flPartialBySha, flRounds, insertFlRound } from '../store/fl.ts';
import { add, cmp, mul, toFixed, ZERO, type Rational } from '../ranking/rewards/rational.ts';
import { federationMetricsView, type LoadedFederation } from './spec.ts';
import { parsePartialText, partialHash, partialSignatureProblem, requirePartial, type FederatedPartial } from './partial.ts';
import { mergeStates, statesProblem } from './states.ts';
import { maskedKeys, unmaskStates, vectorLengths, verifyCorrection } from './secure-round.ts';
import { expectedVote, improves } from './vote.ts';
import { roundRewards } from './rewards.ts';

export type FlagReason = 'missing' | 'invalid-partial' | 'replayed' | 'equivocation' | 'wrong-model' | 'inconsistent-scores' | 'vote-contradicts-scores';
export interface Flag { party: string; reason: FlagReason; message: string }

/** A party whose partial was valid: its rows, its scores from its own states, its vote and whether it counted. */
export interface PartyRound {
  party: string;
  /** its row count; null in a masked round (the count travels masked) */
  rows: number | null;
  /** its scores from its own states; null in a masked round (the coordinator never sees them) */
  scores: Record<string, number> | null;
  vote: 'accept' | 'reject';
  /** the vote the rule gives its scores and baseline; null in a masked round (no scores to check it against) */
  expectedVote: 'accept' | 'reject' | null;
  baseline: { round: number; localScore: number } | null;
  /** the vote counted (the party is not flagged) */
  counted: boolean;
}

export interface RoundResult {
  federation: { id: string; specHash: string };
  round: number;
  model: { sha256: string; kind: string; bytes: number };
  /** the last accepted round before this one (the model's lineage), or null */
  parentRound: number | null;
  /** every valid partial's states merged: rows and scores per metric key; null when no partial was valid */
  global: { rows: number; scores: Record<string, number> } | null;
  primary: string;
  improvement: { baseline: number | null; improved: boolean; minImprovement: string };
  quorum: { votingStake: string; totalStake: string; required: string; met: boolean };
  majority: { acceptStake: string; votingStake: string; required: string; met: boolean };
  accepted: boolean;
  /** party -> counted vote */
  votes: Record<string, 'accept' | 'reject'>;
  parties: PartyRound[];
  flagged: Flag[];
  /** files attributable to no party of the federation (not JSON, no party field, an unknown party) */
  rejected: Array<{ source: string; message: string }>;
  rewards: Record<string, string>;
  fingerprint: Record<string, string | number> | null;
  /**
   * Whether each vote was checked against the party's own scores: with secure aggregation it
   * cannot be (the coordinator never sees a party's states or scores), and the note says so.
   */
  voteCheck: { performed: boolean; note: string };
  /** secure aggregation: whose masked vectors were summed, who dropped, who sent corrections; null in a plain round */
  secureAggregation: { summed: string[]; dropped: string[]; corrections: string[] } | null;
}

export interface PartialInput { source: string; text: string }

export interface RoundHistory {
  /** the last accepted round before this one, with its global primary score */
  lastAccepted: { round: number; primaryScore: number } | null;
  /** each party's stored partial of the last accepted round */
  baselines: ReadonlyMap<string, FederatedPartial>;
  /** where a partial with these bytes is already stored */
  stored: (sha256: string) => { round: number; party: string } | undefined;
}

/** Fingerprint fields a federation may allow to differ between parties (machines differ). */
export const TOLERABLE = ['cpu', 'cpuFlags', 'node', 'platform', 'arch'] as const;
export type Tolerable = (typeof TOLERABLE)[number];

export interface DecideOptions {
  /** the round (default: the highest round a validly signed partial carries) */
  round?: number;
  /** the round's model hash (default: the one every valid partial names) */
  modelSha256?: string;
  tolerate?: readonly Tolerable[];
  /**
   * Secure aggregation: the surviving parties' dropout corrections (`arbiter fl correct`) when
   * some party sent no valid masked partial; without them such a round fails with E_FL_DROPOUT.
   */
  corrections?: readonly PartialInput[];
}

const frac = (r: Rational) => toFixed(r, 6);

function fingerprintDiff(a: Record<string, unknown>, b: Record<string, unknown>, tolerate: readonly string[]): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => !tolerate.includes(k) && a[k] !== b[k]);
}

/** A round's result and the partials whose states it merged (what the store keeps). */
export interface Decision { result: RoundResult; valid: FederatedPartial[] }

export function decideRound(fed: LoadedFederation, inputs: readonly PartialInput[], history: RoundHistory, opts: DecideOptions = {}): Decision {
  const view = federationMetricsView(fed);
  const byName = new Map(fed.parties.map((p) => [p.name, p]));
  const flagged: Flag[] = [];
  const rejected: RoundResult['rejected'] = [];
  const flag = (party: string, reason: FlagReason, message: string) => { flagged.push({ party, reason, message }); };

  // 1. Parse and verify each file; a signature by the party's key is what makes a file its own.
  const signed: Array<{ source: string; p: FederatedPartial; sha: string }> = [];
  // A file that names a party but is not signed by it may come from anyone: it counts against the
  // party only when the party sent nothing valid (else anyone could get an honest party flagged).
  const unverified: Array<{ party: string; source: string; message: string }> = [];
  for (const f of inputs) {
    const r = parsePartialText(f.text, f.source);
    const party = r.ok ? r.partial.party : r.party;
    if (party === null || !byName.has(party)) {
      rejected.push({ source: f.source, message: r.ok || party !== null ? `${f.source}: expected a partial of one of the parties ${fed.parties.map((p) => p.name).join(', ')}, found one of ${JSON.stringify(party)}` : r.message });
      continue;
    }
    if (!r.ok) { unverified.push({ party, source: f.source, message: r.message }); continue; }
    const problem = partialSignatureProblem(r.partial, byName.get(party)!.publicKey);
    if (problem) { unverified.push({ party, source: f.source, message: `${f.source}: ${problem}` }); continue; }
    signed.push({ source: f.source, p: r.partial, sha: partialHash(r.partial) });
  }
  const round = opts.round ?? (signed.length > 0 ? Math.max(...signed.map((s) => s.p.round)) : 0);
  if (!Number.isInteger(round) || round < 1) throw new ArbiterError('E_FL_PARTIAL', `no partial of federation ${fed.spec.id} holds (${flagged.length + rejected.length} refused): nothing to aggregate, and no --round says which round this is`);

  // 2. This federation, this spec, this round, never stored before; one partial per party.
  const current = new Map<string, { source: string; p: FederatedPartial; sha: string }>();
  const equivocating = new Set<string>();
  for (const s of signed) {
    const { p } = s;
    if (p.federation.id !== fed.spec.id || p.federation.specHash !== fed.specHash) {
      flag(p.party, 'invalid-partial', `${s.source}: expected federation ${fed.spec.id} spec ${fed.specHash.slice(0, 12)}, found ${p.federation.id} spec ${p.federation.specHash.slice(0, 12)}`);
      continue;
    }
    if (p.round !== round) { flag(p.party, 'replayed', `${s.source}: a partial of round ${p.round} sent for round ${round}`); continue; }
    const at = history.stored(s.sha);
    if (at) { flag(p.party, 'replayed', `${s.source}: the same partial is already stored (round ${at.round}, party ${at.party})`); continue; }
    const seen = current.get(p.party);
    if (seen && seen.sha !== s.sha) { equivocating.add(p.party); continue; }
    current.set(p.party, s);
  }
  for (const party of [...equivocating].sort()) {
    current.delete(party);
    flag(party, 'equivocation', `party ${party} sent two different partials for round ${round}: both are refused`);
  }

  // 3. One model: --model's, else the one every partial names.
  const models = [...new Set([...current.values()].map((s) => s.p.model.sha256))].sort();
  const modelSha = opts.modelSha256 ?? (models.length <= 1 ? models[0] : undefined);
  if (modelSha === undefined && models.length > 1) {
    throw new ArbiterError('E_FL_MISMATCH', `round ${round}: the partials score ${models.length} different models (${models.map((m) => m.slice(0, 12)).join(', ')}); give --model <the round's model> to say which one the round is`, { models });
  }
  for (const [party, s] of [...current]) {
    if (s.p.model.sha256 !== modelSha) {
      flag(party, 'wrong-model', `${s.source}: scores model ${s.p.model.sha256.slice(0, 12)}, expected round ${round}'s model ${modelSha!.slice(0, 12)}`);
      current.delete(party);
    }
  }

  // 4. The same engine and runtime everywhere (machine fields only with --tolerate).
  const ordered = [...current.values()].sort((a, b) => (a.p.party < b.p.party ? -1 : 1));
  const ref = ordered[0];
  for (const s of ordered.slice(1)) {
    const diff = fingerprintDiff(ref!.p.fingerprint, s.p.fingerprint, opts.tolerate ?? []);
    if (diff.length > 0) {
      throw new ArbiterError('E_FL_MISMATCH', `round ${round}: parties ${ref!.p.party} and ${s.p.party} scored under different fingerprints (${diff.join(', ')}: ${diff.map((k) => `${String(ref!.p.fingerprint[k])} vs ${String(s.p.fingerprint[k])}`).join('; ')}); scores may then differ in the last bits: --tolerate ${diff.filter((k) => (TOLERABLE as readonly string[]).includes(k)).join(' ') || '(not tolerable)'} accepts machine differences`, { fields: diff });
    }
  }

  // 5. Secure aggregation: a federation with it takes masked partials only, one without it plain
  // ones only; a round never mixes them (a plain partial in a masked federation would reveal its
  // party's states, a masked one in a plain federation cannot be merged).
  const secure = fed.spec.secureAggregation === true;
  const wrongKind = ordered.filter((s) => s.p.masked !== secure);
  if (wrongKind.length > 0) {
    const list = (masked: boolean) => ordered.filter((s) => s.p.masked === masked).map((s) => s.p.party).join(', ') || '(none)';
    throw new ArbiterError('E_FL_MASK_MIXED', `round ${round}: federation ${fed.spec.id} ${secure ? 'uses secure aggregation (secureAggregation: true): expected masked partials only (fl evaluate --mask-key)' : 'does not use secure aggregation: expected plain partials only'}, found masked partials from ${list(true)} and plain ones from ${list(false)}; leave out ${wrongKind.map((s) => s.source).join(', ')} and have ${wrongKind.length === 1 ? 'its party' : 'their parties'} evaluate again ${secure ? 'with' : 'without'} --mask-key`, { masked: list(true), plain: list(false) });
  }
  const wantKeys = (secure ? maskedKeys(fed) : []).slice().sort().join(',');
  const lengths = secure ? vectorLengths(view) : {};
  const valid: Array<{ p: FederatedPartial; sha: string; scores: Record<string, number> | null }> = [];
  for (const s of secure ? ordered : []) {
    const keys = Object.keys(s.p.maskedStates!).sort().join(',');
    const wrongLength = Object.entries(s.p.maskedStates!).find(([k, v]) => v.length !== lengths[k]);
    if (keys !== wantKeys) flag(s.p.party, 'invalid-partial', `${s.source}: expected masked vectors for {${wantKeys}}, found {${keys}}`);
    else if (wrongLength) flag(s.p.party, 'invalid-partial', `${s.source}: its masked vector for ${wrongLength[0]}: expected ${lengths[wrongLength[0]]} entries (the federation's metric layout), found ${wrongLength[1].length}`);
    // its states never reach the coordinator alone: checked only as part of the sum (step 9)
    else valid.push({ p: s.p, sha: s.sha, scores: null });
  }

  // 6. States a metric could have produced; each party's scores from its own states.
  for (const s of secure ? [] : ordered) {
    const problem = statesProblem(view, s.p.states!);
    if (problem) { flag(s.p.party, 'invalid-partial', `${s.source}: ${problem}`); continue; }
    const own = finalOutcome(mergeStates(view, [{ states: s.p.states!, rows: s.p.rows! }]), s.p.rows!);
    if (!own.splitScores) { flag(s.p.party, 'invalid-partial', `${s.source}: its states do not finalize (${own.error?.message ?? 'no scores'})`); continue; }
    valid.push({ p: s.p, sha: s.sha, scores: own.splitScores.private! });
  }

  // 7. Votes against the party's own scores and its baseline (its stored partial of the last accepted round).
  const parties: PartyRound[] = [];
  for (const v of valid) {
    const { p } = v;
    const scores = v.scores;
    if (scores === null) {
      // Masked: the vote counts as cast; no own score to hold it against (voteCheck says so).
      parties.push({ party: p.party, rows: null, scores: null, vote: p.vote.decision, expectedVote: null, baseline: null, counted: true });
      continue;
    }
    const local = scores[fed.primary]!;
    const base = history.baselines.get(p.party);
    let expectedBase: { round: number; localScore: number } | null = null;
    if (base) {
      const own = finalOutcome(mergeStates(view, [{ states: base.states!, rows: base.rows! }]), base.rows!);
      expectedBase = { round: base.round, localScore: own.splitScores!.private![fed.primary]! };
    }
    const want = expectedVote(local, expectedBase?.localScore ?? null, fed.higherIsBetter, fed.minImprovement);
    let bad: Flag | null = null;
    const lied = Object.keys(scores).find((k) => !Object.is(p.localScores[k], scores[k]));
    if (lied !== undefined || Object.keys(p.localScores).length !== Object.keys(scores).length || p.vote.metric !== fed.primary || !Object.is(p.vote.localScore, local)) {
      bad = { party: p.party, reason: 'inconsistent-scores', message: `party ${p.party} reports local scores its own states do not give${lied !== undefined ? ` (${lied}: reported ${p.localScores[lied]}, states give ${scores[lied]})` : ''}` };
    } else if (JSON.stringify(p.vote.baseline) !== JSON.stringify(expectedBase)) {
      bad = { party: p.party, reason: 'inconsistent-scores', message: `party ${p.party} compared with baseline ${JSON.stringify(p.vote.baseline)}, expected its own score of the last accepted round ${JSON.stringify(expectedBase)}` };
    } else if (p.vote.decision !== want) {
      bad = { party: p.party, reason: 'vote-contradicts-scores', message: `party ${p.party} voted ${p.vote.decision}, but its own ${fed.primary} ${local} ${want === 'accept' ? 'improves on' : 'does not improve on'} its baseline ${expectedBase ? expectedBase.localScore : '(none)'} by the rule (δ ${frac(fed.minImprovement)})` };
    }
    if (bad) flagged.push(bad);
    parties.push({ party: p.party, rows: p.rows, scores, vote: p.vote.decision, expectedVote: want, baseline: p.vote.baseline, counted: bad === null });
  }
  parties.sort((a, b) => (a.party < b.party ? -1 : 1));

  // 8. Files that fail verification: against their party when it sent nothing valid; missing parties.
  for (const u of unverified) {
    if (parties.some((p) => p.party === u.party)) rejected.push({ source: u.source, message: u.message });
    else if (!flagged.some((f) => f.party === u.party && f.reason === 'invalid-partial')) flag(u.party, 'invalid-partial', u.message);
  }
  const heard = new Set([...flagged.map((f) => f.party), ...parties.map((p) => p.party)]);
  for (const p of fed.parties) if (!heard.has(p.name)) flag(p.name, 'missing', `party ${p.name} sent no partial for round ${round}`);

  // 9. The global score: every valid partial's states, merged exactly.
  const validSorted = [...valid].sort((a, b) => (a.p.party < b.p.party ? -1 : 1));
  let global: RoundResult['global'] = null;
  let secureAggregation: RoundResult['secureAggregation'] = null;
  if (secure) {
    // Every party's masks cancel only in the sum over every party: a missing or refused one
    // leaves its pair masks in the survivors' vectors until every survivor's correction is off.
    const summed = validSorted.map((v) => v.p.party);
    const dropped = fed.parties.map((p) => p.name).filter((n) => !summed.includes(n));
    const given = (opts.corrections ?? []).map((c) => verifyCorrection(fed, round, dropped, c.text, c.source));
    if (given.length > 0 && dropped.length === 0) {
      throw new ArbiterError('E_FL_CORRECTION', `round ${round}: every party sent a valid masked partial, so no correction applies; found corrections from ${given.map((c) => c.party).join(', ')}: aggregate without them`);
    }
    const corrections = new Map<string, (typeof given)[number]>();
    for (const c of given) {
      const seen = corrections.get(c.party);
      if (seen && canonicalJson(seen) !== canonicalJson(c)) throw new ArbiterError('E_FL_CORRECTION', `round ${round}: party ${c.party} sent two different corrections; expected one per survivor`);
      corrections.set(c.party, c);
    }
    if (dropped.length > 0) {
      const why = dropped.map((n) => `${n}: ${flagged.find((f) => f.party === n)?.reason ?? 'missing'}`).join('; ');
      if (summed.length < 2) {
        throw new ArbiterError('E_FL_DROPOUT', `round ${round}: secure aggregation needs valid masked partials from at least 2 parties, found ${summed.length === 0 ? 'none' : `only ${summed[0]}'s`} (${why}); the sum of one party is its own states, so the round cannot be recovered: run it again`, { dropped, round });
      }
      const missing = summed.filter((n) => !corrections.has(n));
      if (missing.length > 0) {
        const list = dropped.join(',');
        throw new ArbiterError('E_FL_DROPOUT', `round ${round}: secure aggregation needs a valid masked partial from every party, and ${dropped.join(', ')} sent none (${why}); the survivors' pair masks with ${dropped.length === 1 ? 'it' : 'them'} do not cancel. Expected a dropout correction from every survivor (${summed.join(', ')}), found ${corrections.size === 0 ? 'none' : `only ${[...corrections.keys()].join(', ')}'s`}, missing ${missing.join(', ')}. To recover the survivors' sum, each of ${missing.join(', ')} runs: arbiter fl correct -f <federation> -r ${round} --dropped ${list} -k <its key.pem> --mask-key <its x25519.pem> -o <party>-correction.json; then: arbiter fl aggregate -f <federation> <the survivors' partials> --correction <every correction>. From then on never use a masked partial of ${dropped.join(', ')} for round ${round} (with the corrections it would reveal its states); or run the round again with every party`, { dropped, missing, round });
      }
    }
    if (summed.length > 0) {
      const merged = unmaskStates(view, validSorted.map((v) => ({ party: v.p.party, maskedStates: v.p.maskedStates! })), summed.filter((n) => corrections.has(n)).map((n) => corrections.get(n)!));
      const problem = statesProblem(view, merged.states);
      if (problem) throw new ArbiterError('E_FL_MASK_SUM', `round ${round}: the unmasked sum is not a state the metrics can produce (${problem})`);
      const out = finalOutcome(mergeStates(view, [{ states: merged.states, rows: merged.rows }]), merged.rows);
      if (!out.splitScores) throw new ArbiterError('E_FL_MASK_SUM', `round ${round}: the unmasked sum does not finalize: ${out.error?.message}`);
      global = { rows: merged.rows, scores: out.splitScores.private! };
    }
    secureAggregation = { summed, dropped, corrections: summed.filter((n) => corrections.has(n)) };
  } else if (validSorted.length > 0) {
    const rows = validSorted.reduce((n, v) => n + v.p.rows!, 0);
    const out = finalOutcome(mergeStates(view, validSorted.map((v) => ({ states: v.p.states!, rows: v.p.rows! }))), rows);
    if (!out.splitScores) throw new ArbiterError('E_FL_PARTIAL', `round ${round}: the merged states do not finalize: ${out.error?.message}`);
    global = { rows, scores: out.splitScores.private! };
  }

  // 10. The decision: quorum of stake, stake-weighted majority, improvement by δ.
  const stakeOf = (name: string) => byName.get(name)!.stake;
  const total = fed.parties.reduce((s, p) => add(s, p.stake), ZERO);
  const counted = parties.filter((p) => p.counted);
  const voting = counted.reduce((s, p) => add(s, stakeOf(p.party)), ZERO);
  const accepting = counted.filter((p) => p.vote === 'accept').reduce((s, p) => add(s, stakeOf(p.party)), ZERO);
  const quorumMet = cmp(voting, ZERO) > 0 && cmp(voting, mul(fed.quorum, total)) >= 0;
  const majorityMet = cmp(accepting, mul(fed.majority, voting)) > 0;
  const baseline = history.lastAccepted?.primaryScore ?? null;
  const improved = global !== null && improves(global.scores[fed.primary]!, baseline, fed.higherIsBetter, fed.minImprovement);
  const accepted = global !== null && quorumMet && majorityMet && improved;

  const flaggedNames = new Set(flagged.map((f) => f.party));
  const rewards = roundRewards(fed.spec.rewards, fed.parties.map((p) => {
    const r = parties.find((x) => x.party === p.name);
    return { party: p.name, stake: p.stake, rows: r?.rows ?? 0, eligible: r !== undefined, flagged: flaggedNames.has(p.name) };
  }));
  const first = validSorted[0]?.p;
  const result: RoundResult = {
    federation: { id: fed.spec.id, specHash: fed.specHash },
    round,
    model: { sha256: modelSha ?? '', kind: first?.model.kind ?? '', bytes: first?.model.bytes ?? 0 },
    parentRound: history.lastAccepted?.round ?? null,
    global,
    primary: fed.primary,
    improvement: { baseline, improved, minImprovement: frac(fed.minImprovement) },
    quorum: { votingStake: frac(voting), totalStake: frac(total), required: frac(fed.quorum), met: quorumMet },
    majority: { acceptStake: frac(accepting), votingStake: frac(voting), required: frac(fed.majority), met: majorityMet },
    accepted,
    votes: Object.fromEntries(counted.map((p) => [p.party, p.vote])),
    parties,
    flagged: flagged.sort((a, b) => (a.party < b.party ? -1 : a.party > b.party ? 1 : a.reason < b.reason ? -1 : 1)),
    rejected,
    rewards,
    fingerprint: first?.fingerprint ?? null,
    voteCheck: secure
      ? { performed: false, note: 'not possible: with secure aggregation the coordinator sees no party\'s states or scores, so votes count as cast and no party can be flagged for a vote its scores contradict (docs/federated-secure-aggregation.md)' }
      : { performed: true, note: 'each vote checked against the party\'s own states and its stored baseline' },
    secureAggregation,
  };
  return { result, valid: validSorted.map((v) => v.p) };
}

export interface AggregateOptions extends DecideOptions {
  /** the store (default: .arbiter/arbiter.db) */
  db?: string;
  /** decide without recording the round */
  dryRun?: boolean;
}

/** Decide a round against the store's history, and record it (unless dryRun). */
export function aggregateRound(fed: LoadedFederation, inputs: readonly PartialInput[], opts: AggregateOptions = {}): RoundResult {
  const store = Store.open(opts.db ?? DEFAULT_DB, opts.dryRun ? { read: true } : {});
  try {
    const db = store.db;
    const decide = (): RoundResult => {
      const rounds = flRounds(db, fed.spec.id);
      const history = (round: number | undefined): RoundHistory => {
        const before = rounds.filter((r) => r.accepted && (round === undefined || r.round < round));
        const last = before[before.length - 1];
        const baselines = new Map<string, FederatedPartial>();
        if (last) {
          for (const p of fed.parties) {
            const rec = flPartial(db, fed.spec.id, last.round, p.name);
            if (rec) baselines.set(p.name, requirePartial(rec.bodyJson, `stored partial of ${p.name}, round ${last.round}`));
          }
        }
        const scores = last ? JSON.parse(last.globalScoresJson) as Record<string, number> : null;
        return {
          lastAccepted: last && scores ? { round: last.round, primaryScore: scores[fed.primary]! } : null,
          baselines,
          stored: (sha) => {
            const at = flPartialBySha(db, sha);
            return at && at.federation === fed.spec.id ? { round: at.round, party: at.party } : at ? { round: at.round, party: `${at.party} of ${at.federation}` } : undefined;
          },
        };
      };
      // The round is known once the partials are read; the history is the one before it.
      const probe = decideRound(fed, inputs, history(opts.round), opts);
      const { result, valid } = opts.round === undefined ? decideRound(fed, inputs, history(probe.result.round), { ...opts, round: probe.result.round }) : probe;
      const lastStored = rounds[rounds.length - 1];
      if (lastStored && result.round <= lastStored.round) {
        throw new ArbiterError('E_FL_REPLAY', `federation ${fed.spec.id}: round ${result.round} ${rounds.some((r) => r.round === result.round) ? 'is already stored' : `comes before the last stored round ${lastStored.round}`}; aggregate each round once, in order (arbiter fl rounds ${fed.spec.id})`, { round: result.round });
      }
      if (!opts.dryRun) {
        ensureFlFederation(db, fed.spec.id, fed.specHash, canonicalJson(fed.spec));
        const partials = valid.map((p) => ({ federation: fed.spec.id, round: result.round, party: p.party, sha256: partialHash(p), bodyJson: canonicalJson(p) }));
        insertFlRound(db, {
          federation: fed.spec.id, round: result.round, modelSha256: result.model.sha256, modelKind: result.model.kind, modelBytes: result.model.bytes,
          parentRound: result.parentRound, globalScoresJson: JSON.stringify(result.global?.scores ?? {}), accepted: result.accepted,
          votesJson: JSON.stringify(result.votes), flaggedJson: JSON.stringify(result.flagged), rewardsJson: JSON.stringify(result.rewards),
        }, partials);
      }
      return result;
    };
    return opts.dryRun ? decide() : db.transaction(decide)();
  } finally {
    store.close();
  }
}
