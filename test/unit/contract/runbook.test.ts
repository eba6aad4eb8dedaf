import { describe, expect, it } from 'vitest';
import { parseRunbook, ValidationError, wavesInput } from '../../../src/contract/index.js';

function problems(raw: unknown): string[] {
  try {
    parseRunbook(raw);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => `${p.pointer} ${p.message}`);
    throw err;
  }
  return [];
}

const valid = {
  action: 'drill',
  options: { parallelism: 20 },
  waves: [
    { name: 'db', tags: { 'DR-Wave': '1' }, rtoTargetMinutes: 30 },
    { name: 'app', tags: { 'DR-Wave': '2' }, approval: true, options: { continueOnFailure: true } },
  ],
};

describe('parseRunbook', () => {
  it('applies defaults: approval false per wave, a one-hour approval timeout', () => {
    const rb = parseRunbook(valid);
    expect(rb.waves.map((w) => w.approval)).toEqual([false, true]);
    expect(rb.approval.timeoutSeconds).toBe(3600);
  });

  it('reports a wave option as the orchestration contract sees it, at the wave that wrote it', () => {
    const bad = structuredClone(valid) as typeof valid & { waves: { options?: Record<string, unknown> }[] };
    (bad.waves[1] as { options: Record<string, unknown> }).options = { parallelism: 0 };
    expect(problems(bad)).toHaveLength(1);
    expect(problems(bad)[0]).toMatch(
      /^\/waves\/1\/options\/parallelism must be a whole number from 1 .*got 0$/,
    );
  });

  it('reports a runbook-wide option once, not once per wave', () => {
    expect(problems({ ...valid, options: { paralelism: 5 } })).toHaveLength(1);
    expect(problems({ ...valid, options: { paralelism: 5 } })[0]).toMatch(
      /^\/options\/paralelism is not a known field/,
    );
  });

  it('refuses unknown fields, duplicate wave names, no waves and an unknown action, naming each', () => {
    expect(problems({ ...valid, wave: [] })).toContain(
      '/wave is not a known field (expected one of: name, description, action, options, metadata, approval, waves)',
    );
    expect(problems({ ...valid, waves: [valid.waves[0], { ...valid.waves[0], name: 'DB' }] })).toEqual([
      '/waves/1/name must be unique, got "DB" again (wave 1 has it)',
    ]);
    expect(problems({ ...valid, waves: [] })[0]).toMatch(
      /^\/waves must NOT have fewer than 1 items|^\/waves /,
    );
    expect(problems({ ...valid, action: 'dril' })[0]).toMatch(
      /^\/action must be one of failover, failback, drill/,
    );
    expect(problems({ ...valid, waves: [{ name: 'x', tags: {} }] })[0]).toMatch(/^\/waves\/0\/tags/);
  });

  it('reports option errors together with wave errors, not only once the waves are fixed', () => {
    const found = problems({
      ...valid,
      options: { paralelism: 5 },
      waves: [valid.waves[0], { name: 'app', options: { parallelism: 0 } }],
    });

    expect(found).toHaveLength(3);
    expect(found).toContain('/waves/1 must have tags (a launch wave) or steps (a wave of steps only)');
    expect(found.some((p) => /^\/options\/paralelism is not a known field/.test(p))).toBe(true);
    expect(found.some((p) => /^\/waves\/1\/options\/parallelism must be a whole number/.test(p))).toBe(true);
  });

  it('needs an approval topic only when a wave asks for approval', () => {
    const rb = parseRunbook(valid);
    expect(() => wavesInput(rb)).toThrow(/\/approval\/topicArn is required when a wave asks for approval/);
    const topic = 'arn:aws:sns:us-east-1:123456789012:dr';
    expect(wavesInput(rb, { topicArn: topic }).approval).toEqual({ topicArn: topic, timeoutSeconds: 3600 });
    expect(wavesInput(parseRunbook({ ...valid, waves: [valid.waves[0]] })).approval).toBeUndefined();
  });
});
