/**
 * The AWS CLI commands a DR engineer uses, run against `drs-orch serve` with assumed-role
 * credentials (issue 23 item 3): `aws s3 cp` of 12 MB (a multipart upload), `aws s3 ls` (buckets
 * and objects), `aws s3 rm`, `aws stepfunctions list-state-machines`, `aws ec2
 * describe-launch-template-versions`, `aws ssm send-command` and `list-command-invocations`, and
 * `aws drs get-replication-configuration`. Each answer is what the CLI prints; each is checked for
 * the values a DR engineer reads from it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';

const run = promisify(execFile);
const STAGING = '111111111111';
const REGION = 'us-east-2';

afterEach(stopServeProcesses);

describe('drs-orch serve with the AWS CLI: the commands of a DR engineer, as an assumed role', () => {
  it('copies 12 MB up and back, lists, removes, and reads state machines, launch templates, SSM commands and replication settings', async () => {
    const { endpoint } = await startServeProcess(['--fleet', 'demo', '--time-scale', '20000']);
    const dir = mkdtempSync(join(tmpdir(), 'drs-cli-tools-'));
    const base = {
      ...process.env,
      AWS_PAGER: '',
      AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: join(dir, 'none'),
    };
    const cli = async (env: NodeJS.ProcessEnv, args: string[]): Promise<string> =>
      (
        await run('aws', ['--endpoint-url', endpoint, '--region', REGION, ...args], {
          env,
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
    const json = async (env: NodeJS.ProcessEnv, args: string[]) =>
      JSON.parse(await cli(env, [...args, '--output', 'json'])) as Record<string, unknown>;

    // The orchestrator's keys assume the staging account's role; everything after runs as that role.
    const assumed = await json({ ...base, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, [
      'sts',
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${STAGING}:role/DRS-Orchestration-Role`,
      '--role-session-name',
      'dr-engineer',
    ]);
    const c = assumed.Credentials as Record<string, string>;
    const env = {
      ...base,
      AWS_ACCESS_KEY_ID: c.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
      AWS_SESSION_TOKEN: c.SessionToken,
    };
    const identity = await json(env, ['sts', 'get-caller-identity']);

    // S3: 12 MB up (multipart), listed, down byte for byte, removed.
    const file = join(dir, 'big.bin');
    const body = Buffer.alloc(12 * 1000 * 1000);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    writeFileSync(file, body);
    await cli(env, ['s3', 'mb', 's3://dr-engineer-bucket']);
    await cli(env, ['s3', 'cp', file, 's3://dr-engineer-bucket/drills/big.bin']);
    const buckets = await cli(env, ['s3', 'ls']);
    const objects = await cli(env, ['s3', 'ls', 's3://dr-engineer-bucket/drills/']);
    const head = await json(env, [
      's3api',
      'head-object',
      '--bucket',
      'dr-engineer-bucket',
      '--key',
      'drills/big.bin',
    ]);
    await cli(env, ['s3', 'cp', 's3://dr-engineer-bucket/drills/big.bin', join(dir, 'back.bin')]);
    await cli(env, ['s3', 'rm', 's3://dr-engineer-bucket/drills/big.bin']);
    const after = await cli(env, ['s3', 'ls', 's3://dr-engineer-bucket/drills/']).catch(() => '');

    // Step Functions, EC2 launch templates, DRS replication settings.
    const machines = await json(env, ['stepfunctions', 'list-state-machines']);
    const servers = await json(env, ['drs', 'describe-source-servers', '--max-results', '50']);
    const server = (
      servers.items as { sourceServerID: string; dataReplicationInfo: { dataReplicationState: string } }[]
    ).find((s) => s.dataReplicationInfo.dataReplicationState === 'CONTINUOUS')?.sourceServerID as string;
    const launch = await json(env, ['drs', 'get-launch-configuration', '--source-server-id', server]);
    const versions = await json(env, [
      'ec2',
      'describe-launch-template-versions',
      '--launch-template-id',
      String(launch.ec2LaunchTemplateID),
      '--versions',
      '$Default',
    ]);
    const replication = await json(env, [
      'drs',
      'get-replication-configuration',
      '--source-server-id',
      server,
    ]);

    // SSM Run Command on the recovery instance of a drill.
    await json(env, ['drs', 'start-recovery', '--is-drill', '--source-servers', `sourceServerID=${server}`]);
    // Wait for the launch through the inspection API (one CLI start per poll would dominate the test).
    let instanceId = '';
    for (let i = 0; i < 600 && instanceId === ''; i++) {
      const seen = (await (await fetch(`${endpoint}/_emulator/instances?accountId=${STAGING}`)).json()) as {
        instances: { ec2InstanceID?: string }[];
      };
      instanceId = seen.instances[0]?.ec2InstanceID ?? '';
      if (instanceId === '') await new Promise((r) => setTimeout(r, 100));
    }
    const sent = await json(env, [
      'ssm',
      'send-command',
      '--document-name',
      'AWS-RunShellScript',
      '--instance-ids',
      instanceId,
      '--parameters',
      'commands=["hostname"]',
    ]);
    const commandId = String((sent.Command as Record<string, unknown>).CommandId);
    const invocations = await json(env, ['ssm', 'list-command-invocations', '--command-id', commandId]);

    expect(identity.Arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/DRS-Orchestration-Role/dr-engineer`);
    expect(buckets).toMatch(/ dr-engineer-bucket\n/);
    expect(objects).toMatch(/ 12000000 big\.bin\n/);
    expect(head.ContentLength).toBe(12_000_000);
    expect(String(head.ETag)).toMatch(/-2"$/);
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, 'back.bin')))
        .digest('hex'),
    ).toBe(createHash('sha256').update(body).digest('hex'));
    expect(after).toBe('');
    expect((machines.stateMachines as { name: string }[]).map((m) => m.name)).toEqual([
      'drs-staging-account-executor',
    ]);
    const version = (
      versions.LaunchTemplateVersions as {
        DefaultVersion: boolean;
        LaunchTemplateData: { InstanceType?: string };
      }[]
    )[0];
    expect(version?.DefaultVersion).toBe(true);
    expect(version?.LaunchTemplateData.InstanceType).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
    expect(replication).toMatchObject({ sourceServerID: server, replicationServerInstanceType: 't3.small' });
    expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect((invocations.CommandInvocations as { InstanceId: string }[]).map((i) => i.InstanceId)).toEqual([
      instanceId,
    ]);
  });
});
