import { describe, expect, it } from 'vitest';
import { parseRunbook, runbookSteps, ValidationError, wavesInput } from '../../../src/contract/index.js';

function problems(raw: unknown): string[] {
  try {
    parseRunbook(raw);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => `${p.pointer} ${p.message}`);
    throw err;
  }
  return [];
}

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:drs-approvals';

/** The service recovery: every step kind, before, after and as a wave of its own. */
const service = {
  name: 'HRP service failover',
  action: 'drill',
  approval: { topicArn: TOPIC, timeoutSeconds: 1800 },
  waves: [
    {
      name: 'databases',
      tags: { 'DR-Wave': '1' },
      before: [{ name: 'freeze-batch', kind: 'lambda', function: 'hrp-freeze', payload: { mode: 'drill' } }],
      after: [
        {
          name: 'db-smoke-test',
          kind: 'ssm-command',
          document: 'AWS-RunShellScript',
          parameters: { commands: ['pg_isready'] },
          retries: 2,
        },
      ],
    },
    {
      name: 'application',
      tags: { 'DR-Wave': '2' },
      approval: true,
      after: [
        {
          name: 'warm-caches',
          kind: 'ssm-automation',
          document: 'HRP-WarmCaches',
          instancesParameter: 'InstanceIds',
          continueOnFailure: true,
        },
      ],
    },
    {
      name: 'cutover',
      steps: [
        {
          name: 'confirm-cutover',
          kind: 'manual',
          instructions: 'Check the application answers on its private IPs.',
        },
        {
          name: 'dns',
          kind: 'dns',
          hostedZoneId: 'Z0HRPEXAMPLE',
          fromWave: 'application',
          saveAs: 'hrp-app',
          records: [{ name: 'app.hrp.example.com', type: 'A', setIdentifier: 'dr', weight: 100 }],
        },
        { name: 'app-healthy', kind: 'wait', healthCheckId: 'hc-hrp-app', timeoutSeconds: 900 },
        { name: 'settle', kind: 'wait', minutes: 5 },
      ],
    },
  ],
};

describe('runbook steps', () => {
  it('accepts every step kind before, after and as a wave of its own, and lists them in run order', () => {
    expect(problems(service)).toEqual([]);
    expect(runbookSteps(parseRunbook(service)).map((s) => `${s.wave}/${s.name}:${s.kind}`)).toEqual([
      'databases/freeze-batch:lambda',
      'databases/db-smoke-test:ssm-command',
      'application/warm-caches:ssm-automation',
      'cutover/confirm-cutover:manual',
      'cutover/dns:dns',
      'cutover/app-healthy:wait',
      'cutover/settle:wait',
    ]);
  });

  it('resolves every default and the wave whose recovered instances each step uses', () => {
    const input = wavesInput(parseRunbook(service));
    const [db, app, cutover] = input.waves;
    expect(db?.launch).toBe(true);
    expect(cutover?.launch).toBe(false);
    expect(cutover?.tags).toEqual({});
    // Only the waves whose instances a step uses keep them in the workflow's state.
    expect(input.waves.map((w) => w.keepInstances)).toEqual([true, true, false]);
    const smoke = db?.after[0];
    expect(smoke).toMatchObject({
      wave: 'databases',
      phase: 'after',
      instancesFrom: 'databases',
      timeoutSeconds: 3600,
      retries: 2,
      retryIntervalSeconds: 30,
      continueOnFailure: false,
      pollSeconds: 15,
    });
    // A lambda step without fromWave uses no instances.
    expect(db?.before[0]?.instancesFrom).toBeUndefined();
    expect(app?.after[0]).toMatchObject({ instancesFrom: 'application', continueOnFailure: true });
    const [manual, dns, healthy, settle] = cutover?.before ?? [];
    // A manual step waits as long as a wave's approval; it is never retried.
    expect(manual).toMatchObject({ phase: 'steps', timeoutSeconds: 1800, retries: 0 });
    expect(dns).toMatchObject({ instancesFrom: 'application', records: [{ ttl: 60 }] });
    expect(healthy?.timeoutSeconds).toBe(900);
    expect(settle?.timeoutSeconds).toBe(5 * 60 + 60);
  });

  it('reports every step problem at once, each at the field that has it', () => {
    const bad = {
      action: 'drill',
      waves: [
        {
          name: 'db',
          tags: { 'DR-Wave': '1' },
          before: [{ name: 'check', kind: 'ssm-command', parameters: {} }],
          after: [
            { name: 'smoke', kind: 'ssm-command', document: 'AWS-RunShellScript', function: 'x' },
            { name: 'Smoke', kind: 'wait', minutes: 5, healthCheckId: 'hc' },
          ],
        },
        {
          name: 'cut',
          tags: { 'DR-Wave': '2' },
          steps: [
            { name: 'ask', kind: 'manual' },
            {
              name: 'dns',
              kind: 'dns',
              hostedZoneId: 'Z1',
              fromWave: 'later',
              records: [
                { name: 'a.example.com', type: 'A', weight: 10 },
                { name: 'b.example.com', type: 'CNAME', values: ['x', 'y'] },
              ],
            },
            { name: 'nap', kind: 'wait' },
          ],
        },
        { name: 'empty' },
        { name: 'later', tags: { 'DR-Wave': '3' } },
      ],
    };
    expect(problems(bad)).toEqual([
      '/waves/0/before/0/document is required for a ssm-command step (the SSM document to run)',
      '/waves/0/before/0 uses recovered instances but no wave launches before it; put it in after of a launch wave, or name one with fromWave',
      '/waves/0/after/0/function is not used by a ssm-command step; expected one of document, documentVersion, parameters, fromWave, pollSeconds',
      '/waves/0/after/1/name must be unique among the steps, got "Smoke" again (/waves/0/after/0 has it)',
      '/waves/0/after/1/healthCheckId cannot be given with minutes; a wait step waits for one or the other',
      '/waves/1/tags is not allowed in a wave of steps only (it has steps); move the steps into before or after of a launch wave, or drop tags',
      '/waves/1/steps/0/instructions is required for a manual step (what the operator must do before approving)',
      '/waves/1/steps/1/records/0/setIdentifier is required for a weighted or failover record',
      '/waves/1/steps/1/records/1/values must hold exactly one value for a CNAME record (the name it points to)',
      '/waves/1/steps/1/fromWave must name an earlier launch wave (or the step\'s own wave in after), got "later"; expected one of db',
      '/waves/1/steps/2/minutes is required for a wait step, or healthCheckId (wait until healthy)',
      '/waves/2 must have tags (a launch wave) or steps (a wave of steps only)',
    ]);
  });

  it('reports a bad kind or field value through the schema, with the step problems beside it', () => {
    const bad = {
      action: 'drill',
      waves: [
        {
          name: 'db',
          tags: { 'DR-Wave': '1' },
          after: [
            { name: 'x', kind: 'ssm-comand', document: 'd' },
            { name: 'y', kind: 'wait', minutes: 0 },
            { name: 'z', kind: 'lambda', function: 'f', retries: 11 },
          ],
        },
      ],
    };
    const found = problems(bad);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(
      /^\/waves\/0\/after\/0\/kind must be one of ssm-automation, ssm-command, lambda, dns, wait, manual/,
    );
    expect(found[1]).toMatch(/^\/waves\/0\/after\/1\/minutes /);
    expect(found[2]).toMatch(/^\/waves\/0\/after\/2\/retries /);
  });

  it('a dns restore step takes only its key: the zone and records come from what the failover kept', () => {
    const restore = (extra: Record<string, unknown>) => ({
      action: 'failback',
      waves: [
        { name: 'dns-back', steps: [{ name: 'restore-dns', kind: 'dns', restore: 'hrp-app', ...extra }] },
      ],
    });
    expect(problems(restore({}))).toEqual([]);
    expect(problems(restore({ hostedZoneId: 'Z1' }))).toEqual([
      '/waves/0/steps/0/hostedZoneId cannot be given with restore; a restore step writes back what was saved',
    ]);
    expect(wavesInput(parseRunbook(restore({}))).waves[0]?.before[0]?.instancesFrom).toBeUndefined();
  });

  it('asks for an approval topic when a manual step is the only approval', () => {
    const untopical = parseRunbook({
      action: 'drill',
      waves: [{ name: 'ask', steps: [{ name: 'go', kind: 'manual', instructions: 'say go' }] }],
    });
    expect(() => wavesInput(untopical)).toThrow(
      '/approval/topicArn is required when a wave asks for approval',
    );
    expect(wavesInput(untopical, { topicArn: TOPIC }).waves[0]?.before[0]?.topicArn).toBe(TOPIC);
    const rb = parseRunbook({
      action: 'drill',
      approval: { topicArn: TOPIC },
      waves: [{ name: 'ask', steps: [{ name: 'go', kind: 'manual', instructions: 'say go' }] }],
    });
    expect(wavesInput(rb).approval).toEqual({ topicArn: TOPIC, timeoutSeconds: 3600 });
  });
});
