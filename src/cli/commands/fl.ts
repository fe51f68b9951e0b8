// `arbiter fl init | schema | evaluate | aggregate | rounds | demo`: federated evaluation rounds
// (docs/federated.md). Parsing and printing only: the work is in src/federated/.
import type { Argv } from 'yargs';
import { DEFAULT_DB } from '../../store/default-path.ts';
import { displayPath, print, reportError, usageError } from '../io.ts';

const dbOption = { type: 'string', default: DEFAULT_DB, describe: 'SQLite store holding the federation\'s rounds' } as const;

function roundOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw usageError(`--round: expected a round number (1, 2, ...), found ${JSON.stringify(v)}`);
  return v;
}

/** Write a file atomically: a temp file renamed into place. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const { mkdirSync, renameSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

type RoundResult = import('../../federated/aggregate.ts').RoundResult;

function roundSummary(r: RoundResult): string {
  const score = r.global?.scores[r.primary];
  const lines = [
    `round ${r.round} of ${r.federation.id} · model ${r.model.sha256.slice(0, 12)} · ${r.accepted ? 'ACCEPTED' : 'REJECTED'}`,
    `  global ${r.primary} ${score ?? '(no valid partial)'} over ${r.global?.rows ?? 0} rows · last accepted ${r.improvement.baseline ?? '(none)'}${r.parentRound !== null ? ` (round ${r.parentRound})` : ''} · improved by δ ${r.improvement.minImprovement}: ${r.improvement.improved ? 'yes' : 'no'}`,
    `  quorum: stake ${r.quorum.votingStake} of ${r.quorum.totalStake} voted (needs ${r.quorum.required}): ${r.quorum.met ? 'met' : 'not met'} · accept stake ${r.majority.acceptStake} (needs more than ${r.majority.required} of the voting stake): ${r.majority.met ? 'yes' : 'no'}`,
  ];
  if (r.secureAggregation) {
    const s = r.secureAggregation;
    lines.push(`  secure aggregation: the coordinator saw only the sum of ${s.summed.join(', ') || '(no party)'}${s.dropped.length > 0 ? ` · dropped ${s.dropped.join(', ')}, recovered with the corrections of ${s.corrections.join(', ')}` : ''}`);
  }
  if (!r.voteCheck.performed) lines.push(`  votes vs own scores: ${r.voteCheck.note}`);
  for (const p of r.parties) lines.push(`  ${p.party}: ${p.rows === null ? 'rows masked' : `${p.rows} rows`}, ${p.scores ? `${r.primary} ${p.scores[r.primary]}` : 'scores masked'}, voted ${p.vote}${p.counted ? '' : ' (not counted)'}, reward ${r.rewards[p.party] ?? '0'}`);
  for (const f of r.flagged) lines.push(`  flagged ${f.party} (${f.reason}): ${f.message}${r.rewards[f.party] && r.rewards[f.party] !== '0' ? ` · ${r.rewards[f.party]}` : ''}`);
  for (const x of r.rejected) lines.push(`  refused ${x.message}`);
  return lines.join('\n');
}

type FlDemoFormat = 'table' | 'json' | 'csv' | 'md' | 'html';

/**
 * The bundled federation end to end and its rounds table: `arbiter fl demo`, and `arbiter score -b
 * fl-demo` (the demo generates every party's set, so it can be run from one place). Throws; the
 * caller reports.
 */
export async function runFlDemoCommand(o: { dir: string; isolation: 'process' | 'thread'; format: FlDemoFormat; workers?: number }): Promise<void> {
  const { runFlDemo } = await import('../../federated/demo.ts');
  const { formatRounds } = await import('../../report/rounds.ts');
  const quiet = o.format !== 'table';
  const r = await runFlDemo({
    dir: o.dir, isolation: o.isolation,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    log: quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
  });
  if (!quiet) print(`fl-demo: ${r.table.rounds.length} rounds stored in ${displayPath(r.db)}\n`);
  print(formatRounds(r.table, o.format));
  if (!quiet) print(`\nThe same table: arbiter fl rounds fl-demo --db ${displayPath(r.db)} [--format md|csv|json|html]`);
}

export const flCommand = {
  command: 'fl <action>',
  describe: 'Federated evaluation rounds: parties score each round\'s model on local sets that never leave them (init, schema, evaluate, correct, aggregate, rounds, demo)',
  builder: (y: Argv) => y
    .command({
      command: 'init <dir>',
      describe: 'Scaffold a federation folder: federation.yaml, party keys, local sets and a first round\'s model',
      builder: (yy: Argv) => yy
        .positional('dir', { type: 'string', demandOption: true, describe: 'the folder to create (its name is the federation id)' })
        .option('secure-aggregation', { type: 'boolean', default: false, describe: 'scaffold a federation with secureAggregation: true and an X25519 agreement key pair per party (keys/<party>.x25519.pem)' })
        .option('json', { type: 'boolean', default: false })
        .example('$0 fl init my-federation', 'then: arbiter fl evaluate --federation my-federation --round 1 ...'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const { scaffoldFederation } = await import('../../federated/scaffold.ts');
          const secure = argv.secureAggregation === true;
          const r = scaffoldFederation(argv.dir as string, { secureAggregation: secure });
          if (argv.json) { print(JSON.stringify(r)); return; }
          const d = displayPath(r.dir);
          print(`created federation ${r.id} in ${d} (spec hash ${r.specHash})${secure ? ' with secure aggregation' : ''}\n${r.files.map((f) => `  ${f}`).join('\n')}\n\nNext: each party scores round 1's model on its own set and signs a partial:\n  arbiter fl evaluate --federation ${d} --round 1 --model ${d}/models/round-1.onnx --data ${d}/data/alice.arrow --key ${d}/keys/alice.pem${secure ? ` --mask-key ${d}/keys/alice.x25519.pem` : ''} -o alice-1.json\nthen the coordinator: arbiter fl aggregate --federation ${d} alice-1.json bob-1.json carol-1.json`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'schema',
      describe: 'Print the JSON Schema of federation.yaml',
      builder: (yy: Argv) => yy.option('json', { type: 'boolean', default: false, describe: 'accepted for uniformity: the output is always JSON' }),
      handler: async () => {
        const { federationJsonSchema } = await import('../../federated/schema.ts');
        print(JSON.stringify(federationJsonSchema(), null, 2));
      },
    })
    .command({
      command: 'evaluate',
      describe: 'A party: score the round\'s model on your local set with the engine and write a signed partial (merged metric states and your vote; no row)',
      builder: (yy: Argv) => yy
        .option('federation', { alias: 'f', type: 'string', demandOption: true, describe: 'federation folder or federation.yaml' })
        .option('round', { alias: 'r', type: 'number', demandOption: true, describe: 'the round number' })
        .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'the round\'s model: an ONNX file (tabular task) or a model folder (language-model task)' })
        .option('data', { alias: 'd', type: 'string', demandOption: true, describe: 'your local set (the federation\'s data format)' })
        .option('key', { alias: 'k', type: 'string', demandOption: true, describe: 'your party\'s Ed25519 private key (PEM); its public half names your party' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'where to write the partial (JSON)' })
        .option('previous', { type: 'string', describe: 'your own partial of the last accepted round: your score there is the baseline your vote compares with' })
        .option('mask-key', { type: 'string', describe: 'your party\'s X25519 private key (PEM): required when the federation has secureAggregation; the partial then carries your states masked and none of your scores' })
        .option('baseline-score', { type: 'string', describe: 'masked rounds: <round>:<score>, your primary score of the last accepted round as its fl evaluate printed it (a masked --previous carries none)' })
        .option('vote', { choices: ['accept', 'reject'] as const, describe: 'vote this way whatever your scores say (the coordinator flags a vote your scores contradict)' })
        .option('workers', { alias: 'w', type: 'number', describe: 'inference workers' })
        .option('isolation', { choices: ['process', 'thread'] as const, default: 'process' as const, describe: 'where the model runs (as arbiter score)' })
        .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted local set' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (partial file, party, round, local scores, vote)' })
        .example('$0 fl evaluate -f fed -r 2 -m round-2.onnx -d local.arrow -k me.pem --previous me-1.json -o me-2.json', 'score round 2 against your round-1 baseline'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const round = roundOf(argv.round)!;
          const { readFileSync } = await import('node:fs');
          const { loadFederation, partyOfKey } = await import('../../federated/spec.ts');
          const { loadPrivateKey } = await import('../../receipts/sign.ts');
          const { requirePartial, serializePartial } = await import('../../federated/partial.ts');
          const { evaluateRound } = await import('../../federated/evaluate.ts');
          const fed = loadFederation(argv.federation as string);
          const key = loadPrivateKey(argv.key as string);
          let previous;
          if (argv.previous !== undefined) {
            const f = argv.previous as string;
            let text: string;
            try { text = readFileSync(f, 'utf8'); } catch (err) {
              throw new (await import('../../errors.ts')).ArbiterError('E_FL_PARTIAL', `--previous ${f}: expected your partial of the last accepted round, found no readable file (${(err as NodeJS.ErrnoException).code})`);
            }
            previous = requirePartial(text, f);
          }
          let maskKey;
          if (argv.maskKey !== undefined) {
            const { loadMaskKey } = await import('../../federated/secure-round.ts');
            maskKey = loadMaskKey(argv.maskKey as string, fed, partyOfKey(fed, key));
          }
          let baselineScore;
          if (argv.baselineScore !== undefined) {
            const m = /^([0-9]+):(.+)$/.exec(String(argv.baselineScore));
            if (!m || !Number.isFinite(Number(m[2]))) throw usageError(`--baseline-score: expected <round>:<score> such as 1:0.4132, found ${String(argv.baselineScore)}`);
            baselineScore = { round: Number(m[1]), localScore: Number(m[2]) };
          }
          const { partial: p, localScores, rows } = await evaluateRound({
            federation: fed, round, model: argv.model as string, data: argv.data as string, key,
            ...(maskKey ? { maskKey } : {}), ...(baselineScore ? { baselineScore } : {}),
            ...(previous ? { previous } : {}), ...(argv.vote ? { vote: argv.vote as 'accept' | 'reject' } : {}),
            ...(argv.workers !== undefined ? { workers: argv.workers as number } : {}), isolation: argv.isolation as 'process' | 'thread',
            ...(argv.datasetKeyFile !== undefined ? { datasetKeyFile: argv.datasetKeyFile as string } : {}),
          });
          await writeAtomic(argv.out as string, serializePartial(p));
          // the party's own scores are printed on its own machine even when the partial is masked
          if (argv.json) print(JSON.stringify({ partial: argv.out, party: p.party, round: p.round, rows, masked: p.masked, localScores, vote: p.vote }));
          else print(`${p.party} · round ${p.round} · ${rows} rows · ${fed.primary} ${localScores[fed.primary]}${p.masked ? ' (masked in the partial)' : ''}${p.vote.baseline ? ` (round ${p.vote.baseline.round}: ${p.vote.baseline.localScore})` : ''} · vote ${p.vote.decision} · partial ${displayPath(argv.out as string)}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'correct',
      describe: 'A surviving party of a masked round: write a signed dropout correction for the parties the coordinator declared dropped (your pair masks with them, nothing of your states)',
      builder: (yy: Argv) => yy
        .option('federation', { alias: 'f', type: 'string', demandOption: true, describe: 'federation folder or federation.yaml' })
        .option('round', { alias: 'r', type: 'number', demandOption: true, describe: 'the round whose aggregation failed with E_FL_DROPOUT' })
        .option('dropped', { type: 'string', demandOption: true, describe: 'the dropped parties, comma-separated, exactly as the coordinator\'s E_FL_DROPOUT names them' })
        .option('key', { alias: 'k', type: 'string', demandOption: true, describe: 'your party\'s Ed25519 private key (PEM): signs the correction' })
        .option('mask-key', { type: 'string', demandOption: true, describe: 'your party\'s X25519 private key (PEM), the one your masked partial of the round used' })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'where to write the correction (JSON)' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (correction file, party, round, dropped)' })
        .example('$0 fl correct -f fed -r 3 --dropped bob -k alice.pem --mask-key alice.x25519.pem -o alice-3-correction.json', 'alice\'s correction after bob dropped out of round 3'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const round = roundOf(argv.round)!;
          const { loadFederation, partyOfKey } = await import('../../federated/spec.ts');
          const { loadPrivateKey } = await import('../../receipts/sign.ts');
          const { buildCorrection, loadMaskKey, serializeCorrection } = await import('../../federated/secure-round.ts');
          const fed = loadFederation(argv.federation as string);
          const key = loadPrivateKey(argv.key as string);
          const party = partyOfKey(fed, key);
          const maskKey = loadMaskKey(argv.maskKey as string, fed, party);
          const dropped = String(argv.dropped).split(',').map((x) => x.trim()).filter((x) => x.length > 0);
          const c = buildCorrection(fed, round, party, key, maskKey, dropped);
          await writeAtomic(argv.out as string, serializeCorrection(c));
          if (argv.json) print(JSON.stringify({ correction: argv.out, party: c.party, round: c.round, dropped: c.dropped }));
          else print(`${c.party} · round ${c.round} · correction for dropped ${c.dropped.join(', ')} · ${displayPath(argv.out as string)}\nNever send a masked partial of round ${c.round} for ${c.dropped.join(', ')} after this: with the corrections it would reveal its states.`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'aggregate <partials..>',
      describe: 'The coordinator: verify the partials, merge their states exactly, decide the round by the votes and the improvement rule, flag, reward, store',
      builder: (yy: Argv) => yy
        .positional('partials', { type: 'string', array: true, demandOption: true, describe: 'partial files of one round, any order' })
        .option('federation', { alias: 'f', type: 'string', demandOption: true, describe: 'federation folder or federation.yaml' })
        .option('round', { alias: 'r', type: 'number', describe: 'the round (default: the highest round a validly signed partial names)' })
        .option('model', { alias: 'm', type: 'string', describe: 'the round\'s model: partials for another model are flagged (default: the one every partial names)' })
        .option('tolerate', { type: 'string', array: true, choices: ['cpu', 'cpuFlags', 'node', 'platform', 'arch'], describe: 'fingerprint fields allowed to differ between parties (machines differ)' })
        .option('correction', { type: 'string', array: true, describe: 'secure aggregation: the survivors\' dropout corrections (fl correct), one per surviving party, when some party dropped out' })
        .option('db', dbOption)
        .option('dry-run', { type: 'boolean', default: false, describe: 'decide, but do not store the round' })
        .option('json', { type: 'boolean', default: false, describe: 'print the round\'s result as one JSON object' })
        .example('$0 fl aggregate -f fed partials/round-2/*.json', 'decide round 2 and store it'),
      handler: async (argv: Record<string, unknown>) => {
        try {
          const round = roundOf(argv.round);
          const { readFileSync } = await import('node:fs');
          const { loadFederation } = await import('../../federated/spec.ts');
          const { aggregateRound } = await import('../../federated/aggregate.ts');
          const fed = loadFederation(argv.federation as string);
          let modelSha256: string | undefined;
          if (argv.model !== undefined) {
            const { federationMetricsView } = await import('../../federated/spec.ts');
            const { taskKindOf } = await import('../../tasks/index.ts');
            const sha = taskKindOf(federationMetricsView(fed)).identify(argv.model as string);
            if (sha === null) throw new (await import('../../errors.ts')).ArbiterError('E_SUBMISSION_NOT_FOUND', `--model ${argv.model as string}: expected the round's model, found nothing readable there`);
            modelSha256 = sha;
          }
          const read = (f: string) => {
            let text: string;
            try { text = readFileSync(f, 'utf8'); } catch (err) { text = `<unreadable: ${(err as NodeJS.ErrnoException).code ?? 'error'}>`; }
            return { source: f, text };
          };
          const inputs = (argv.partials as string[]).map(read);
          const corrections = argv.correction ? (argv.correction as string[]).map(read) : undefined;
          const r = aggregateRound(fed, inputs, {
            db: argv.db as string, dryRun: argv.dryRun as boolean,
            ...(round !== undefined ? { round } : {}), ...(modelSha256 ? { modelSha256 } : {}),
            ...(argv.tolerate ? { tolerate: argv.tolerate as never } : {}),
            ...(corrections ? { corrections } : {}),
          });
          if (argv.json) print(JSON.stringify(r));
          else print(`${roundSummary(r)}${argv.dryRun ? '\n  (dry run: not stored)' : ''}`);
        } catch (err) {
          reportError(err, argv.json as boolean);
        }
      },
    })
    .command({
      command: 'rounds <federation>',
      describe: 'The history of a federation\'s rounds (model, global score, accepted, votes, flagged parties, rewards)',
      builder: (yy: Argv) => yy
        .positional('federation', { type: 'string', demandOption: true, describe: 'federation id (as stored)' })
        .option('db', dbOption)
        .option('format', { choices: ['table', 'json', 'csv', 'md', 'markdown', 'html'] as const, default: 'table' as const, describe: 'output format (html: a self-contained page with the score per round)' })
        .option('out', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' })
        .option('json', { type: 'boolean', default: false, describe: 'the same as --format json' })
        .example('$0 fl rounds fl-demo --db .arbiter/fl-demo/fl-demo.db', 'the demo\'s rounds')
        .example('$0 fl rounds my-fed --format html -o rounds.html', 'the HTML report with the score per round'),
      handler: async (argv: Record<string, unknown>) => {
        const format = argv.json ? 'json' : argv.format === 'markdown' ? 'md' : argv.format as 'table' | 'json' | 'csv' | 'md' | 'html';
        try {
          const { roundsTable } = await import('../../federated/rounds.ts');
          const { formatRounds } = await import('../../report/rounds.ts');
          const text = formatRounds(roundsTable(argv.federation as string, argv.db as string), format);
          if (argv.out) { await writeAtomic(argv.out as string, text.endsWith('\n') ? text : `${text}\n`); print(`wrote ${displayPath(argv.out as string)}`); } else print(text);
        } catch (err) {
          reportError(err, format === 'json');
        }
      },
    })
    .command({
      command: 'demo',
      describe: 'The bundled federation end to end: 3 parties, 4 rounds (one rejected, one lying party flagged), then the rounds table',
      builder: (yy: Argv) => yy
        .option('dir', { type: 'string', default: '.arbiter/fl-demo', describe: 'work folder for the generated sets, models, keys, partials and store (rebuilt each run)' })
        .option('workers', { alias: 'w', type: 'number', describe: 'inference workers' })
        .option('isolation', { choices: ['process', 'thread'] as const, default: 'process' as const })
        .option('format', { choices: ['table', 'json', 'csv', 'md', 'markdown', 'html'] as const, default: 'table' as const, describe: 'format of the rounds table' })
        .option('json', { type: 'boolean', default: false, describe: 'print the rounds as one JSON object' })
        .example('$0 fl demo', 'run the four rounds and print the rounds table'),
      handler: async (argv: Record<string, unknown>) => {
        const format = argv.json ? 'json' : argv.format === 'markdown' ? 'md' : argv.format as FlDemoFormat;
        try {
          await runFlDemoCommand({
            dir: argv.dir as string, isolation: argv.isolation as 'process' | 'thread', format,
            ...(argv.workers !== undefined ? { workers: argv.workers as number } : {}),
          });
        } catch (err) {
          reportError(err, format === 'json');
        }
      },
    })
    .demandCommand(1, 'name an fl action: init, schema, evaluate, correct, aggregate, rounds or demo')
    .example('$0 fl demo', 'the bundled federation end to end'),
  handler: () => undefined,
};
