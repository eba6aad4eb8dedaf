/**
 * Runbook steps end to end: the real CLI, the real waves ASL driving each step through the
 * run-step task and its service integrations, the embedded emulator in virtual time.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.js';
import { main } from '../../src/cli/main.js';
import { Capture } from '../unit/cli/fakes.js';

/** Runs `drs-orch <args>` without a terminal in a fresh folder holding `runbook.yaml`. */
async function runRunbookCli(
  yaml: string,
  args: string[],
  files: Record<string, string> = {},
): Promise<{ dir: string; code: number; output: Record<string, unknown>; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-steps-'));
  await writeFile(join(dir, 'runbook.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['runbook', 'runbook.yaml', ...args], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    isTTY: false,
    cwd: dir,
  });
  const text = stdout.text.trim();
  return {
    dir,
    code,
    output: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    stderr: stderr.text,
  };
}

type StepRecord = {
  name: string;
  kind: string;
  status: string;
  phase: string;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  attempts: unknown[];
  result?: Record<string, unknown>;
};

function stepsOf(output: Record<string, unknown>, wave: string): StepRecord[] {
  return ((output.waves as Record<string, { steps?: StepRecord[] }>)[wave]?.steps ?? []) as StepRecord[];
}

const WAIT_AND_MANUAL = `
name: steps in virtual time
action: drill
waves:
  - name: databases
    tags: { DR-Wave: "1", DR-Application: HRP, DR-Role: DBServer }
    after:
      - { name: settle, kind: wait, minutes: 5 }
  - name: cutover
    steps:
      - { name: confirm, kind: manual, instructions: "check the databases answer" }
      - { name: settle-more, kind: wait, minutes: 2 }
`;

describe('Runbook steps: the service failover example on the demo fleet', () => {
  it('runs every step of examples/service-failover-runbook.yaml with its times and result', async () => {
    const yaml = await readFile(join(REPO_ROOT, 'examples', 'service-failover-runbook.yaml'), 'utf8');
    const run = await runRunbookCli(yaml, ['--approve', 'all']);
    expect(run.code).toBe(0);
    expect(run.output.status).toBe('success');
    const steps = ['wave1', 'wave2', 'wave3'].flatMap((w) => stepsOf(run.output, w));
    expect(steps.map((s) => `${s.phase}/${s.name}:${s.kind}:${s.status}`)).toEqual([
      'after/db-smoke-test:ssm-command:succeeded',
      'steps/dns-cutover:dns:succeeded',
      'steps/app-healthy:wait:succeeded',
    ]);
    // The demo's health check turns healthy 90 virtual seconds after it is first asked.
    expect(steps[2]).toMatchObject({
      durationSeconds: 90,
      result: { healthCheckId: 'hc-hrp-app', checkers: 8, healthy: 8 },
    });
    expect(steps[1]?.result).toMatchObject({
      hostedZoneId: 'Z0DEMOHRP00001',
      savedAs: '/drs-orchestration/dns-changes/hrp-app',
    });
    for (const s of steps) expect(s.attempts).toHaveLength(1);
    // The recovered databases live in the staging accounts: one command in each, as its step role.
    const smoke = steps[0]?.result as {
      commands?: { accountId?: string; commandId: string }[];
      instances: { accountId?: string; status: string }[];
    };
    // The demo's wave-1 databases are recovered in 111111111111 (one) and 333333333333 (three).
    expect(smoke.commands?.map((c) => c.accountId)).toEqual(['111111111111', '333333333333']);
    expect(smoke.instances.map((i) => i.accountId).sort()).toEqual([
      '111111111111',
      '333333333333',
      '333333333333',
      '333333333333',
    ]);
    // The evidence report's step log has every step of its wave with its times and what it did,
    // in the model (report.json's waves[].steps), not as loose notes.
    const folder = join(run.dir, '.drs-orch/reports');
    const [file] = (await readdir(folder)).filter((n) => n.endsWith('.json'));
    const report = JSON.parse(await readFile(join(folder, file ?? ''), 'utf8')) as {
      notes: { time: string; text: string }[];
      waves: {
        number: number;
        steps: { time: string; endTime?: string; step: string; status: string; detail?: string }[];
      }[];
    };
    expect(report.notes.filter((n) => n.text.startsWith('step '))).toEqual([]);
    const logged = report.waves.flatMap((w) =>
      w.steps.filter((e) => /^(ssm-command|dns|wait) /.test(e.step)).map((e) => ({ wave: w.number, ...e })),
    );
    expect(logged.map((e) => `${e.wave} ${e.step} ${e.status}`)).toEqual([
      '1 ssm-command db-smoke-test succeeded',
      '3 dns dns-cutover succeeded',
      '3 wait app-healthy succeeded',
    ]);
    expect(logged[0]?.detail).toMatch(/^command .*: 4 of 4 instances Success$/);
    expect(logged[1]?.detail).toMatch(
      /^app\.hrp\.example\.com\. A in Z0DEMOHRP00001 \(\/change\/\w+ INSYNC\)$/,
    );
    expect(logged[2]?.detail).toBe('health check hc-hrp-app: 8 of 8 checkers healthy');
    expect(logged.map((e) => e.time)).toEqual(steps.map((s) => s.startedAt));
    expect(logged.map((e) => e.endTime)).toEqual(steps.map((s) => s.endedAt));
  }, 180_000);
});

describe('Runbook steps: wait and manual', () => {
  it('runs after steps once the launches are ready and a wave of steps only, each with times and result', async () => {
    const run = await runRunbookCli(WAIT_AND_MANUAL, ['--approve', 'all']);
    expect(run.code).toBe(0);
    expect(run.output.status).toBe('success');
    const [settle] = stepsOf(run.output, 'wave1');
    expect(settle).toMatchObject({
      name: 'settle',
      kind: 'wait',
      phase: 'after',
      status: 'succeeded',
      durationSeconds: 300,
      result: { waitedMinutes: 5 },
    });
    expect(Date.parse(settle?.endedAt ?? '') - Date.parse(settle?.startedAt ?? '')).toBe(300_000);
    const cutover = stepsOf(run.output, 'wave2');
    expect(cutover.map((s) => `${s.name}:${s.status}`)).toEqual([
      'confirm:succeeded',
      'settle-more:succeeded',
    ]);
    // The manual step's record is the decision: who approved it and why.
    expect(cutover[0]?.result).toMatchObject({ approved: true, comment: 'pre-approved with --approve' });
    expect(run.stderr).toContain('step confirm (wave 2 cutover, drill): approved by');
  }, 180_000);

  it('asks for a manual step by its name without a terminal, and --approve STEP answers it', async () => {
    const ONLY_MANUAL = `
action: drill
waves:
  - name: cutover
    steps:
      - { name: confirm, kind: manual, instructions: "check the databases answer" }
`;
    const refused = await runRunbookCli(ONLY_MANUAL, []);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('"confirm"');
    const named = await runRunbookCli(ONLY_MANUAL, ['--approve', 'confirm']);
    expect(named.code).toBe(0);
    expect(stepsOf(named.output, 'wave1')[0]?.status).toBe('succeeded');
  });
});
