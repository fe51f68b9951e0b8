// Where a language-model submission's model folder is (the folder itself, or its .tar unpacked
// safely) and how large a submission may be: shared by the LM kind's scoring, submit and check.
import path from 'node:path';
import { ArbiterError } from '../../errors.ts';
import type { BenchmarkSpecData } from '../../benchmark/schema.ts';
import type { Store, SubmissionRecord } from '../../store/store.ts';
import { resolveModelFolder } from '../../models/hf/tar.ts';
import type { LmTask } from '../../benchmark/lm-task.ts';

/** Unpacked bytes allowed for a .tar submission beyond the spec's maxModelBytes (tokenizer, config files). */
const TAR_SLACK_BYTES = 512 * 1024 * 1024;
const DEFAULT_TAR_MAX_BYTES = 4 * 1024 * 1024 * 1024;

export function lmTaskOf(spec: BenchmarkSpecData): LmTask {
  const t = spec.task;
  if (t.type !== 'chat-loss' && t.type !== 'multiple-choice' && t.type !== 'sequence-classification') {
    throw new ArbiterError('E_TASK_UNSUPPORTED', `benchmark ${spec.id}: ${t.type} is not a language-model task`, { task: t.type });
  }
  return t;
}

/** The largest LM submission (a folder's files, or a .tar) registered: the model files' limit plus room for the tokenizer and config files. */
export function lmSubmissionByteLimit(task: LmTask): number {
  return task.maxModelBytes !== undefined ? task.maxModelBytes + TAR_SLACK_BYTES : DEFAULT_TAR_MAX_BYTES;
}

/** Where a registered submission's model folder is: the blob folder itself, or its .tar unpacked beside the blobs. */
export function lmFolderOf(store: Store, sub: SubmissionRecord, task: LmTask): string {
  return lmFolderFor(sub.blobPath, task, path.join(store.blobDir, 'unpacked'));
}

/** A submission (model folder or .tar of one) as a folder, unpacking a .tar safely under `unpackDir`. */
export function lmFolderFor(submission: string, task: LmTask, unpackDir: string): string {
  const maxBytes = task.maxModelBytes !== undefined ? task.maxModelBytes + TAR_SLACK_BYTES : DEFAULT_TAR_MAX_BYTES;
  return resolveModelFolder(submission, unpackDir, { maxBytes });
}
