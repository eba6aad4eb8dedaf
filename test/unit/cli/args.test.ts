import { describe, expect, it } from 'vitest';
import { buildInput, closest, flagForPointer, parseNumber, parseTags } from '../../../src/cli/args.js';
import { UsageError } from '../../../src/cli/errors.js';
import { ExitCode, exitCodeForStatus } from '../../../src/cli/exit-codes.js';

describe('Function: parseTags', () => {
  it('accepts repeated pairs and comma-joined pairs', () => {
    expect(parseTags(['DR-Wave=1', 'DR-Application=HRP,DR-Tier=Web'])).toEqual({
      'DR-Wave': '1',
      'DR-Application': 'HRP',
      'DR-Tier': 'Web',
    });
  });

  it('keeps "=" inside the value and allows an empty value', () => {
    expect(parseTags(['Expr=a=b', 'Empty='])).toEqual({ Expr: 'a=b', Empty: '' });
  });

  it('accepts the same pair twice', () => {
    expect(parseTags(['A=1', 'A=1'])).toEqual({ A: '1' });
  });

  it('rejects a pair without "=" naming it', () => {
    expect(() => parseTags(['DR-Wave'])).toThrow(new UsageError('--tags must be KEY=VALUE, got "DR-Wave"'));
  });

  it('rejects conflicting values for one key', () => {
    expect(() => parseTags(['A=1,A=2'])).toThrow(/--tags gives A twice \("1" and "2"\)/);
  });
});

describe('Function: parseNumber', () => {
  it('parses integers and decimals', () => {
    expect(parseNumber('--x', ' 42 ', 'n', true)).toBe(42);
    expect(parseNumber('--x', '0.25', 'n', false)).toBe(0.25);
  });

  it('rejects empty, non-numeric and fractional-when-integer values', () => {
    expect(() => parseNumber('--x', '', 'a number', false)).toThrow('--x must be a number, got ""');
    expect(() => parseNumber('--x', '1e', 'a number', false)).toThrow(UsageError);
    expect(() => parseNumber('--x', '1.5', 'a whole number', true)).toThrow(
      '--x must be a whole number, got "1.5"',
    );
  });
});

describe('Function: buildInput', () => {
  it('leaves options and metadata out when no flag sets them', () => {
    expect(buildInput(undefined, 'status', { tags: ['A=1'] })).toEqual({
      action: 'status',
      tags: { A: '1' },
    });
  });

  it('does not modify the --input document', () => {
    const doc = { action: 'drill', tags: { A: '1' }, options: { parallelism: 3 } };
    const before = structuredClone(doc);

    buildInput(doc, 'drill', { parallelism: '7', tags: ['B=2'] });

    expect(doc).toEqual(before);
  });

  it('replaces the document tags with --tags', () => {
    expect(buildInput({ tags: { A: '1', B: '2' } }, 'drill', { tags: ['C=3'] })).toEqual({
      action: 'drill',
      tags: { C: '3' },
    });
  });

  it('rejects a document that is not an object', () => {
    expect(() => buildInput([1, 2], 'drill', {})).toThrow(
      '--input must hold a JSON object (design 3.1 input)',
    );
  });

  it('rejects `run` with a document that has no action', () => {
    expect(() => buildInput({ tags: { A: '1' } }, undefined, {})).toThrow(/document has no "action"/);
  });
});

describe('Function: closest', () => {
  const actions = ['failover', 'failback', 'drill', 'terminate', 'status'];

  it('suggests the action a typo meant', () => {
    expect(closest('dril', actions)).toBe('drill');
    expect(closest('failovr', actions)).toBe('failover');
    expect(closest('terminte', actions)).toBe('terminate');
    expect(closest('STATUS', actions)).toBe('status');
  });

  it('suggests the only command a prefix can mean', () => {
    expect(closest('term', actions)).toBe('terminate');
  });

  it('suggests nothing for an unrelated word', () => {
    expect(closest('deploy', actions)).toBeUndefined();
  });
});

describe('Function: flagForPointer', () => {
  it('maps input pointers (and pointers below them) to their flags', () => {
    expect(flagForPointer('/options/maxWaitMinutes')).toBe('--max-wait');
    expect(flagForPointer('/tags/DR-Wave')).toBe('--tags');
    expect(flagForPointer('/metadata/ticketId')).toBe('--ticket');
    expect(flagForPointer('/options/unknown')).toBeUndefined();
  });
});

describe('Function: exitCodeForStatus', () => {
  it('maps every output status', () => {
    expect(exitCodeForStatus('success')).toBe(ExitCode.Success);
    expect(exitCodeForStatus('partial')).toBe(2);
    expect(exitCodeForStatus('failed')).toBe(3);
    expect(exitCodeForStatus('timeout')).toBe(4);
  });
});
