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
 * - awslabs/aws-support-tools' DRS-Settings-Tool `get_settings.py` (the settings exporter): one CSV
 *   row per replicating server with its launch configuration, its launch template's default
 *   version (instance type, network, instance profile) and its replication configuration.
 *
 * Usage: node --import tsx scripts/peer-runs.ts [--drs-tools <checkout or git dir>]
 *          [--aws-support-tools <checkout or git dir>]
 * Exits 1 when a peer fails or its effect is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Session keys of a role in an account, straight from the emulator's credential store. */
function sessionOf(emu: Emulator, accountId: string) {
  const c = emu.state.credentials.issueSession({
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/DRS-Orchestration-Role`,
    roleId: 'AROAPEERRUN0000000002',
    sessionName: 'peer-run',
    expiration: new Date(emu.clock.nowMs() + 3_600_000),
  });
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }),
  };
}

/** awslabs/aws-support-tools DRS-Settings-Tool get_settings.py: the settings export to CSV. */
async function settingsExporter(checkout: string, dir: string): Promise<PeerResult> {
  const peer = 'aws-support-tools/DRS/DRS-Settings-Tool get_settings.py';
  // The tool runs from its own folder (it imports its modules relative to it): unpack it there.
  const tool = join(dir, 'settings-tool');
  mkdirSync(tool, { recursive: true });
  execFileSync('sh', [
    '-c',
    `git -C "$0" archive HEAD DRS/DRS-Settings-Tool | tar -x -C "$1"`,
    checkout,
    tool,
  ]);
  const cwd = join(tool, 'DRS', 'DRS-Settings-Tool');
  const fleet = generateFleet({ accounts: 1, serversPerAccount: 12, regions: [STAGING_REGION], seed: 31 });
  const emu: Emulator = await startEmulator({ fleet, timeScale: 0 });
  try {
    const creds = sessionOf(emu, STAGING);
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_SESSION_TOKEN: creds.sessionToken ?? '',
      AWS_DEFAULT_REGION: STAGING_REGION,
    };
    const out = await run('python3', ['get_settings.py'], { cwd, env, maxBuffer: 16 * 1024 * 1024 }).catch(
      (e: { stderr?: string; message: string }) => ({
        stdout: '',
        stderr: `FAILED: ${e.stderr ?? e.message}`,
      }),
    );
    if (out.stderr.startsWith('FAILED')) return { peer, ok: false, detail: out.stderr.slice(0, 2000) };
    // It writes `<folder>\\DRS_Settings.csv` (Windows separators): on Linux a file named `utils\\DRS_Settings.csv` in its folder.
    const csvFile = readdirSync(cwd).find((f) => f.endsWith('DRS_Settings.csv'));
    if (csvFile === undefined)
      return { peer, ok: false, detail: `no CSV written; stdout: ${out.stdout.slice(0, 500)}` };
    const rows = readFileSync(join(cwd, csvFile), 'utf8').trim().split(/\r?\n/);
    const header = (rows[0] ?? '').split(',');
    const col = (name: string) => header.indexOf(name);
    const drs = new DrsClient({ endpoint: emu.endpoint, region: STAGING_REGION, credentials: creds });
    const servers = ((await drs.send(new DescribeSourceServersCommand({}))).items ?? []).filter(
      (s) => s.dataReplicationInfo?.dataReplicationState !== 'DISCONNECTED',
    );
    const problems: string[] = [];
    if (out.stdout.includes('ERROR') || out.stderr.includes('Error'))
      problems.push(`the tool logged an error: ${(out.stdout + out.stderr).slice(0, 800)}`);
    if (rows.length - 1 !== servers.length)
      problems.push(`${rows.length - 1} rows for ${servers.length} servers`);
    for (const row of rows.slice(1)) {
      // The fields before the JSON-ish columns are plain: id, template id, right-sizing, instance type.
      const cells = parseCsvRow(row);
      const id = cells[col('Server ID')];
      const lt = cells[col('Launch Template ID')];
      const type = cells[col('Target Instance Type')];
      const subnet = cells[col('Staging Subnet')];
      if (!/^lt-[0-9a-f]{17}$/.test(lt ?? '')) problems.push(`${id}: launch template '${lt}'`);
      if (!/^[a-z0-9]+\.[a-z0-9]+$/.test(type ?? '')) problems.push(`${id}: instance type '${type}'`);
      if (!/^subnet-/.test(subnet ?? '')) problems.push(`${id}: staging subnet '${subnet}'`);
      if (!(cells[col('Target Network Settings')] ?? '').includes('SubnetId'))
        problems.push(`${id}: no network settings`);
    }
    return {
      peer,
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `${servers.length} servers exported with launch template, network and replication settings; EC2 calls: ${emu.state.callTotal({ service: 'ec2' })}, DRS calls: ${emu.state.callTotal({ service: 'drs' })}`
          : problems.slice(0, 5).join('; '),
    };
  } finally {
    await emu.stop();
  }
}

/** One CSV row's cells (RFC 4180 quoting, as Python's csv writes). */
function parseCsvRow(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i] as string;
    if (quoted) {
      if (ch === '"' && row[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const drsTools = flag('--drs-tools');
const supportTools = flag('--aws-support-tools');
if (drsTools === undefined && supportTools === undefined) {
  console.error(
    'usage: node --import tsx scripts/peer-runs.ts [--drs-tools <checkout or git dir>] [--aws-support-tools <checkout or git dir>]',
  );
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'drs-peer-runs-'));
const results: PeerResult[] = [];
if (drsTools !== undefined) results.push(await synchEc2TagsAndInstanceType(drsTools, dir));
if (supportTools !== undefined) results.push(await settingsExporter(supportTools, dir));
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'} ${r.peer}: ${r.detail}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
