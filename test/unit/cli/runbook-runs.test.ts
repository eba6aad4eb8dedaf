import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import type { TargetOptions } from '../../../src/cli/program.js';
import { runbookIdentity, startRunbookRun, targetIdentity } from '../../../src/cli/runbook-runs.js';
import { parseRunbook } from '../../../src/contract/index.js';

const runbook = parseRunbook({
  action: 'failover',
  waves: [
    { name: 'db', tags: { 'DR-Wave': '1' } },
    { name: 'web', tags: { 'DR-Wave': '2' } },
  ],
});

function target(stateFile: string): TargetOptions {
  return { target: 'sim', fleet: 'demo', timeScale: 1, stateFile, reset: false, pollSeconds: 5 };
}

function start(dir: string, executionName: string, explicit?: string) {
  const said: string[] = [];
  const run = startRunbookRun({
    runbook,
    file: 'rb.yaml',
    title: 'rb',
    target: target('sim.json'),
    cwd: dir,
    executionName,
    ...(explicit !== undefined && { explicitCorrelationId: explicit }),
    validate: () => {},
    say: (t) => said.push(t),
  });
  return { run, said };
}

describe('runbook run identity', () => {
  it('is the same for the same content in another key order, and differs for another tag or target', () => {
    const reordered = parseRunbook({
      waves: [
        { tags: { 'DR-Wave': '1' }, name: 'db' },
        { tags: { 'DR-Wave': '2' }, name: 'web' },
      ],
      action: 'failover',
    });
    const changed = parseRunbook({
      action: 'failover',
      waves: [
        { name: 'db', tags: { 'DR-Wave': '1' } },
        { name: 'web', tags: { 'DR-Wave': '3' } },
      ],
    });
    const here = targetIdentity(target('sim.json'), '/a');
    expect(runbookIdentity(reordered, here)).toBe(runbookIdentity(runbook, here));
    expect(runbookIdentity(changed, here)).not.toBe(runbookIdentity(runbook, here));
    expect(runbookIdentity(runbook, targetIdentity(target('sim.json'), '/b'))).not.toBe(
      runbookIdentity(runbook, here),
    );
  });
});

describe('runbook run records', () => {
  it('resumes an unfinished run with its id, and starts a new one after a finished run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-runs-'));
    const first = start(dir, 'exec-1');
    expect(first.run).toMatchObject({ correlationId: 'exec-1', resumed: false });
    first.run.release(); // killed: never finished

    const second = start(dir, 'exec-2');
    expect(second.run).toMatchObject({ correlationId: 'exec-1', resumed: true });
    expect(second.said.join('\n')).toMatch(/resuming the run of .* with its correlation id exec-1/);
    second.run.finish('succeeded, runbook success');
    second.run.release();

    const third = start(dir, 'exec-3');
    expect(third.run).toMatchObject({ correlationId: 'exec-3', resumed: false });
    expect(third.said.join('\n')).toContain('pass --correlation-id exec-1');
    third.run.release();
  });

  it('on Step Functions, names the previous waves execution a resumed run may run beside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-runs-'));
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
    const sfn: TargetOptions = { ...target('sim.json'), target: 'sfn', stateMachineArn: arn };
    const said: string[] = [];
    const begin = (executionName: string) =>
      startRunbookRun({
        runbook,
        file: 'rb.yaml',
        title: 'rb',
        target: sfn,
        cwd: dir,
        executionName,
        validate: () => {},
        say: (t) => said.push(t),
      });
    begin('exec-1').release();

    begin('exec-2').release();

    expect(said.join('\n')).toContain(
      'aws stepfunctions describe-execution --execution-arn arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:exec-1',
    );
  });

  it('lets an explicit --correlation-id win, saying which id the unfinished run had', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-runs-'));
    start(dir, 'exec-1').run.release();

    const explicit = start(dir, 'exec-2', 'ticket-42');

    expect(explicit.run).toMatchObject({ correlationId: 'ticket-42', resumed: false });
    expect(explicit.said.join('\n')).toContain('using --correlation-id ticket-42; the unfinished run of');
    explicit.run.release();
    const [name] = (await readdir(join(dir, 'runbooks'))).filter((n) => n.endsWith('.json'));
    const record = JSON.parse(await readFile(join(dir, 'runbooks', name as string), 'utf8'));
    expect(record).toMatchObject({ correlationId: 'ticket-42', state: 'running' });
  });

  it('refuses a second run of the same runbook while one holds it, and a damaged record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-runs-'));
    const holder = start(dir, 'exec-1');
    expect(() => start(dir, 'exec-2')).toThrow(
      /is in use by drs-orch pid \d+ on .* \(drs-orch runbook rb.yaml/,
    );
    holder.run.release();

    const [name] = await readdir(join(dir, 'runbooks'));
    await writeFile(join(dir, 'runbooks', name as string), '{"state":');
    expect(() => start(dir, 'exec-3')).toThrow(UsageError);
    expect(() => start(dir, 'exec-3')).toThrow(/is damaged .* move it away to start a new run/);
  });
});
