import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionApplies, parseOrchestrationInput, ValidationError } from '../../../src/contract/index.js';

const actions = ['failover', 'failback', 'drill', 'terminate', 'status'];

/** Inputs near the valid region, so the property also exercises acceptance, not only rejection. */
const nearlyValid = fc.record(
  {
    action: fc.oneof(fc.constantFrom(...actions), fc.string(), fc.jsonValue()),
    tags: fc.oneof(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 20 }), {
        minKeys: 1,
        maxKeys: 4,
      }),
      fc.jsonValue(),
    ),
    options: fc.oneof(
      fc.record(
        {
          isDrill: fc.oneof(fc.boolean(), fc.jsonValue()),
          maxWaitMinutes: fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double()),
          parallelism: fc.oneof(fc.integer({ min: -5, max: 600 }), fc.constant('max'), fc.jsonValue()),
          continueOnFailure: fc.boolean(),
          nextPhaseThreshold: fc.double({ min: -1, max: 2, noNaN: true }),
          pointInTimeSnapshot: fc.oneof(fc.stringMatching(/^pit-[0-9a-zA-Z]{17}$/), fc.string()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    metadata: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.jsonValue()),
    stray: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** Inputs inside the valid region, with optional fields present or not. */
const valid = fc.record(
  {
    action: fc.constantFrom(...actions),
    tags: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.string({ maxLength: 20 }), {
      minKeys: 1,
      maxKeys: 4,
    }),
    options: fc.record(
      {
        isDrill: fc.boolean(),
        maxWaitMinutes: fc.integer({ min: 1, max: 1440 }),
        parallelism: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant('max' as const)),
        continueOnFailure: fc.boolean(),
        nextPhaseThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { requiredKeys: [] },
    ),
    metadata: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  },
  { requiredKeys: ['action', 'tags'] },
);

describe('Function: parseOrchestrationInput (property)', () => {
  it('accepts-and-revalidates or rejects with pointed problems, for 10,000 arbitrary JSON values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearlyValid, valid), (raw) => {
        let parsed: ReturnType<typeof parseOrchestrationInput> | undefined;
        try {
          parsed = parseOrchestrationInput(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          const problems = (err as ValidationError).problems;
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) {
            expect(problem.pointer === '' || problem.pointer.startsWith('/')).toBe(true);
            expect(problem.message.length).toBeGreaterThan(0);
          }
          return;
        }
        accepted++;
        // The parsed form, with the defaults of options that mean nothing for its action left
        // out, is itself a valid input, and parsing it again changes nothing.
        const options = Object.fromEntries(
          Object.entries(parsed.options).filter(([name]) => optionApplies(name, parsed.action)),
        );
        expect(parseOrchestrationInput({ ...parsed, options })).toEqual(parsed);
      }),
      { numRuns: 10_000 },
    );
    // Guard against a generator that never reaches the valid region (the property would be vacuous).
    expect(accepted).toBeGreaterThan(50);
  });
});
