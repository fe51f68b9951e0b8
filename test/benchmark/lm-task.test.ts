// The task fragments: defaults, strictness, and the admission-rule view of a parsed task.
import { describe, expect, it } from 'vitest';
import { admissionRulesOf, chatLossTaskSchema, multipleChoiceTaskSchema, sequenceClassificationTaskSchema } from '../../src/benchmark/lm-task.ts';

describe('LM task schemas', () => {
  it('fills defaults for chat-loss', () => {
    const t = chatLossTaskSchema.parse({ type: 'chat-loss', contextLength: 1024 });
    expect(t).toEqual({ type: 'chat-loss', contextLength: 1024, truncation: 'left', scoredTokens: 'content' });
    expect(admissionRulesOf(t)).toMatchObject({ contextLength: 1024, requireChatTemplate: true });
  });

  it('rejects unknown keys, bad hashes and bad enums', () => {
    expect(chatLossTaskSchema.safeParse({ type: 'chat-loss', contextLength: 8, maxParms: 5 }).success).toBe(false);
    expect(chatLossTaskSchema.safeParse({ type: 'chat-loss', contextLength: 8, approvedTokenizers: ['ABC'] }).success).toBe(false);
    expect(chatLossTaskSchema.safeParse({ type: 'chat-loss', contextLength: 8, truncation: 'middle' }).success).toBe(false);
    expect(chatLossTaskSchema.safeParse({ type: 'chat-loss', contextLength: 1 }).success).toBe(false);
  });

  it('multiple-choice and sequence-classification defaults', () => {
    expect(multipleChoiceTaskSchema.parse({ type: 'multiple-choice', contextLength: 64 }).delimiter).toBe(' ');
    const c = sequenceClassificationTaskSchema.parse({ type: 'sequence-classification', contextLength: 64, numClasses: 3 });
    expect(c.truncation).toBe('right');
    expect(admissionRulesOf(c).requireChatTemplate).toBe(false);
  });
});
