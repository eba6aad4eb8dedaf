import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BundlingError, buildInWorker, bundleHandlers, type HandlerBundle } from '../../infra/bundle.js';
import { RESULTS_WRITER_TASKS, TASK_FUNCTIONS } from '../../infra/names.js';
import type { Emulator } from '../../src/emulator/index.js';
import {
  createTaskDeps,
  type DiscoveryResult,
  type OrchestrationRequest,
  tasks,
} from '../../src/tasks/index.js';
import { STAGING_REGION, sessionFor, startTestEmulator } from '../_helpers/emulator.js';

const run = promisify(execFile);
const tempDir = () => mkdtempSync(join(tmpdir(), 'drs-bundle-'));

/** Region of the orchestrator account's functions in these runs. */
const ORCHESTRATOR_REGION = 'us-east-1';

/** Issue 7 target: each Lambda bundle at most 1 MB minified. */
const MAX_BUNDLE_BYTES = 1_000_000;

/** The `@aws-sdk/client-*` packages each handler's own code may import: the services its task calls. */
const EXPECTED_CLIENTS: Readonly<Record<string, readonly string[]>> = {
  validate: [],
  discover: ['client-drs', 'client-ssm', 'client-sts'],
  partition: ['client-service-quotas', 'client-sts'],
  aggregate: ['client-s3'],
  'start-recovery': ['client-drs', 'client-sts'],
  'monitor-job': ['client-drs', 'client-s3', 'client-sts'],
  'get-recovery-instances': ['client-drs', 'client-s3', 'client-sts'],
  'start-failback': ['client-drs', 'client-s3', 'client-sts'],
  'monitor-failback': ['client-drs', 'client-s3', 'client-sts'],
  'terminate-instances': ['client-drs', 'client-s3', 'client-sts'],
  'get-status': ['client-drs', 'client-s3', 'client-sts'],
  'format-output': [],
  'start-executor': ['client-sfn', 'client-sts'],
  'monitor-executor': ['client-sfn', 'client-sts'],
  'write-report': ['client-s3', 'client-sfn'],
  'describe-wave': ['client-drs', 'client-ssm', 'client-sts'],
  'check-approval': [],
  // The step driver makes no call: the waves workflow's service integrations do.
  'run-step': [],
  // Task-token answers are signed JSON calls (src/aws/services/states-callbacks.ts), not client-sfn.
  'report-executor': ['client-sts'],
};

/**
 * Clients the SDK's own default credential chain may bring (SSO, and STS for web identity and
 * profiles); allowed only when no file of ours imports them.
 */
const CREDENTIAL_CHAIN_CLIENTS = new Set(['client-sso', 'client-sso-oidc', 'client-sts']);

/** The package a bundled file belongs to: the innermost `node_modules/<name>` of its path. */
function packageOf(file: string): string | undefined {
  const parts = file.split('node_modules/').pop()?.split('/') ?? [];
  if (!file.includes('node_modules/') || parts.length < 2) return undefined;
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function clientOf(file: string): string | undefined {
  return packageOf(file)?.match(/^@aws-sdk\/(client-[a-z0-9-]+)$/)?.[1];
}

/** Client packages in a bundle, and those among them that a file of ours (not the SDK) imports. */
function clientsOf(bundle: HandlerBundle, metafile: Metafile): { all: string[]; ours: string[] } {
  const inBundle = new Set(bundle.inputs);
  const all = new Set<string>();
  const ours = new Set<string>();
  for (const file of bundle.inputs) {
    const client = clientOf(file);
    if (client) all.add(client);
    if (file.includes('node_modules/')) continue;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      const target = clientOf(imported.path);
      if (target && inBundle.has(imported.path)) ours.add(target);
    }
  }
  return { all: [...all].sort(), ours: [...ours].sort() };
}

/** Where and as whom a bundle runs: the Lambda context's ARN and the function's environment. */
interface BundleRun {
  readonly functionArn: string;
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Runs a bundle's handler once in a fresh node, as Lambda would (only its environment), and returns its result. */
async function runBundle(file: string, event: unknown, at: BundleRun): Promise<unknown> {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
const out = await handler(${JSON.stringify(event)}, { invokedFunctionArn: ${JSON.stringify(at.functionArn)} });
process.stdout.write('RESULT ' + JSON.stringify(out) + '\\n');`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: at.region,
      AWS_ENDPOINT_URL: at.endpoint,
      AWS_ACCESS_KEY_ID: at.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: at.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: at.credentials.sessionToken ?? '',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return JSON.parse(line?.slice('RESULT '.length) ?? '{}');
}

describe('Function: bundleHandlers', () => {
  let bundles: HandlerBundle[] = [];
  beforeAll(() => {
    bundles = bundleHandlers({ taskIds: TASK_FUNCTIONS.map((t) => t.taskId), outDir: tempDir() });
  }, 120_000);
  const bundleOf = (taskId: string): HandlerBundle => {
    const bundle = bundles.find((b) => b.taskId === taskId);
    if (!bundle) throw new Error(`no bundle for ${taskId}`);
    return bundle;
  };

  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  it('fails naming every missing handler file instead of deploying an empty function', () => {
    const empty = tempDir();
    const act = () =>
      bundleHandlers({ taskIds: ['validate', 'discover'], outDir: tempDir(), handlersDir: empty });
    expect(act).toThrow(BundlingError);
    expect(act).toThrow(/missing handler file\(s\) .*validate\.ts, .*discover\.ts/);
  });

  it('answers, instead of hanging the synth, when the bundling worker cannot even load esbuild', () => {
    const answer = buildInWorker({ entryPoints: [] }, join(tempDir(), 'no-esbuild-here.js'), 60_000);
    expect(answer.metafile).toBeUndefined();
    expect(answer.message).toMatch(/^the bundling worker failed before building: Cannot find module/);
  });

  it('bundles every real handler into one minified ESM file of at most 1 MB', () => {
    expect(bundles.map((b) => b.taskId)).toEqual(TASK_FUNCTIONS.map((t) => t.taskId));
    const oversized = bundles.filter((b) => b.bytes > MAX_BUNDLE_BYTES).map((b) => `${b.taskId}: ${b.bytes}`);
    expect(oversized).toEqual([]);
    for (const bundle of bundles) {
      expect(bundle.bytes).toBeGreaterThan(0);
      expect(
        readFileSync(bundle.file, 'utf8').startsWith('import{createRequire as __drsCreateRequire}'),
      ).toBe(true);
    }
  });

  it('puts in each bundle only the SDK clients its task calls (plus the credential chain of the SDK)', () => {
    expect(Object.keys(EXPECTED_CLIENTS).sort()).toEqual(TASK_FUNCTIONS.map((t) => t.taskId).sort());
    for (const bundle of bundles) {
      const expected = [...(EXPECTED_CLIENTS[bundle.taskId] ?? [])].sort();
      const { all, ours } = clientsOf(bundle, bundle.metafile);
      expect({ taskId: bundle.taskId, ours }).toEqual({ taskId: bundle.taskId, ours: expected });
      const extra = all.filter((c) => !expected.includes(c) && !CREDENTIAL_CHAIN_CLIENTS.has(c));
      expect({ taskId: bundle.taskId, extra }).toEqual({ taskId: bundle.taskId, extra: [] });
    }
  });

  it('grants the results-bucket write exactly to the executor tasks whose code calls S3', () => {
    // infra/names.ts RESULTS_WRITER_TASKS drives the IAM grants and bucket policy; the bundles show
    // which handlers really write to S3. They must agree, or a run fails with AccessDenied on AWS.
    const executorTasks = new Set<string>(
      TASK_FUNCTIONS.filter((t) => t.machine === 'executor').map((t) => t.taskId),
    );
    const s3Writers = bundles
      .filter((b) => executorTasks.has(b.taskId) && clientsOf(b, b.metafile).ours.includes('client-s3'))
      .map((b) => b.taskId)
      .sort();

    expect(s3Writers).toEqual([...RESULTS_WRITER_TASKS].sort());
  });

  it('keeps every SDK client and the EC2 and SNS clients out of the bundles that do not call them', () => {
    const validate = bundleOf('validate');
    expect(validate.inputs.filter((f) => clientOf(f) !== undefined)).toEqual([]);
    for (const bundle of bundles) {
      const { all } = clientsOf(bundle, bundle.metafile);
      expect({
        taskId: bundle.taskId,
        has: all.filter((c) => c === 'client-ec2' || c === 'client-sns'),
      }).toEqual({ taskId: bundle.taskId, has: [] });
    }
  });

  it('takes each SDK client and command from its own file, never through the client package index', () => {
    // Through the index (loaded with import()) esbuild keeps every command and operation schema
    // of the client: ~150 KB more in the DRS and SSM bundles (infra/bundle.ts, exact-sdk-files).
    for (const bundle of bundles) {
      const inBundle = new Set(bundle.inputs);
      const throughIndex = bundle.inputs
        .filter((file) => !file.includes('node_modules/'))
        .flatMap((file) => bundle.metafile.inputs[file]?.imports ?? [])
        .map((imported) => imported.path)
        .filter((path) => inBundle.has(path) && clientOf(path) && path.endsWith('/dist-es/index.js'));
      expect({ taskId: bundle.taskId, throughIndex }).toEqual({ taskId: bundle.taskId, throughIndex: [] });
    }
  });

  it('bundles ajv and a schema only for the tasks that validate a document, and never the local interpreter', () => {
    const validating = bundles
      .filter((b) => b.inputs.some((f) => packageOf(f) === 'ajv'))
      .map((b) => b.taskId)
      .sort();
    // Input, output, the staging-account registry (discover, describe-wave) and the approval
    // decision (check-approval, and run-step for a manual step's answer).
    expect(validating).toEqual([
      'aggregate',
      'check-approval',
      'describe-wave',
      'discover',
      'run-step',
      'validate',
    ]);
    for (const bundle of bundles) {
      const interpreter = bundle.inputs.filter((f) => packageOf(f) === 'aws-local-stepfunctions');
      expect({ taskId: bundle.taskId, interpreter }).toEqual({ taskId: bundle.taskId, interpreter: [] });
    }
  });

  it('runs the validate bundle: a bad action is a ValidationError, a good one a parsed request', async () => {
    const mod = (await import(pathToFileURL(bundleOf('validate').file).href)) as {
      handler: (event: unknown, context?: unknown) => Promise<unknown>;
    };
    const execution = {
      id: 'arn:aws:states:us-east-1:123456789012:execution:m:e1',
      name: 'e1',
      startTime: '2024-01-01T00:00:00Z',
    };
    await expect(mod.handler({ input: { action: 'launch-everything' }, execution })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    const result = (await mod.handler({
      input: { action: 'status', tags: { 'DR-Wave': '1' } },
      execution,
    })) as {
      request: { action: string; metadata: { correlationId: string } };
    };
    expect(result.request.action).toBe('status');
    expect(result.request.metadata.correlationId).toBe('e1');
  });

  it('runs the get-status bundle in a fresh node against the emulator: its lazily loaded DRS client works', async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    const current = emu;
    const accountId = '111111111111';
    const session = sessionFor(current, accountId);
    const local = createTaskDeps({
      endpoint: current.endpoint,
      credentials: session,
      region: STAGING_REGION,
      ambientAccountId: accountId,
      env: {},
      sleep: async () => {},
    });
    const account = { accountId, region: STAGING_REGION, roleArn: `arn:aws:iam::${accountId}:role/x` };
    const page = await local.aws.account(account).drs.describeSourceServers({ filters: {}, maxResults: 3 });
    const serverIds = (page.items ?? []).map((s) => s.sourceServerID ?? '');
    const event = {
      request: { action: 'status', metadata: { correlationId: 'c1' } },
      execution: { id: 'arn:x', name: 'e1', startTime: current.clock.now().toISOString() },
      account: { ...account, serverIds },
    };
    const report = (await runBundle(bundleOf('get-status').file, event, {
      functionArn: `arn:aws:lambda:${STAGING_REGION}:${accountId}:function:drs-get-status`,
      region: STAGING_REGION,
      endpoint: current.endpoint,
      credentials: session,
    })) as { records?: { sourceServerId: string }[] };

    expect(serverIds).toHaveLength(3);
    expect(report.records?.map((r) => r.sourceServerId)).toEqual(serverIds);
  });

  it('runs the discover bundle in a fresh node against the emulator: its SSM, STS and DRS clients, each from its own files, find what the task finds in-process', async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
    const current = emu;
    const execution = { id: 'arn:x', name: 'e1', startTime: current.clock.now().toISOString() };
    const local = createTaskDeps({
      endpoint: current.endpoint,
      credentials: current.credentials,
      region: ORCHESTRATOR_REGION,
      env: {},
      sleep: async () => {},
    });
    const { request } = (await tasks.validate(
      { input: { action: 'drill', tags: { 'DR-Wave': '1' } }, execution },
      local,
    )) as { request: OrchestrationRequest };
    const inProcess = (await tasks.discover({ request, execution }, local)) as DiscoveryResult;
    const orchestrator = current.state.orchestratorAccountId;

    const bundled = (await runBundle(
      bundleOf('discover').file,
      { request, execution },
      {
        functionArn: `arn:aws:lambda:${ORCHESTRATOR_REGION}:${orchestrator}:function:drs-discover`,
        region: ORCHESTRATOR_REGION,
        endpoint: current.endpoint,
        credentials: current.credentials,
      },
    )) as DiscoveryResult;

    expect(inProcess.accounts).toHaveLength(3);
    expect(inProcess.totalServers).toBeGreaterThan(0);
    expect(bundled).toEqual(inProcess);
  });
});
