import { describe, expect, it } from 'vitest';
import { ErrorNames, parseOrchestrationInput, ValidationError } from '../../../src/contract/index.js';
import { designInputExamples } from '../../_fixtures/design/inputs.js';

/** Runs the parser and returns the ValidationError it throws (fails the test if it does not). */
function problemsOf(raw: unknown): ValidationError {
  try {
    parseOrchestrationInput(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`expected a ValidationError for ${JSON.stringify(raw)?.slice(0, 80)}`);
}

const valid = { action: 'failover', tags: { 'DR-Wave': '1' } };

describe('Function: parseOrchestrationInput', () => {
  describe('design examples', () => {
    it.each(Object.entries(designInputExamples))('accepts the example of %s', (_name, example) => {
      // Act
      const parsed = parseOrchestrationInput(example);

      // Assert
      expect(parsed.action).toBe((example as { action: string }).action);
      expect(parsed.tags).toEqual((example as { tags: unknown }).tags);
    });
  });

  describe('defaults', () => {
    it('fills every documented default when options are absent', () => {
      const parsed = parseOrchestrationInput(valid);

      expect(parsed.options).toEqual({
        isDrill: false,
        maxWaitMinutes: 120,
        continueOnFailure: false,
        parallelism: 50,
        nextPhaseThreshold: 0.5,
        terminateNonDrill: false,
        healthCheckMinutes: 15,
      });
      expect(parsed.metadata).toEqual({});
    });

    it('keeps explicit options and fills the rest', () => {
      const parsed = parseOrchestrationInput({
        ...valid,
        options: { parallelism: 10, continueOnFailure: true },
      });

      expect(parsed.options.parallelism).toBe(10);
      expect(parsed.options.continueOnFailure).toBe(true);
      expect(parsed.options.maxWaitMinutes).toBe(120);
    });

    it('forces isDrill for the drill action', () => {
      const parsed = parseOrchestrationInput({ action: 'drill', tags: { a: 'b' } });

      expect(parsed.options.isDrill).toBe(true);
    });

    it('refuses a drill that says isDrill false, instead of silently launching a drill', () => {
      expect(() =>
        parseOrchestrationInput({ action: 'drill', tags: { a: 'b' }, options: { isDrill: false } }),
      ).toThrow(/\/options\/isDrill must be true for drill/);
    });

    it('leaves isDrill as given for failover', () => {
      expect(parseOrchestrationInput({ ...valid, options: { isDrill: true } }).options.isDrill).toBe(true);
      expect(parseOrchestrationInput(valid).options.isDrill).toBe(false);
    });

    it('uses the default correlation id only when metadata has none', () => {
      const filled = parseOrchestrationInput(valid, { defaultCorrelationId: 'exec-1' });
      const kept = parseOrchestrationInput(
        { ...valid, metadata: { correlationId: 'mine' } },
        { defaultCorrelationId: 'exec-1' },
      );

      expect(filled.metadata.correlationId).toBe('exec-1');
      expect(kept.metadata.correlationId).toBe('mine');
    });

    it('passes unknown metadata keys through unchanged', () => {
      const metadata = { ticketId: 'INC1', wave1Instances: [{ id: 1 }], nested: { deep: true } };

      const parsed = parseOrchestrationInput({ ...valid, metadata });

      expect(parsed.metadata).toEqual(metadata);
    });

    it('does not modify the caller object', () => {
      const raw = { action: 'drill', tags: { a: 'b' } };
      const before = JSON.stringify(raw);

      parseOrchestrationInput(raw);

      expect(JSON.stringify(raw)).toBe(before);
    });
  });

  describe('bad input', () => {
    it('names the field, the bound and the value for an out-of-range option', () => {
      const err = problemsOf({ ...valid, options: { maxWaitMinutes: 2000 } });

      expect(err.name).toBe(ErrorNames.ValidationError);
      expect(err.problems).toEqual([
        { pointer: '/options/maxWaitMinutes', message: 'must be <= 1440, got 2000' },
      ]);
      expect(err.message).toBe('invalid input: /options/maxWaitMinutes must be <= 1440, got 2000');
    });

    it('takes parallelism up to any quota, or "max" (the quota is checked per account at run time)', () => {
      expect(parseOrchestrationInput({ ...valid, options: { parallelism: 'max' } }).options.parallelism).toBe(
        'max',
      );
      expect(parseOrchestrationInput({ ...valid, options: { parallelism: 500 } }).options.parallelism).toBe(
        500,
      );
      expect(parseOrchestrationInput(valid).options.parallelism).toBe(50);
    });

    it.each([
      ['zero', 0],
      ['a fraction', 2.5],
      ['another word', 'fast'],
      ['a numeric string', '50'],
    ])('refuses parallelism %s with one problem saying what it may be', (_name, value) => {
      const err = problemsOf({ ...valid, options: { parallelism: value } });

      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]?.pointer).toBe('/options/parallelism');
      expect(err.problems[0]?.message).toMatch(
        /^must be a whole number from 1 up to the account's all-jobs quota read from Service Quotas .*DRS default 500.*, or "max" for as many as the quotas allow, got /,
      );
    });

    it('reports every problem at once', () => {
      const err = problemsOf({ action: 'drlil', tags: {}, options: { maxWaitMinutes: 0, parallelism: '5' } });

      expect(err.problems.map((p) => p.pointer).sort()).toEqual([
        '/action',
        '/options/maxWaitMinutes',
        '/options/parallelism',
        '/tags',
      ]);
    });

    it('rejects a misspelled option instead of ignoring it, listing the known ones', () => {
      const err = problemsOf({ ...valid, options: { paralelism: 5 } });

      expect(err.problems[0]?.pointer).toBe('/options/paralelism');
      expect(err.problems[0]?.message).toContain('is not a known field');
      expect(err.problems[0]?.message).toContain('parallelism');
    });

    it('rejects unknown top-level fields', () => {
      expect(problemsOf({ ...valid, tag: { a: 'b' } }).problems[0]?.pointer).toBe('/tag');
    });

    it.each([
      ['missing action', { tags: { a: 'b' } }, '/action', 'is required'],
      ['missing tags', { action: 'status' }, '/tags', 'is required'],
      ['empty tags', { action: 'status', tags: {} }, '/tags', 'must have at least 1 entry'],
      ['non-string tag value', { action: 'status', tags: { a: 1 } }, '/tags/a', 'must be string'],
      ['too long tag value', { action: 'status', tags: { a: 'x'.repeat(257) } }, '/tags/a', 'at most 256'],
      [
        'too long tag key',
        { action: 'status', tags: { ['k'.repeat(129)]: 'v' } },
        `/tags/${'k'.repeat(129)}`,
        '128',
      ],
      [
        'reserved aws: key',
        { action: 'status', tags: { 'aws:cloudformation': 'v' } },
        '/tags/aws:cloudformation',
        'aws:',
      ],
      [
        'maxWaitMinutes above 1440',
        { ...valid, options: { maxWaitMinutes: 1441 } },
        '/options/maxWaitMinutes',
        '<= 1440',
      ],
      [
        'fractional maxWaitMinutes',
        { ...valid, options: { maxWaitMinutes: 1.5 } },
        '/options/maxWaitMinutes',
        'integer',
      ],
      [
        'parallelism below 1',
        { ...valid, options: { parallelism: 0 } },
        '/options/parallelism',
        'from 1 up to',
      ],
      [
        'threshold above 1',
        { ...valid, options: { nextPhaseThreshold: 1.2 } },
        '/options/nextPhaseThreshold',
        '<= 1',
      ],
      [
        'bad snapshot id',
        { ...valid, options: { pointInTimeSnapshot: 'snap-1' } },
        '/options/pointInTimeSnapshot',
        'pit-',
      ],
      [
        'non-SNS notification ARN',
        { ...valid, options: { notificationArn: 'arn:aws:sqs:us-east-1:123456789012:q' } },
        '/options/notificationArn',
        'SNS topic ARN',
      ],
      [
        'non-boolean isDrill',
        { ...valid, options: { isDrill: 'yes' } },
        '/options/isDrill',
        'must be boolean',
      ],
      [
        'non-string correlation id',
        { ...valid, metadata: { correlationId: 7 } },
        '/metadata/correlationId',
        'must be string',
      ],
      [
        'correlation id unusable as a tag value',
        { ...valid, metadata: { correlationId: 'a\nb' } },
        '/metadata/correlationId',
        'tag',
      ],
      ['metadata not an object', { ...valid, metadata: [] }, '/metadata', 'must be object'],
    ])('rejects %s naming %s', (_case, raw, pointer, fragment) => {
      const err = problemsOf(raw);

      const problem = err.problems.find((p) => p.pointer === pointer);
      expect(problem, JSON.stringify(err.problems)).toBeDefined();
      expect(problem?.message).toContain(fragment);
    });

    it.each([
      ['an array', []],
      ['null', null],
      ['a string', 'drill'],
      ['a number', 42],
      ['undefined', undefined],
    ])('rejects %s as the whole input', (_case, raw) => {
      const err = problemsOf(raw);

      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]?.pointer).toBe('');
    });

    it('rejects a 1 MiB string by size before looking inside', () => {
      const err = problemsOf({
        action: 'status',
        tags: { a: 'b' },
        metadata: { note: 'x'.repeat(1024 * 1024) },
      });

      expect(err.problems).toEqual([
        { pointer: '', message: expect.stringContaining('at most 262144 bytes') },
      ]);
    });

    it('rejects deeply nested junk without a stack overflow', () => {
      let junk: unknown = {};
      for (let i = 0; i < 100_000; i++) junk = { j: junk };

      const err = problemsOf({ ...valid, metadata: { junk } });

      expect(err.problems[0]?.pointer).toBe('');
    });

    it('rejects values JSON cannot hold', () => {
      const cyclic: Record<string, unknown> = { action: 'status', tags: { a: 'b' } };
      cyclic.self = cyclic;

      expect(problemsOf(cyclic).problems[0]?.message).toContain('not serializable');
      expect(problemsOf({ ...valid, big: 10n }).problems[0]?.pointer).toBe('');
    });

    it('caps the number of problems listed and says how many were left out', () => {
      const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`aws:k${i}`, 'v']));

      const err = problemsOf({ action: 'status', tags });

      expect(err.problems.length).toBeLessThanOrEqual(26);
      expect(err.problems.at(-1)?.message).toMatch(/^and \d+ more problem/);
    });
  });
});
