/**
 * `States.JsonMerge` returns a new object on AWS and leaves its arguments as they were; the
 * interpreter's is `Object.assign(first, second)`. The localized definition merges into a copy, so
 * defaults merged with one wave are still the defaults for the next (the waves workflow).
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { type AslObject, localizeDefinition } from '../../../src/runtime/index.js';
import { copyMergeTargets } from '../../../src/runtime/localize.js';

/** Two waves merged with the same defaults, as PickWave does once per wave. */
const TWO_MERGES: AslObject = {
  StartAt: 'Pick',
  States: {
    Pick: {
      Type: 'Pass',
      Parameters: {
        'first.$': 'States.JsonMerge($.defaults, $.wave1, false)',
        'second.$': 'States.JsonMerge($.defaults, $.wave2, false)',
        'defaults.$': '$.defaults',
      },
      End: true,
    },
  },
};

const INPUT = {
  defaults: { approval: false, options: {} },
  wave1: { approval: true, name: 'application' },
  wave2: { name: 'web' },
};

describe('States.JsonMerge in the local runtime', () => {
  it('leaves the first argument unchanged: the second wave does not inherit the first wave approval', async () => {
    const local = localizeDefinition(TWO_MERGES, { timeScale: 1 });
    const result = await new StateMachine(local.definition as never).run(structuredClone(INPUT)).result;

    expect(result).toEqual({
      first: { approval: true, options: {}, name: 'application' },
      second: { approval: false, options: {}, name: 'web' },
      defaults: { approval: false, options: {} },
    });
  });

  it('is what the interpreter gets wrong without the copy (the reason for it)', async () => {
    const result = await new StateMachine(TWO_MERGES as never).run(structuredClone(INPUT)).result;
    expect((result as { second: { approval: boolean } }).second.approval).toBe(true);
  });

  it('copies only the first argument, also of merges nested in other intrinsics', () => {
    expect(copyMergeTargets('States.JsonMerge($.a, States.JsonMerge($.b, $.c, false), false)')).toBe(
      'States.JsonMerge(States.StringToJson(States.JsonToString($.a)), States.JsonMerge(States.StringToJson(States.JsonToString($.b)), $.c, false), false)',
    );
    expect(copyMergeTargets("States.Format('{}', $.x)")).toBe("States.Format('{}', $.x)");
  });
});
