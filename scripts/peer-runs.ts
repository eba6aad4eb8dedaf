/**
 * Public DRS tools, run unchanged against the emulator (issue 23's acceptance): each peer's own
 * code is read from its checkout at run time (never copied here) and run with its own runtime
 * (Python 3 + boto3) against an emulator whose endpoint it finds in `AWS_ENDPOINT_URL`, with the
 * credentials and environment its README asks for. After each run the script checks the effect
 * the tool promises through the emulator's own API, and prints one line per peer.
 *
 * Peers:
 * - drs-tools' drs-synch-ec2-tags-and-instance-type (Lambda handler, synch_tags and
 *   synch_instance_type on): source EC2 instance tags onto the DRS source servers, right-sizing
 *   off and a new default launch template version with the source instance type; the next drill
 *   launches that type.
 *
 * Usage: node --import tsx scripts/peer-runs.ts --drs-tools <drs-tools checkout or git dir>
 * Exits 1 when a peer fails or its effect is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  DrsClient,
  GetLaunchConfigurationCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Fleet, FleetSourceServer } from '../src/emulator/fleet/types.js';
import { type Emulator, generateFleet, startEmulator } from '../src/emulator/index.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};

const ORCHESTRATOR = '123456789012';
const STAGING = '111111111111';
const STAGING_REGION = 'us-east-2';
const SOURCE_REGION = 'us-east-1';
const SOURCE_TYPES = ['c5.xlarge', 'm5.2xlarge', 'r5.large'];

/** A file of a checkout, or of a bare git dir (the peer's HEAD). */
function peerFile(checkout: string, path: string): string {
  return execFileSync('git', ['-C', checkout, 'show', `HEAD:${path}`], { encoding: 'utf8' });
}

/** The inline code of a CloudFormation Lambda (`ZipFile: |` block), dedented. */
function inlineLambda(template: string): string {
  const lines = template.split('\n');
  const start = lines.findIndex((l) => /^\s*ZipFile:\s*\|/.test(l));
  if (start < 0) throw new Error('no ZipFile block in the template');
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const own = indentOf(lines[start] as string);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && indentOf(line) <= own) break;
    body.push(line);
  }
  const cut = Math.min(...body.filter((l) => l.trim() !== '').map(indentOf));
  return body.map((l) => l.slice(cut)).join('\n');
}

/** Staging servers that are EC2 instances of the orchestrator account (us-east-1), each with a source type. */
function ec2OriginFleet(): Fleet {
  const fleet = generateFleet({ accounts: 1, serversPerAccount: 3, regions: [STAGING_REGION], seed: 23 });
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) =>
      a.accountId !== STAGING
        ? a
        : {
            ...a,
            sourceServers: (a.sourceServers ?? []).map(
              (s, i): FleetSourceServer => ({
                ...s,
                replicationState: 'CONTINUOUS',
                originEnvironment: 'AWS',
                originAccountID: ORCHESTRATOR,
                originRegion: SOURCE_REGION,
                sourceInstanceType: SOURCE_TYPES[i % SOURCE_TYPES.length] as string,
                tags: { ...s.tags, CostCenter: `cc-${i}` },
              }),
            ),
          },
    ),
  };
}

interface PeerResult {
  readonly peer: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** drs-tools' drs-synch-ec2-tags-and-instance-type, tags and instance type sync on. */
async function synchEc2TagsAndInstanceType(checkout: string, dir: string): Promise<PeerResult> {
  const peer = 'drs-tools/drs-synch-ec2-tags-and-instance-type';
  const code = inlineLambda(
    peerFile(
      checkout,
      'drs-synch-ec2-tags-and-instance-type/drs_synch_ec2_tags_and_instance_type_lambda.yaml',
    ),
  );
  const module = join(dir, 'synch_lambda.py');
  writeFileSync(module, code);
  const emu: Emulator = await startEmulator({ fleet: ec2OriginFleet(), timeScale: 0 });
  try {
    // The orchestrator account's root keys are the "source account" credentials the Lambda runs with.
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: SOURCE_REGION,
      DRS_ACCOUNT_NUMBER: STAGING,
      DRS_ASSUME_ROLE_NAME: 'DRS-Orchestration-Role',
      DRS_REGION: STAGING_REGION,
      SOURCE_ACCOUNT: ORCHESTRATOR,
      SOURCE_REGIONS: SOURCE_REGION,
      LOGLEVEL: 'INFO',
    };
    const driver = `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import synch_lambda; synch_lambda.handler({'synch_tags': True, 'synch_instance_type': True}, None)`;
    const out = await run('python3', ['-c', driver], { env, maxBuffer: 16 * 1024 * 1024 }).catch(
      (e: { stderr?: string; message: string }) => ({
        stdout: '',
        stderr: `FAILED: ${e.stderr ?? e.message}`,
      }),
    );
    if (out.stderr.startsWith('FAILED')) return { peer, ok: false, detail: out.stderr.slice(0, 2000) };

    // Its effect, through the emulator's API as the staging account sees it.
    const creds = emu.state.credentials.issueSession({
      accountId: STAGING,
      roleArn: `arn:aws:iam::${STAGING}:role/DRS-Orchestration-Role`,
      roleId: 'AROAPEERRUN0000000001',
      sessionName: 'peer-check',
      expiration: new Date(emu.clock.nowMs() + 3_600_000),
    });
    const credentials = {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken === undefined ? {} : { sessionToken: creds.sessionToken }),
    };
    const drs = new DrsClient({ endpoint: emu.endpoint, region: STAGING_REGION, credentials });
    const ec2 = new EC2Client({ endpoint: emu.endpoint, region: STAGING_REGION, credentials });
    const servers = (await drs.send(new DescribeSourceServersCommand({}))).items ?? [];
    const problems: string[] = [];
    const expectedType = new Map<string, string>();
    for (const [i, s] of servers.entries()) {
      const id = s.sourceServerID as string;
      const want = SOURCE_TYPES[i % SOURCE_TYPES.length] as string;
      expectedType.set(id, want);
      const config = await drs.send(new GetLaunchConfigurationCommand({ sourceServerID: id }));
      const versions = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: config.ec2LaunchTemplateID,
          Versions: ['$Default'],
        }),
      );
      const type = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType;
      if (type !== want) problems.push(`${id}: launch template default type ${String(type)}, want ${want}`);
      if (config.targetInstanceTypeRightSizingMethod !== 'NONE')
        problems.push(`${id}: right-sizing ${String(config.targetInstanceTypeRightSizingMethod)}, want NONE`);
      if (config.copyTags !== true) problems.push(`${id}: copyTags not on`);
      if (s.tags?.['source:instance-type'] !== want || s.tags?.CostCenter !== `cc-${i}`)
        problems.push(`${id}: tags not synchronized (${JSON.stringify(s.tags)})`);
    }
    await drs.send(
      new StartRecoveryCommand({
        sourceServers: servers.map((s) => ({ sourceServerID: s.sourceServerID as string })),
        isDrill: true,
      }),
    );
    emu.clock.advance(2 * 3_600_000);
    const recovery = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    const launched = new Map(
      emu.drs.instances(STAGING).map(({ instance }) => [instance.sourceServerID, instance.instanceType]),
    );
    for (const [id, want] of expectedType) {
      if (launched.get(id) !== want)
        problems.push(`${id}: drill launched ${String(launched.get(id))}, want ${want}`);
    }
    return {
      peer,
      ok: problems.length === 0 && recovery.length === servers.length,
      detail:
        problems.length === 0
          ? `${servers.length} servers: tags and instance type synchronized, ${recovery.length} drill instances launched with the source types (${[...expectedType.values()].join(', ')}); EC2 calls: ${emu.state.callTotal({ service: 'ec2' })}, DRS calls: ${emu.state.callTotal({ service: 'drs' })}`
          : problems.join('; '),
    };
  } finally {
    await emu.stop();
  }
}

const drsTools = flag('--drs-tools');
if (drsTools === undefined) {
  console.error('usage: node --import tsx scripts/peer-runs.ts --drs-tools <drs-tools checkout or git dir>');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'drs-peer-runs-'));
const results = [await synchEc2TagsAndInstanceType(drsTools, dir)];
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'} ${r.peer}: ${r.detail}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
