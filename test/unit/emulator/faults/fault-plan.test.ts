/**
 * A malformed fault plan is refused whole, with a FaultPlanError naming each bad field, its
 * value and what is expected (schemas/fault-plan.schema.json plus the rules a schema cannot say);
 * the plan in force stays.
 */
import { describe, expect, it } from 'vitest';
import { FaultEngine, FaultPlanError, faultPlanProblems } from '../../../../src/emulator/faults.js';

const S1 = 's-10000000000000001';

describe('fault plan validation', () => {
  it.each([
    ['a plan that is not an object', [], 'fault plan [] is invalid; expected a JSON object'],
    ['a plan that is null', null, 'fault plan null is invalid; expected a JSON object'],
    [
      'an unknown member (a typo)',
      { throtle: [] },
      'throtle is not a fault plan member; expected one of seed, throttle, errors, latency, assumeRoleDenied, stagingUnreachable, launchFailures, stuckJobs, stalledReplication, siteOutages, impairedInstances, launchActionFailures, stepFailures',
    ],
    [
      'a list given as a string',
      { launchFailures: S1 },
      `launchFailures "${S1}" is invalid; expected a list`,
    ],
    ['a seed that is not an integer', { seed: 'x' }, 'seed "x" is invalid; expected an integer'],
    [
      'an unknown service',
      { throttle: [{ service: 'dsr', probability: 1 }] },
      'throttle[0].service "dsr" is invalid; expected one of drs, states, ssm, sns, s3, sts, servicequotas, ec2',
    ],
    ['a rule without a service', { latency: [{ ms: 5 }] }, 'latency[0].service is missing'],
    [
      'a throttle rule without probability',
      { throttle: [{ service: 'drs' }] },
      'throttle[0].probability is missing',
    ],
    [
      'a probability above 1',
      { throttle: [{ service: 'drs', probability: 1.5 }] },
      'throttle[0].probability 1.5 is invalid; expected at most 1',
    ],
    [
      'a negative probability',
      { errors: [{ service: 'drs', probability: -0.1 }] },
      'errors[0].probability -0.1 is invalid; expected at least 0',
    ],
    [
      'a negative Retry-After',
      { throttle: [{ service: 'drs', probability: 1, retryAfterSeconds: -1 }] },
      'throttle[0].retryAfterSeconds -1 is invalid; expected at least 0',
    ],
    [
      'a status that is not a 5xx the services answer',
      { errors: [{ service: 'drs', status: 418 }] },
      'errors[0].status 418 is invalid; expected one of 500, 502, 503, 504',
    ],
    [
      'a negative afterCalls',
      { errors: [{ service: 'drs', afterCalls: -2, count: 1 }] },
      'errors[0].afterCalls -2 is invalid; expected at least 0',
    ],
    [
      'a burst of zero calls',
      { errors: [{ service: 'drs', count: 0 }] },
      'errors[0].count 0 is invalid; expected at least 1',
    ],
    [
      'afterCalls without count',
      { errors: [{ service: 'drs', afterCalls: 3 }] },
      'errors[0].afterCalls needs count; a burst is afterCalls good calls then count failures',
    ],
    [
      'both probability and count',
      { errors: [{ service: 'drs', probability: 0.5, count: 2 }] },
      'errors[0] gives both probability and count; expected one: a chance per call or a burst',
    ],
    [
      'a negative latency',
      { latency: [{ service: 'drs', ms: -5 }] },
      'latency[0].ms -5 is invalid; expected at least 0',
    ],
    [
      'a latency over a minute',
      { latency: [{ service: 'drs', ms: 120_000 }] },
      'latency[0].ms 120000 is invalid; expected at most 60000',
    ],
    [
      'a rule member that does not exist',
      { latency: [{ service: 'drs', ms: 1, delay: 5 }] },
      'latency[0].delay is not a fault plan member; expected one of service, operation, accountId, ms',
    ],
    [
      'an account id that is not 12 digits',
      { assumeRoleDenied: ['2222'] },
      'assumeRoleDenied[0] "2222" is invalid; expected a 12-digit account id',
    ],
    [
      'a source server id that is not one',
      { stuckJobs: ['web-01'] },
      'stuckJobs[0] "web-01" is invalid; expected a source server id (s- and 17 letters or digits)',
    ],
    [
      'an impaired instance that is neither an instance nor a server',
      { impairedInstances: ['vol-0123'] },
      'impairedInstances[0] "vol-0123" is invalid; expected a recovery instance id (i-...) or a source server id (s-...)',
    ],
    [
      'a stall time that is not ISO-8601',
      { stalledReplication: [{ sourceServerID: S1, at: 'yesterday' }] },
      'stalledReplication[0].at "yesterday" is not an ISO-8601 time with a zone (e.g. 2025-01-06T09:00:00Z)',
    ],
    [
      'a stall time given as a number (negative ms)',
      { stalledReplication: [{ sourceServerID: S1, at: -60_000 }] },
      'stalledReplication[0].at -60000 is invalid; expected a string',
    ],
    [
      'an outage that selects no servers',
      { siteOutages: [{ at: '2025-01-06T09:00:00Z' }] },
      'siteOutages[0] selects no servers; expected sourceServerIDs, tags or accountId',
    ],
    [
      'an outage selecting an empty list of servers',
      { siteOutages: [{ sourceServerIDs: [] }] },
      'siteOutages[0].sourceServerIDs [] is invalid; expected at least 1 item',
    ],
    [
      'an outage selecting by non-string tag values',
      { siteOutages: [{ tags: { 'DR-Wave': 1 } }] },
      'siteOutages[0].tags.DR-Wave 1 is invalid; expected a string',
    ],
    [
      'a launch action failure without its server',
      { launchActionFailures: [{ actionId: '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b' }] },
      'launchActionFailures[0].sourceServerID is missing',
    ],
    [
      'a launch action failure naming an action id that is not a UUID',
      { launchActionFailures: [{ sourceServerID: S1, actionId: 'smoke' }] },
      'launchActionFailures[0].actionId "smoke" is invalid; expected a post-launch action id (a UUID, as PutLaunchAction takes); absent = every action of the server',
    ],
  ])('refuses %s', (_case, plan, problem) => {
    expect(faultPlanProblems(plan)).toEqual([problem]);
    expect(() => new FaultEngine(plan as never)).toThrow(FaultPlanError);
  });

  it('lists every problem of a plan at once', () => {
    const problems = faultPlanProblems({
      throttle: [{ service: 'drs', probability: 2 }],
      latency: [{ service: 'drs', ms: -1 }],
    });

    expect(problems).toHaveLength(2);
  });

  it('accepts every documented member in its documented form', () => {
    const plan = {
      seed: 7,
      throttle: [
        {
          service: 'drs',
          operation: 'DescribeJobs',
          accountId: '111111111111',
          probability: 0.5,
          retryAfterSeconds: 2,
        },
      ],
      errors: [
        { service: 'sts', status: 503, afterCalls: 2, count: 3 },
        { service: 'ssm', probability: 0.1 },
      ],
      latency: [{ service: 'drs', ms: 5 }],
      assumeRoleDenied: ['222222222222'],
      launchFailures: [S1],
      stuckJobs: [S1],
      stalledReplication: [{ sourceServerID: S1, at: '2025-01-06T09:00:00Z' }],
      siteOutages: [{ tags: { 'DR-Application': 'HRP' }, at: '2025-01-06T09:00:00.000+02:00' }],
      impairedInstances: ['i-0123456789abcdef0', S1],
      launchActionFailures: [
        { sourceServerID: S1, actionId: '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b', reason: 'exit code 1' },
      ],
    };

    expect(faultPlanProblems(plan)).toEqual([]);
  });

  it('keeps the plan in force when a new one is refused', () => {
    const engine = new FaultEngine({ launchFailures: [S1] });

    expect(() => engine.set({ launchFailures: [S1], latency: [{ service: 'drs', ms: -1 }] })).toThrow(
      /latency\[0\]\.ms -1 is invalid/,
    );
    expect(engine.plan).toEqual({ launchFailures: [S1] });
    expect(engine.isLaunchFailure(S1)).toBe(true);
  });
});
