// A submission as a file or folder on the participant's side, before it is registered: where it
// is and whose it is. Every task kind collects these.
import path from 'node:path';

export interface SubmissionFile { path: string; participant: string }

/** The participant name a file stands for by default: its name without extension. */
export function participantOf(file: string): string {
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

