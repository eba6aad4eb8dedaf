import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import {
  checkDocumentSize,
  DOCUMENT_LIMITS,
  type DocumentFormat,
  type DocumentLimits,
  DocumentRejected,
  documentFormatOf,
  readDocument,
} from '../../../src/contract/index.js';

const LOOSE: DocumentLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 64, maxAliases: 100 };

function read(text: string | Uint8Array, format: DocumentFormat, limits: DocumentLimits = LOOSE): unknown {
  return readDocument(text, { name: `doc.${format}`, format, limits });
}

/** The refusal of a document (fails the test when it is read). */
function refusal(
  text: string | Uint8Array,
  format: DocumentFormat,
  limits?: DocumentLimits,
): DocumentRejected {
  try {
    read(text, format, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentRejected);
    return err as DocumentRejected;
  }
  throw new Error('expected a DocumentRejected');
}

/** An object written as key/value entries, so a key may be given twice. */
type Doc = number | string | null | Doc[] | { entries: [string, Doc][] };

function docArbitrary(keys: fc.Arbitrary<string>): fc.Arbitrary<Doc> {
  return fc.letrec<{ doc: Doc }>((tie) => ({
    doc: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.array(tie('doc'), { maxLength: 4 }),
      fc.record({ entries: fc.array(fc.tuple(keys, tie('doc')), { maxLength: 5 }) }),
    ),
  })).doc;
}

function text(doc: Doc): string {
  if (Array.isArray(doc)) return `[${doc.map(text).join(',')}]`;
  if (doc !== null && typeof doc === 'object') {
    return `{${doc.entries.map(([k, v]) => `${JSON.stringify(k)}:${text(v)}`).join(',')}}`;
  }
  return JSON.stringify(doc);
}

/** Reference: the pointer of the first repeated key in document order, by a plain recursive walk. */
function firstDuplicate(doc: Doc, pointer = ''): string | undefined {
  if (Array.isArray(doc)) {
    for (const [i, d] of doc.entries()) {
      const found = firstDuplicate(d, `${pointer}/${i}`);
      if (found !== undefined) return found;
    }
  } else if (doc !== null && typeof doc === 'object') {
    const seen: string[] = [];
    for (const [k, v] of doc.entries) {
      const at = `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (seen.includes(k)) return at;
      seen.push(k);
      const found = firstDuplicate(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

describe('Function: readDocument (JSON)', () => {
  it('reads valid JSON without repeated keys exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const json = JSON.stringify(value);
        expect(read(json, 'json')).toEqual(JSON.parse(json));
      }),
      { numRuns: 300 },
    );
  });

  it('finds a repeated key exactly when a plain reference walk does, at the same pointer (JSON and YAML)', () => {
    fc.assert(
      fc.property(docArbitrary(fc.constantFrom('a', 'b', 'c/d', 'e~')), (doc) => {
        const expected = firstDuplicate(doc);
        for (const format of ['json', 'yaml'] as const) {
          if (expected === undefined) expect(() => read(text(doc), format)).not.toThrow();
          else {
            const err = refusal(text(doc), format);
            expect(err.limit).toBe('duplicate-key');
            expect(err.pointer).toBe(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key given twice at the top, naming it and its line', () => {
    const err = refusal('{\n"action":"drill",\n"tags":{},\n"action":"failover"}', 'json');
    expect(err.message).toBe('doc.json: duplicate key "action" at /action (line 4)');
    expect(err.name).toBe('DocumentRejected');
  });

  it('treats escaped spellings of one key as the same key', () => {
    expect(refusal('{"options":{"p":1,"\\u0070":2}}', 'json').pointer).toBe('/options/p');
  });

  it('checks nesting depth without overflowing the stack, and allows the limit itself', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const err = refusal(deep, 'json', { ...LOOSE, maxDepth: 32 });
    expect(err.limit).toBe('depth');
    expect(err.message).toMatch(
      /^doc\.json: nests deeper than 32 levels of objects and arrays at (\/0){32} \(line 1\)$/,
    );
    expect(read(`${'['.repeat(32)}${']'.repeat(32)}`, 'json', { ...LOOSE, maxDepth: 32 })).toBeDefined();
  });

  it('checks the size in UTF-8 bytes, of text and of bytes', () => {
    const limits = { ...LOOSE, maxBytes: 150 };
    const err = refusal(`"${'é'.repeat(100)}"`, 'json', limits);
    expect(err.message).toBe('doc.json: too large: 202 bytes, over the limit of 150 bytes');
    expect(refusal(Buffer.from(`"${'é'.repeat(100)}"`), 'json', limits).limit).toBe('size');
  });

  it('says why text is not JSON, and refuses bytes that are not UTF-8', () => {
    expect(refusal('{"a":', 'json').message).toMatch(/^doc\.json: not valid JSON: /);
    expect(refusal('', 'json').limit).toBe('syntax');
    expect(refusal(Uint8Array.from([0x7b, 0xff, 0x7d]), 'json').message).toBe('doc.json: not UTF-8 text');
  });

  it('reads "__proto__" as an own key, like JSON.parse', () => {
    const value = read('{"__proto__":{"x":1}}', 'json') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('reads a 2 MB document of 100,000 keys, and finds a repeat of the first key at its end', () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => `"key-${i}":"value ${i}"`);
    const big = `{${entries.join(',\n')}}`;
    expect(big.length).toBeGreaterThan(2_000_000);
    expect(Object.keys(read(big, 'json') as object)).toHaveLength(100_000);
    const repeated = `{${entries.join(',\n')},\n"key-0":1}`;
    expect(refusal(repeated, 'json').message).toBe('doc.json: duplicate key "key-0" at /key-0 (line 100001)');
  });
});

describe('Function: readDocument (YAML)', () => {
  it('reads what yaml writes back to the same value (core schema)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const normalized = JSON.parse(JSON.stringify(value)) as unknown; // -0 is 0 in JSON
        expect(read(toYaml(normalized), 'yaml')).toEqual(normalized);
      }),
      { numRuns: 200 },
    );
  });

  it('walks a 2 MB runbook-like YAML file of 100,000 keys to its end, where it finds the first key repeated', () => {
    // One parse (the yaml package reads ~1 MB/s): the refusal at the last line shows every key was checked.
    const lines = Array.from({ length: 100_000 }, (_, i) => `  key-${i}: value ${i}`);
    const big = `action: drill\nmetadata:\n${lines.join('\n')}\n  key-0: again\n`;
    expect(big.length).toBeGreaterThan(2_000_000);
    const err = refusal(big, 'yaml');
    expect(err.message).toBe('doc.yaml: duplicate key "key-0" at /metadata/key-0 (line 100003)');
  }, 60_000);

  it('counts keys that read the same (1 and "1") as one key', () => {
    expect(refusal('1: a\n"1": b\n', 'yaml').pointer).toBe('/1');
  });

  it('resolves aliases to their anchored value and counts them', () => {
    expect(read('a: &x { b: [1, 2] }\nc: *x\nd: [*x, *x]\n', 'yaml')).toEqual({
      a: { b: [1, 2] },
      c: { b: [1, 2] },
      d: [{ b: [1, 2] }, { b: [1, 2] }],
    });
    const many = `t: &t x\nl: [${Array.from({ length: 4 }, () => '*t').join(', ')}]\n`;
    expect(refusal(many, 'yaml', { ...LOOSE, maxAliases: 3 }).message).toBe(
      'doc.yaml: more than 3 YAML aliases at /l/3 (line 2)',
    );
    expect(refusal('t: &t x\nu: *t\n', 'yaml', { ...LOOSE, maxAliases: 0 }).limit).toBe('aliases');
  });

  it('refuses a recursive alias and an alias to no anchor', () => {
    expect(refusal('a: &a [*a]', 'yaml').message).toBe(
      'doc.yaml: alias *a refers to a node that contains it at /a/0 (line 1)',
    );
    expect(refusal('a: &a { b: { c: *a } }', 'yaml').limit).toBe('recursive-alias');
    expect(refusal('a: *nowhere', 'yaml').message).toBe(
      'doc.yaml: alias *nowhere names no anchor before it at /a (line 1)',
    );
  });

  it('refuses a billion laughs by the size its aliases expand to, after a handful of aliases', () => {
    let lol = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i < 9; i++)
      lol += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]\n`;
    const err = refusal(lol, 'yaml', { ...LOOSE, maxBytes: 1_000_000 });
    expect(err.limit).toBe('alias-expansion');
    expect(err.message).toMatch(
      /^doc\.yaml: aliases expand the document beyond 1000000 bytes at \/a5\/0 \(line 6\)$/,
    );
  });

  it('stops deep nesting while parsing (flow and block), without overflowing the stack', () => {
    for (const deep of ['['.repeat(1_000_000), `${'- '.repeat(500_000)}x`, `{a: ${'{a: '.repeat(100_000)}`]) {
      const err = refusal(deep, 'yaml', { ...LOOSE, maxDepth: 64 });
      expect(err.limit).toBe('depth');
      expect(err.message).toMatch(/^doc\.yaml: nests deeper than 64 levels of maps and sequences/);
    }
    const ok = `${'['.repeat(64)}${']'.repeat(64)}`;
    expect(read(ok, 'yaml')).toBeDefined();
    expect(refusal(`${'['.repeat(65)}${']'.repeat(65)}`, 'yaml').limit).toBe('depth');
  });

  it('refuses tags outside the core schema, and core tags that cannot apply', () => {
    for (const [doc, tag] of [
      ['a: !!js/function "x"', '!!js/function'],
      ['a: !!binary aGVsbG8=', '!!binary'],
      ['a: !!timestamp 2020-01-01', '!!timestamp'],
      ['a: !custom x', '!custom'],
      ['!!set { a }', '!!set'],
    ] as const) {
      const err = refusal(doc, 'yaml');
      expect(err.limit).toBe('tag');
      expect(err.message).toContain(`unknown tag ${tag}; only the YAML core schema`);
    }
    expect(refusal('a: !!int "abc"', 'yaml').message).toBe(
      'doc.yaml: tag !!int does not apply to the value it is on (line 1)',
    );
    expect(read('a: !!str 12\nb: ! 12\nc: !!int "7"\n', 'yaml')).toEqual({ a: '12', b: '12', c: 7 });
  });

  it('refuses two documents in one file, a complex key, and broken YAML', () => {
    expect(refusal('a: 1\n---\nb: 2\n', 'yaml').message).toBe(
      'doc.yaml: more than one YAML document (a second --- starts one); give one document (line 2)',
    );
    expect(refusal('? [a]\n: 1\n', 'yaml').limit).toBe('key');
    expect(refusal('a: [1\nb: 2', 'yaml').message).toMatch(/^doc\.yaml: not valid YAML: /);
  });

  it('reads core-schema scalars as JSON values, and an empty file as null', () => {
    expect(read('a: 0x1F\nb: .inf\nc: ~\nd: true\ne: "__proto__"\n', 'yaml')).toEqual({
      a: 31,
      b: Number.POSITIVE_INFINITY,
      c: null,
      d: true,
      e: '__proto__',
    });
    expect(read('', 'yaml')).toBeNull();
    expect(read('\uFEFFa: 1', 'yaml')).toEqual({ a: 1 });
  });
});

describe('Function: checkDocumentSize', () => {
  it('refuses a size over the limit of a kind, naming the size and the cap', () => {
    expect(() =>
      checkDocumentSize('rb.yaml', DOCUMENT_LIMITS.runbook.maxBytes, DOCUMENT_LIMITS.runbook),
    ).not.toThrow();
    expect(() => checkDocumentSize('rb.yaml', 52_428_800, DOCUMENT_LIMITS.runbook)).toThrow(
      'rb.yaml: too large: 52428800 bytes, over the limit of 4194304 bytes (4 MiB)',
    );
    expect(() => checkDocumentSize('stdin', 300_000, DOCUMENT_LIMITS.input, true)).toThrow(
      'stdin: too large: more than 262144 bytes, over the limit of 262144 bytes (256 KiB)',
    );
  });
});

describe('Function: documentFormatOf', () => {
  it('reads .json as JSON and everything else as YAML', () => {
    expect(documentFormatOf('RB.JSON')).toBe('json');
    expect(documentFormatOf('rb.yaml')).toBe('yaml');
    expect(documentFormatOf('rb.yml')).toBe('yaml');
  });
});
