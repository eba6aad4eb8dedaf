import { describe, expect, it } from 'vitest';
import { parseJsonText, ValidationError } from '../../../src/contract/index.js';

function problemOf(text: string, limits?: { maxBytes: number; maxDepth: number }): string {
  try {
    parseJsonText(text, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const p = (err as ValidationError).problems[0];
    return `${p?.pointer} ${p?.message}`;
  }
  throw new Error('expected a ValidationError');
}

describe('Function: parseJsonText', () => {
  it('parses ordinary JSON like JSON.parse', () => {
    const text = '{"a":[1,{"b":"x\\"}"}],"c":{"d":null},"e":"{["}';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
  });

  it('refuses a key given twice at the top, naming it and where', () => {
    expect(problemOf('{"action":"drill","action":"failover","tags":{}}')).toBe(
      '/action is given twice in one object (line 1 column 19)',
    );
  });

  it('refuses a nested duplicate with its full pointer, and escaped spellings of one key', () => {
    expect(problemOf('{"a":[{"x":1},{"b":{"y":1,"y":2}}]}')).toMatch(/^\/a\/1\/b\/y is given twice/);
    expect(problemOf('{"options":{"p":1,"\\u0070":2}}')).toMatch(/^\/options\/p is given twice/);
  });

  it('allows the same key in sibling objects', () => {
    expect(parseJsonText('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('checks nesting depth before building anything, without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(problemOf(deep, { maxBytes: 1_000_000, maxDepth: 32 })).toMatch(
      /^ must nest at most 32 levels of objects and arrays \(line 1 column 33\)/,
    );
    expect(() => parseJsonText(`${'['.repeat(32)}${']'.repeat(32)}`)).not.toThrow();
  });

  it('checks the size in UTF-8 bytes before parsing', () => {
    expect(problemOf(`"${'é'.repeat(100)}"`, { maxBytes: 150, maxDepth: 4 })).toBe(
      ' must be at most 150 bytes of JSON, got 202',
    );
  });

  it('says why text is not JSON', () => {
    expect(problemOf('{"a":')).toMatch(/^ is not valid JSON: /);
    expect(problemOf('')).toMatch(/^ is not valid JSON: /);
  });
});
