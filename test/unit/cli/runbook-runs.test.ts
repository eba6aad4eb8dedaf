import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsBucketName } from '../../../infra/names.js';
import { UsageError } from '../../../src/cli/errors.js';
import type { TargetOptions } from '../../../src/cli/program.js';
import {
  deployedResultsBucket,
  folderRunRecords,
  type RunRecordStore,
  runbookContentDigest,
  runbookIdentity,
  runsFolder,
  startRunbookRun,
} from '../../../src/cli/runbook-runs.js';
import { type ParsedRunbook, parseRunbook } from '../../../src/contract/index.js';

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

/** The records in a folder beside the state file: the store of a world without a results bucket. */
function store(dir: string): RunRecordStore {
  return folderRunRecords(runsFolder(target('sim.json'), dir));
}

function start(
  dir: string,
  executionName: string,
  options: { explicit?: string; book?: ParsedRunbook; newRun?: boolean; file?: string } = {},
) {
  const said: string[] = [];
  const run = startRunbookRun({
    runbook: options.book ?? runbook,
    file: options.file ?? 'rb.yaml',
    target: target('sim.json'),
    cwd: dir,
    store: store(dir),
    newRun: options.newRun === true,
    executionName,
    ...(options.explicit !== undefined && { explicitCorrelationId: options.explicit }),
    validate: () => {},
    say: (t) => said.push(t),
  });
  return { run, said };
}

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'drs-orch-runs-'));
}

describe('runbook run identity', () => {
  it('is the name and action: the same from another folder, for another layout or an edit; the content digest tells an edit', () => {
    const reordered = parseRunbook({
      waves: [
        { tags: { 'DR-Wave': '1' }, name: 'db' },
        { tags: { 'DR-Wave': '2' }, name: 'web' },
      ],
      action: 'failover',
    });
    const edited = parseRunbook({
      action: 'failover',
      waves: [
        { name: 'db', tags: { 'DR-Wave': '1' } },
        { name: 'web', tags: { 'DR-Wave': '3' } },
      ],
    });
    const drill = parseRunbook({ ...edited, action: 'drill' });
    expect(runbookIdentity(runbook, '/a/rb.yaml')).toBe(runbookIdentity(runbook, '../b/rb.yaml'));
    expect(runbookIdentity(reordered, 'rb.yaml')).toBe(runbookIdentity(runbook, 'rb.yaml'));
    expect(runbookIdentity(edited, 'rb.yaml')).toBe(runbookIdentity(runbook, 'rb.yaml'));
    expect(runbookIdentity(drill, 'rb.yaml')).not.toBe(runbookIdentity(runbook, 'rb.yaml'));
    expect(runbookIdentity(runbook, 'other.yaml')).not.toBe(runbookIdentity(runbook, 'rb.yaml'));
    expect(runbookContentDigest(reordered)).toBe(runbookContentDigest(runbook));
    expect(runbookContentDigest(edited)).not.toBe(runbookContentDigest(runbook));
  });
});

describe('where runbook run records live on AWS', () => {
  it("is the deployed stack's results bucket, named as the stack names it", () => {
    expect(deployedResultsBucket('123456789012', 'eu-west-1')).toBe(
      resultsBucketName('123456789012', 'eu-west-1'),
    );
  });
});

describe('runbook run records', () => {
  it('resumes an unfinished run with its id, and refuses to run a finished failover again without --new-run', async () => {
    const dir = await folder();
    const first = await start(dir, 'exec-1').run;
    expect(first).toMatchObject({ correlationId: 'exec-1', resumed: false });
    first.waveStarted(1);
    first.waveEnded(1, 'succeeded');
    await first.flush();
    first.release(); // killed: never finished

    const second = start(dir, 'exec-2');
    const resumed = await second.run;
    expect(resumed).toMatchObject({ correlationId: 'exec-1', resumed: true });
    expect(second.said.join('\n')).toMatch(
      /resuming the run of .* with its correlation id exec-1 \(1 of 2 waves finished: db; run record/,
    );
    await resumed.finish('succeeded, runbook success');
    resumed.release();

    await expect(start(dir, 'exec-3').run).rejects.toThrow(
      /runbook "rb.yaml" \(failover\) already ran to its end: its run with correlation id exec-1 .*nothing was started\. Pass --new-run to start a new failover deliberately, or --correlation-id exec-1/,
    );
    const fresh = start(dir, 'exec-4', { newRun: true });
    const run = await fresh.run;
    expect(run).toMatchObject({ correlationId: 'exec-4', resumed: false });
    expect(fresh.said.join('\n')).toContain(
      '--new-run: starting a new run with correlation id exec-4; the finished run of',
    );
    run.release();
  });

  it('starts a new drill after a finished one, saying how to continue the previous one instead', async () => {
    const dir = await folder();
    const drill = parseRunbook({ ...runbook, action: 'drill' });
    const first = await start(dir, 'exec-1', { book: drill }).run;
    await first.finish('succeeded, runbook success');
    first.release();

    const again = start(dir, 'exec-2', { book: drill });
    expect(await again.run).toMatchObject({ correlationId: 'exec-2', resumed: false });
    expect(again.said.join('\n')).toContain('pass --correlation-id exec-1');
    (await again.run).release();
  });

  it('refuses an edited runbook whose run did not finish, naming its correlation id and the ways on', async () => {
    const dir = await folder();
    (await start(dir, 'exec-1').run).release();
    const edited = parseRunbook({
      ...runbook,
      waves: [...runbook.waves, { name: 'extra', tags: { 'DR-Wave': '3' } }],
    });

    await expect(start(dir, 'exec-2', { book: edited }).run).rejects.toThrow(
      /runbook "rb.yaml" was edited since its run of \S+ that did not finish \(correlation id exec-1, 0 of 2 waves finished; .*nothing was started\. Restore the runbook to resume that run, pass --correlation-id exec-1 .* or --new-run/,
    );
    const deliberate = await start(dir, 'exec-3', { book: edited, explicit: 'exec-1' }).run;
    expect(deliberate).toMatchObject({ correlationId: 'exec-1', resumed: true });
    deliberate.release();
  });

  it('on Step Functions, names the previous waves execution a resumed run may run beside', async () => {
    const dir = await folder();
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
    const sfn: TargetOptions = { ...target('sim.json'), target: 'sfn', stateMachineArn: arn };
    const said: string[] = [];
    const begin = (executionName: string) =>
      startRunbookRun({
        runbook,
        file: 'rb.yaml',
        target: sfn,
        cwd: dir,
        store: store(dir),
        newRun: false,
        executionName,
        validate: () => {},
        say: (t) => said.push(t),
      });
    (await begin('exec-1')).release();

    (await begin('exec-2')).release();

    expect(said.join('\n')).toContain(
      'aws stepfunctions describe-execution --execution-arn arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:exec-1',
    );
  });

  it('lets an explicit --correlation-id win, saying which id the unfinished run had', async () => {
    const dir = await folder();
    (await start(dir, 'exec-1').run).release();

    const explicit = start(dir, 'exec-2', { explicit: 'ticket-42' });
    const run = await explicit.run;

    expect(run).toMatchObject({ correlationId: 'ticket-42', resumed: false });
    expect(explicit.said.join('\n')).toContain('using --correlation-id ticket-42; the unfinished run of');
    run.release();
    const [name] = (await readdir(join(dir, 'runbooks'))).filter((n) => n.endsWith('.json'));
    const record = JSON.parse(await readFile(join(dir, 'runbooks', name as string), 'utf8'));
    expect(record).toMatchObject({ correlationId: 'ticket-42', state: 'running' });
  });

  it('refuses a second run of the same runbook while one holds it, and a damaged record', async () => {
    const dir = await folder();
    const holder = await start(dir, 'exec-1').run;
    await expect(start(dir, 'exec-2').run).rejects.toThrow(
      /is in use by drs-orch pid \d+ on .* \(drs-orch runbook rb.yaml/,
    );
    holder.release();

    const [name] = (await readdir(join(dir, 'runbooks'))).filter((n) => n.endsWith('.json'));
    await writeFile(join(dir, 'runbooks', name as string), '{"state":');
    await expect(start(dir, 'exec-3').run).rejects.toThrow(UsageError);
    await expect(start(dir, 'exec-3').run).rejects.toThrow(/is damaged .* or --new-run to start a new run/);
  });
});
