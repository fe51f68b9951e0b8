// The `task` fragments of benchmark.yaml for language-model benchmarks: chat loss, multiple-choice
// log-likelihood and sequence classification. The lead adds these three objects to the spec's
// discriminated union on `type`; everything here is strict so a typo in a spec is an error.
import { z } from 'zod';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase sha256 hex digest (64 characters)');

/** Admission rules shared by every transformers.js model task (each checked with its own error code). */
export const lmAdmissionShape = {
  /** max parameters, counted from the ONNX initializers (tied / duplicated weights once) -> E_MODEL_PARAMS */
  maxParams: z.number().int().positive().optional(),
  /** config.json model_type must be one of these -> E_MODEL_FAMILY */
  allowedModelTypes: z.array(z.string().min(1)).min(1).optional(),
  /** sha256 of the normalised tokenizer.json vocabulary + merges (see tokenizerHash) -> E_TOKENIZER */
  approvedTokenizers: z.array(sha256Hex).min(1).optional(),
  /**
   * sha256 of tokenizer_config.json's chat_template string (UTF-8) -> E_TOKENIZER. The template is
   * code the submission controls and it sees the whole conversation: pin it in real competitions.
   */
  approvedChatTemplates: z.array(sha256Hex).min(1).optional(),
  /** total bytes of onnx/model.onnx plus its external data files -> E_MODEL_TOO_LARGE */
  maxModelBytes: z.number().int().positive().optional(),
  /** default-domain opset versions the ONNX graph may import -> E_MODEL_OPSET */
  allowedOpsets: z.array(z.number().int().min(1)).min(1).optional(),
  /** tokens per example the model sees; a config.json max_position_embeddings below this -> E_CONTEXT_LENGTH */
  contextLength: z.number().int().min(2).max(1_000_000),
  /** which end of an over-long token sequence is cut off */
  truncation: z.enum(['left', 'right']).default('left'),
} as const;

/** Chat loss (FLock-style): NLL of the assistant tokens of each conversation, rendered with the submission's own chat template. */
export const chatLossTaskSchema = z.strictObject({
  type: z.literal('chat-loss'),
  ...lmAdmissionShape,
  /**
   * 'content': only the tokens of the assistant messages' own text are scored (default; template-added
   * tokens such as Qwen3's empty <think> block and <|im_end|> are not). 'content+eos': the end-of-turn
   * tokens the template writes right after each assistant message are scored as well (0 bytes each).
   */
  scoredTokens: z.enum(['content', 'content+eos']).default('content'),
});

/**
 * Multiple-choice log-likelihood (lm-evaluation-harness style): each choice is scored as the
 * continuation of its context; metrics acc and acc_norm (by UTF-8 bytes of the choice text).
 * Over-long sequences always lose the start of the context (the choice must stay whole), so
 * truncation may only be 'left'.
 */
export const multipleChoiceTaskSchema = z.strictObject({
  type: z.literal('multiple-choice'),
  ...lmAdmissionShape,
  /** put between context and choice text before tokenizing (lm-eval's target_delimiter) */
  delimiter: z.string().default(' '),
});

/**
 * Sequence classification: text in, class out. Two kinds of submission (modelKind):
 * - 'sequence-classification' (default): a classifier folder (AutoModelForSequenceClassification)
 *   whose graph outputs logits [batch, numClasses]; probabilities are their float64 softmax.
 * - 'causal-lm': a causal LM scored zero-shot like lm-evaluation-harness: the log-likelihood of
 *   each class's verbalizer as the continuation of prompt (with {text} replaced by the row's text);
 *   the predicted class is the most likely verbalizer, probabilities the softmax over the
 *   verbalizers' log-likelihoods.
 */
export const sequenceClassificationTaskSchema = z.strictObject({
  type: z.literal('sequence-classification'),
  ...lmAdmissionShape,
  numClasses: z.number().int().min(2),
  truncation: z.enum(['left', 'right']).default('right'),
  /** class names in class-index order; rows may then give their label by name */
  labels: z.array(z.string().min(1)).min(2).optional(),
  /** what a submission is: a classifier with a logits head, or a causal LM scored by verbalizers */
  modelKind: z.enum(['sequence-classification', 'causal-lm']).default('sequence-classification'),
  /** causal-lm: the continuation text of each class, in class-index order (default: labels) */
  verbalizers: z.array(z.string().min(1)).min(2).optional(),
  /** causal-lm: the context, with {text} replaced by the row's text (default "{text}") */
  prompt: z.string().min(1).optional(),
  /** causal-lm: put between the prompt and the verbalizer (default " ") */
  delimiter: z.string().optional(),
});

export type ChatLossTask = z.infer<typeof chatLossTaskSchema>;
export type MultipleChoiceTask = z.infer<typeof multipleChoiceTaskSchema>;
export type SequenceClassificationTask = z.infer<typeof sequenceClassificationTaskSchema>;
export type LmTask = ChatLossTask | MultipleChoiceTask | SequenceClassificationTask;

/** The admission-rule subset of any LM task, as the admission check reads it. */
export interface LmAdmissionRules {
  maxParams?: number | undefined;
  allowedModelTypes?: string[] | undefined;
  approvedTokenizers?: string[] | undefined;
  approvedChatTemplates?: string[] | undefined;
  maxModelBytes?: number | undefined;
  allowedOpsets?: number[] | undefined;
  contextLength: number;
  /** chat-loss needs a chat_template in tokenizer_config.json */
  requireChatTemplate?: boolean | undefined;
  /** sequence classification with a classifier folder: logits [batch, numClasses] (and id2label, if given, of that size) -> E_MODEL_CONTRACT */
  numClasses?: number | undefined;
  /** scored as a causal LM (chat-loss, multiple-choice, verbalizers): the graph must extend to a scoring graph (float32 logits [batch, seq, vocab], opset >= 11) -> E_MODEL_CONTRACT */
  causalLm?: boolean | undefined;
}

export function admissionRulesOf(task: LmTask): LmAdmissionRules {
  return {
    maxParams: task.maxParams, allowedModelTypes: task.allowedModelTypes, approvedTokenizers: task.approvedTokenizers,
    approvedChatTemplates: task.approvedChatTemplates, maxModelBytes: task.maxModelBytes, allowedOpsets: task.allowedOpsets, contextLength: task.contextLength,
    requireChatTemplate: task.type === 'chat-loss',
    numClasses: task.type === 'sequence-classification' && task.modelKind === 'sequence-classification' ? task.numClasses : undefined,
    causalLm: task.type !== 'sequence-classification' || task.modelKind === 'causal-lm',
  };
}

/** Sequence classification with modelKind causal-lm: the verbalizer of each class, the prompt and the delimiter, defaults applied. */
export function verbalizerSetup(task: SequenceClassificationTask): { verbalizers: string[]; prompt: string; delimiter: string } {
  return { verbalizers: task.verbalizers ?? task.labels ?? [], prompt: task.prompt ?? '{text}', delimiter: task.delimiter ?? ' ' };
}

/** The context a causal LM sees for one text: every {text} in the prompt replaced by it. */
export function promptFor(prompt: string, text: string): string {
  return prompt.split('{text}').join(text);
}
