// Parsing the chat JSONL: both accepted forms, and a precise E_CHAT_DATA for each malformed row.
import { describe, expect, it } from 'vitest';
import { parseChatJsonl, chatExampleFromRow, choiceRowFromJson, textRowFromJson } from '../../src/data/lm-rows.ts';

describe('parseChatJsonl', () => {
  it('reads the conversations form with system and tools, and the OpenAI messages form', () => {
    const text = [
      JSON.stringify({ system: 'Be kind.', conversations: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }], tools: [{ name: 't' }] }),
      '',
      JSON.stringify({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] }),
    ].join('\n');
    const ex = parseChatJsonl(text);
    expect(ex).toEqual([
      { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }], tools: [{ name: 't' }] },
      { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] },
    ]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"conversations": [', /line 2: not valid JSON/],
    ['both forms', JSON.stringify({ conversations: [], messages: [] }), /exactly one/],
    ['unknown role', JSON.stringify({ conversations: [{ role: 'tool', content: 'x' }, { role: 'assistant', content: 'y' }] }), /role must be/],
    ['non-string content', JSON.stringify({ conversations: [{ role: 'user', content: 1 }, { role: 'assistant', content: 'y' }] }), /content must be a string/],
    ['no assistant text', JSON.stringify({ conversations: [{ role: 'user', content: 'x' }, { role: 'assistant', content: '' }] }), /nothing to score/],
    ['late system turn', JSON.stringify({ messages: [{ role: 'user', content: 'x' }, { role: 'system', content: 's' }, { role: 'assistant', content: 'y' }] }), /only allowed first/],
    ['system twice', JSON.stringify({ system: 'a', messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'y' }] }), /only allowed first/],
    ['tools not an array', JSON.stringify({ tools: {}, conversations: [{ role: 'assistant', content: 'y' }] }), /tools/],
  ];
  for (const [what, line, msg] of bad) {
    it(`rejects ${what} with E_CHAT_DATA and the line number`, () => {
      let err: any;
      try { parseChatJsonl(`\n${line}`); } catch (e) { err = e; }
      expect(err?.code).toBe('E_CHAT_DATA');
      expect(err.message).toMatch(msg);
      expect(err.details.line).toBe(2);
    });
  }

  it('an empty file is E_CHAT_DATA', () => {
    expect(() => parseChatJsonl('\n\n')).toThrow(expect.objectContaining({ code: 'E_CHAT_DATA' }));
  });

  it('chatExampleFromRow accepts an already-parsed row (e.g. from an Arrow JSON column)', () => {
    expect(chatExampleFromRow({ conversations: [{ role: 'assistant', content: 'x' }] }, 5).messages).toHaveLength(1);
  });
});

describe('multiple-choice and text rows', () => {
  it('reads valid rows', () => {
    expect(choiceRowFromJson({ context: 'Q', choices: ['a', 'b'], label: 1 }, 1)).toEqual({ example: { context: 'Q', choices: ['a', 'b'] }, label: 1 });
    expect(textRowFromJson({ text: 'hello', label: 2 }, 1, 3)).toEqual({ text: 'hello', label: 2 });
  });
  it('rejects bad labels and choices with E_CHAT_DATA', () => {
    expect(() => choiceRowFromJson({ context: 'Q', choices: ['a', 'b'], label: 2 }, 4)).toThrow(expect.objectContaining({ code: 'E_CHAT_DATA' }));
    expect(() => choiceRowFromJson({ context: 'Q', choices: ['a'], label: 0 }, 4)).toThrow(/at least 2/);
    expect(() => textRowFromJson({ text: 'x', label: 1.5 }, 4, 2)).toThrow(/line 4/);
  });
});
