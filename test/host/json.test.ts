import { describe, expect, it } from 'vitest';
import { isJsonObject, parseJsonObject } from '../../host/src/json.js';

describe('what counts as a JSON object', () => {
  it('is an object, not null, not an array', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject({ a: 1 })).toBe(true);
    for (const v of [null, undefined, [], [1], 'x', 1, true]) expect(isJsonObject(v)).toBe(false);
  });

  it('parses a JSON object text, and answers null for anything else', () => {
    expect(parseJsonObject('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    for (const text of ['', 'not json', '{"a":', '[]', 'null', '42', '"s"'])
      expect(parseJsonObject(text)).toBeNull();
  });
});
