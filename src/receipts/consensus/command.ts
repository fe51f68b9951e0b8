// `arbiter consensus` without the CLI: read receipt files and a stakes file, combine, and format.
// A file that is not a readable receipt is reported like any other left-out receipt.
import { readFileSync } from 'node:fs';
import { ArbiterError } from '../../errors.ts';
import { type Receipt, parseReceipt } from '../receipt.ts';
import { type ConsensusOptions, type ConsensusResult, type Exclusion, combineReceipts, parseStakes } from '../consensus.ts';

export interface FileExclusion extends Omit<Exclusion, 'reason'> {
  reason: Exclusion['reason'] | 'unreadable';
  file: string;
}

export interface ConsensusCommandResult extends Omit<ConsensusResult, 'excluded'> {
  files: string[];
  excluded: FileExclusion[];
}

export function readStakesFile(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ArbiterError('E_CONSENSUS_INPUT', `expected a JSON stakes file at ${path}: ${(err as Error).message}`, { path });
  }
  return parseStakes(raw);
}

export function runConsensus(
  opts: { receiptPaths: string[]; stakesPath: string } & ConsensusOptions,
): { result: ConsensusCommandResult; lines: string[]; exitCode: number } {
  const stakes = readStakesFile(opts.stakesPath);
  const unreadable: FileExclusion[] = [];
  const receipts: Receipt[] = [];
  const fileIndex: number[] = [];
  opts.receiptPaths.forEach((file, i) => {
    try {
      receipts.push(parseReceipt(readFileSync(file, 'utf8')).receipt);
      fileIndex.push(i);
    } catch (err) {
      unreadable.push({ validator: null, index: i, file, reason: 'unreadable', message: (err as Error).message });
    }
  });
  const combined = combineReceipts(receipts, stakes, opts);
  const excluded: FileExclusion[] = [
    ...unreadable,
    ...combined.excluded.map((e) => ({ ...e, index: fileIndex[e.index], file: opts.receiptPaths[fileIndex[e.index]] })),
  ].sort((a, b) => a.index - b.index);
  const result: ConsensusCommandResult = {
    ...combined,
    files: opts.receiptPaths,
    excluded,
    code: excluded.length > 0 ? 'E_CONSENSUS_MISMATCH' : null,
  };
  return { result, lines: formatConsensus(result), exitCode: result.code ? 4 : 0 };
}

export function formatConsensus(r: ConsensusCommandResult): string[] {
  const lines: string[] = [];
  lines.push(`benchmark ${r.benchmark.id} v${r.benchmark.version}  consensus: ${r.settings.method}${r.settings.bound !== undefined ? ` (bound ${r.settings.bound})` : ''}  metric: ${r.ranking.primary}`);
  lines.push('rank  participant           score                   validators  reward');
  for (const row of r.leaderboard) {
    const n = Object.values(row.validatorScores).filter((v) => v !== null).length;
    lines.push(
      `${String(row.rank ?? '-').padEnd(5)} ${row.participant.padEnd(21)} ${String(row.score ?? row.status).padEnd(23)} ${String(n).padEnd(11)} ${row.reward}`,
    );
  }
  lines.push('validator             stake        submissions  reward');
  for (const v of r.validators) lines.push(`${v.validator.padEnd(21)} ${v.stake.padEnd(12)} ${String(v.submissions).padEnd(12)} ${v.reward}`);
  if (r.participantUnallocated !== '0') lines.push(`participant pool unallocated: ${r.participantUnallocated}`);
  if (r.validatorUnallocated !== '0') lines.push(`validator pool unallocated: ${r.validatorUnallocated}`);
  for (const e of r.excluded) {
    lines.push(`left out: ${e.file} (${e.validator ?? 'no id'}): ${e.reason}: ${e.message}`);
    for (const d of e.differences ?? []) lines.push(`  ${d.field}: expected ${d.expected}, found ${d.found}`);
  }
  return lines;
}
