// Published messages name files, never a path of the validator's machine.
import { describe, expect, it } from 'vitest';
import { sanitizeMessage } from '../../src/messages.ts';

describe('sanitizeMessage', () => {
  it('cuts every absolute path down to its base name, and leaves everything else alone', () => {
    const cases: Array<[string, string]> = [
      ['model /tmp/arbiter-x/blobs/ab/abcdef.onnx: expected opset 13, found 99', 'model abcdef.onnx: expected opset 13, found 99'],
      ["EEXIST: file already exists, mkdir '/srv/v/.arbiter/blobs/ab12.onnx.d'", "EEXIST: file already exists, mkdir 'ab12.onnx.d'"],
      ['Load model from /home/val/store/blobs/ff.onnx failed:Protobuf parsing failed.', 'Load model from ff.onnx failed:Protobuf parsing failed.'],
      ['folder /tmp/x/y/ done', 'folder y done'],
      ['path=/home/v/secret/file.csv:12:3', 'path=file.csv:12:3'],
      ['C:\\Users\\val\\store\\blobs\\aa.onnx is bad', 'aa.onnx is bad'],
      ['ratio 3/4, a/b relative, http://example.org/x and 1/2 stay', 'ratio 3/4, a/b relative, http://example.org/x and 1/2 stay'],
      ['expected [batch, 4], found [batch, 3]', 'expected [batch, 4], found [batch, 3]'],
    ];
    for (const [input, want] of cases) {
      expect(sanitizeMessage(input)).toBe(want);
      expect(sanitizeMessage(want)).toBe(want); // idempotent
    }
  });
});
