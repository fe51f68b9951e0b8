// The parsed options of `arbiter score` (also what a shard run takes: src/cli/commands/shard.ts).
export interface ScoreArgs {
  benchmark: string; submissions?: string[]; workers: number; db: string; json: boolean; taskRows?: number; benchmarksDir?: string; resume?: number;
  receipt?: string; sign?: string; validator?: string; isolation?: 'process' | 'thread';
  datasetKeyFile?: string;
  /** 'final' scores hiddenSets.final; its scores are printed (and a receipt written) only once released (`arbiter release`, or `release` here, which records it) */
  set?: 'live' | 'final'; release?: boolean;
  /** one shard of a sharded run (src/cli/commands/shard.ts) */
  shard?: string; partOut?: string; shardMode?: 'submission' | 'rows';
}
