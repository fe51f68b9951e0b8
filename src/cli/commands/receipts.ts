// `arbiter keygen`, `arbiter verify`, `arbiter consensus`: signing keys, re-running a receipt,
// and combining several validators' receipts.
import type { Argv } from 'yargs';
import { defaultWorkerCount } from '../../inference/defaults.ts';
import { print, reportError } from '../io.ts';

export const keygenCommand = {
  command: 'keygen',
  describe: 'Make an Ed25519 key pair for signing receipts',
  builder: (y: Argv) => y
    .option('out', { alias: 'o', type: 'string', default: 'arbiter-key.pem', describe: 'private key file (PEM); the public key goes beside it as <name>.pub.pem' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object (privateKey, publicKey, keyId)' })
    .example('$0 keygen -o validator.pem', 'then: arbiter score -b tabular-demo --sign validator.pem'),
  handler: async (argv: Record<string, unknown>) => {
    try {
      const { writeKeyPair } = await import('../../receipts/sign.ts');
      const k = writeKeyPair(argv.out as string);
      if (argv.json) print(JSON.stringify({ privateKey: k.privatePath, publicKey: k.publicPath, keyId: k.keyId }));
      else print(`private key ${k.privatePath}\npublic key  ${k.publicPath}\nkey id      ${k.keyId}`);
    } catch (err) {
      reportError(err, argv.json as boolean);
    }
  },
};

export const verifyCommand = {
  command: 'verify <receipt>',
  describe: 'Re-run the job a receipt describes from its own spec; exit 0 only if every score, rank, reward and re-derivable field matches and the signature is valid',
  builder: (y: Argv) => y
    .positional('receipt', { type: 'string', demandOption: true })
    .option('key', { type: 'string', describe: 'public key (PEM) the signature must match' })
    .option('require-signature', { type: 'boolean', default: false })
    .option('dataset', { type: 'string', describe: 'the dataset file (default: beside the spec\'s original folder, or the path the receipt records)' })
    .option('dataset-key-file', { type: 'string', describe: 'key file of an encrypted dataset (default: ARBITER_DATASET_KEY)' })
    .option('submissions', { alias: 's', type: 'string', array: true, describe: 'submission files or folders, matched to the receipt by sha256 (default: the paths the receipt records)' })
    .option('workers', { alias: 'w', type: 'number', default: defaultWorkerCount() })
    .option('isolation', { choices: ['process', 'thread'] as const, default: 'process' as const, describe: 'where the re-score runs inference (as `score --isolation`; same scores either way)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the verification report as one JSON object' })
    .example('$0 verify .arbiter/receipts/tabular-demo-run-1.json', 're-score the demo run and compare every bit'),
  handler: async (argv: Record<string, unknown>) => {
    try {
      const { runVerify } = await import('../../receipts/index.ts');
      const { rescoreReceipt } = await import('../../run/rescore.ts');
      const o = await runVerify({
        receiptPath: argv.receipt as string, keyPath: argv.key as string | undefined, requireSignature: argv.requireSignature as boolean,
        rescore: (r) => rescoreReceipt(r, {
          workers: argv.workers as number, dataset: argv.dataset as string | undefined, datasetKeyFile: argv.datasetKeyFile as string | undefined,
          submissions: argv.submissions as string[] | undefined, isolation: argv.isolation as 'process' | 'thread',
        }),
      });
      if (argv.json) print(JSON.stringify(o.report));
      else o.lines.forEach((l) => print(l));
      process.exitCode = o.exitCode;
    } catch (err) {
      reportError(err, argv.json as boolean);
    }
  },
};

export const consensusCommand = {
  command: 'consensus <receipts..>',
  describe: 'Combine validators\' receipts: stake-weighted consensus scores, ranks, participant and validator rewards',
  builder: (y: Argv) => y
    .positional('receipts', { type: 'string', array: true, demandOption: true })
    .option('stakes', { type: 'string', demandOption: true, describe: 'JSON object: validator id -> integer stake' })
    .option('require-signatures', { type: 'boolean', default: false })
    .option('json', { type: 'boolean', default: false, describe: 'print the consensus result as one JSON object' })
    .example('$0 consensus receipts/*.json --stakes stakes.json', 'the consensus leaderboard and payouts'),
  handler: async (argv: Record<string, unknown>) => {
    try {
      const { runConsensus } = await import('../../receipts/consensus/command.ts');
      const o = runConsensus({ receiptPaths: argv.receipts as string[], stakesPath: argv.stakes as string, requireSignatures: argv.requireSignatures as boolean });
      if (argv.json) print(JSON.stringify(o.result));
      else o.lines.forEach((l) => print(l));
      process.exitCode = o.exitCode;
    } catch (err) {
      reportError(err, argv.json as boolean);
    }
  },
};
