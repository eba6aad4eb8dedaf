/**
 * The issue's service runbook through `drs-orch serve`'s Step Functions (the same waves ASL, its
 * service integrations calling the emulator's SSM, Route 53 and Lambda over the real SDK) with
 * `drs-orch runbook --target sfn`: the DNS cutover moves the zone to the recovered application
 * servers and the failback runbook moves it back; a failing smoke test stops the runbook before
 * the DNS step, or lets it go on when the step says continueOnFailure.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/config.js';
import { main } from '../../../src/cli/main.js';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';
import { Capture } from '../../unit/cli/fakes.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
const ZONE = 'Z0DEMOHRP00001';
const ORIGINAL = ['192.0.2.10', '192.0.2.11'];

let emu: Emulator;
let route53: Route53Client;

beforeAll(async () => {
  emu = await startEmulator({ fleet: 'demo', timeScale: 600, stepFunctions: await loadLocalWorkflows() });
  route53 = new Route53Client({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  await emu?.stop();
});

/** The values of app.hrp.example.com A, as Route 53 answers them. */
async function appRecord(): Promise<string[]> {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE }));
  const set = out.ResourceRecordSets?.find((r) => r.Name === 'app.hrp.example.com.' && r.Type === 'A');
  return (set?.ResourceRecords ?? []).map((r) => r.Value ?? '').sort();
}

type Step = {
  name: string;
  kind: string;
  status: string;
  startedAt: string;
  endedAt: string;
  result?: Record<string, unknown>;
  continued?: boolean;
  attempts: unknown[];
};
type Output = {
  status: string;
  stoppedAtStep?: string;
  reason?: string;
  steps?: Step[];
  waves: Record<string, { name: string; status: string; steps?: Step[] }>;
};

async function runbook(yaml: string): Promise<{ code: number; output: Output; stderr: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-steps-sfn-'));
  await writeFile(join(dir, 'runbook.yaml'), yaml);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(
    [
      'runbook',
      'runbook.yaml',
      '--target',
      'sfn',
      '--endpoint',
      emu.endpoint,
      '--state-machine-arn',
      WAVES,
      '--poll-interval',
      '0.2',
      '--approve',
      'all',
    ],
    {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      isTTY: false,
      cwd: dir,
    },
  );
  if (stdout.text.trim() === '') throw new Error(`no output (exit ${code}): ${stderr.text}`);
  return { code, output: JSON.parse(stdout.text) as Output, stderr: stderr.text, dir };
}

/** The runbook's steps as its evidence report (report.json) logs them: `wave kind name status`. */
async function reportedSteps(dir: string): Promise<string[]> {
  const folder = join(dir, '.drs-orch/reports');
  const [file] = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  const report = JSON.parse(await readFile(join(folder, file ?? ''), 'utf8')) as {
    waves: { number: number; steps: { step: string; status: string }[] }[];
  };
  return report.waves.flatMap((w) =>
    w.steps
      .filter((e) => /^(ssm-command|dns|wait) /.test(e.step))
      .map((e) => `${w.number} ${e.step} ${e.status}`),
  );
}

/** An example runbook, its approvals announced on the demo fleet's topic (sfn has no fleet default). */
const example = async (name: string) =>
  (await readFile(join(REPO_ROOT, 'examples', name), 'utf8')).replace(
    'approval:\n  timeoutSeconds: 3600',
    'approval:\n  topicArn: arn:aws:sns:us-east-1:123456789012:dr-notifications\n  timeoutSeconds: 3600',
  );

describe('drs-orch runbook --target sfn: a service runbook with steps', () => {
  it('runs the example end to end, moves app.hrp.example.com to the recovered application tier, and the failback moves it back', async () => {
    expect(await appRecord()).toEqual(ORIGINAL);
    const failover = await runbook(await example('service-failover-runbook.yaml'));
    expect(failover.code, JSON.stringify(failover.output).slice(0, 3000)).toBe(0);
    expect(failover.output.status).toBe('success');
    const steps = Object.values(failover.output.waves).flatMap((w) => w.steps ?? []);
    expect(steps.map((s) => `${s.name}:${s.kind}:${s.status}`)).toEqual([
      'db-smoke-test:ssm-command:succeeded',
      'dns-cutover:dns:succeeded',
      'app-healthy:wait:succeeded',
    ]);
    for (const s of steps) {
      // The health check may already be healthy (another test asked it first): no time at all.
      expect(Date.parse(s.endedAt)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
      expect(s.result).toBeDefined();
    }
    // The command and the DNS change each took at least one status check.
    expect(steps.slice(0, 2).map((s) => Date.parse(s.endedAt) > Date.parse(s.startedAt))).toEqual([
      true,
      true,
    ]);
    // The smoke test ran on each recovered database server (4 in the demo fleet).
    expect(steps[0]?.result?.instances).toHaveLength(4);
    // The zone now points at the application wave's recovered instances (19), and the step kept the old values.
    const cutover = steps[1]?.result as {
      records: { ResourceRecords: { Value: string }[] }[];
      previous: unknown[];
    };
    const moved = await appRecord();
    expect(moved).toHaveLength(19);
    expect(moved).toEqual(cutover.records[0]?.ResourceRecords.map((r) => r.Value).sort());
    expect(cutover.previous).toEqual([
      {
        Name: 'app.hrp.example.com.',
        Type: 'A',
        TTL: 300,
        ResourceRecords: ORIGINAL.map((Value) => ({ Value })),
      },
    ]);

    const failback = await runbook(await example('service-failback-runbook.yaml'));
    expect(failback.code).toBe(0);
    expect(failback.output.waves.wave1?.steps?.[0]).toMatchObject({
      name: 'restore-dns',
      status: 'succeeded',
    });
    expect(await appRecord()).toEqual(ORIGINAL);
    // Three runbook runs (two with launches) on a shared 2-core machine.
  }, 240_000);

  it('stops before the DNS step when the smoke test fails, or goes on when the step says continueOnFailure', async () => {
    emu.faults.set({
      stepFailures: [
        { target: 'ssm-command', name: 'AWS-RunShellScript', reason: 'pg_isready: no response' },
      ],
    });
    try {
      const stopped = await runbook(await example('service-failover-runbook.yaml'));
      expect(stopped.output.status).toBe('stopped');
      expect(stopped.output.stoppedAtStep).toBe('db-smoke-test');
      expect(stopped.output.reason).toMatch(
        /^step db-smoke-test \(ssm-command\) failed: SsmCommandFailed: command .* failed on 4 of 4 instances/,
      );
      // Both attempts (retries: 1) are in the record; no later wave ran and the zone did not move.
      expect(stopped.output.steps?.[0]?.attempts).toHaveLength(2);
      expect(Object.keys(stopped.output.waves)).toEqual([]);
      expect(await appRecord()).toEqual(ORIGINAL);
      expect(stopped.stderr).toContain('runbook stopped');
      // The evidence report says which: the smoke test failed and no DNS step ran.
      expect(await reportedSteps(stopped.dir)).toEqual(['1 ssm-command db-smoke-test failed']);

      const going = (await example('service-failover-runbook.yaml')).replace(
        'retries: 1',
        'retries: 0\n        continueOnFailure: true',
      );
      const continued = await runbook(going);
      expect(continued.output.status).toBe('partial');
      const steps = Object.values(continued.output.waves).flatMap((w) => w.steps ?? []);
      expect(steps.map((s) => `${s.name}:${s.status}${s.continued ? ' (continued)' : ''}`)).toEqual([
        'db-smoke-test:failed (continued)',
        'dns-cutover:succeeded',
        'app-healthy:succeeded',
      ]);
      expect(await appRecord()).not.toEqual(ORIGINAL);
      // ... or that it failed and the runbook went on to the DNS cutover.
      expect(await reportedSteps(continued.dir)).toEqual([
        '1 ssm-command db-smoke-test failed (continued)',
        '3 dns dns-cutover succeeded',
        '3 wait app-healthy succeeded',
      ]);
    } finally {
      emu.faults.set({});
    }
    // The tests run in any order: the zone is left as it was found.
    await runbook(await example('service-failback-runbook.yaml'));
    expect(await appRecord()).toEqual(ORIGINAL);
  }, 240_000);
});
