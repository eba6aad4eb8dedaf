/**
 * Deploy-day checks over the synthesized templates: what AWS enforces on the deployed system that
 * no local run exercises (issue 15, findings 2-7). Each check reads the templates of all four
 * stacks rendered for the accounts and Regions they deploy to.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DeploymentConfig, loadDeploymentConfig, REPO_ROOT } from '../../infra/config.js';
import {
  EXECUTOR_CALLBACK_ROLE_NAME,
  EXECUTOR_CALLBACK_TASKS,
  executorTaskRoleName,
  MAIN_STATE_MACHINE_NAME,
  METRICS_NAMESPACE,
  TASK_FUNCTIONS,
} from '../../infra/names.js';
import { parseStagingAccounts } from '../../src/contract/index.js';
import { emitTaskMetrics } from '../../src/handlers/create-handler.js';
import type { TaskId } from '../../src/tasks/names.js';
import {
  allows,
  conditionsHold,
  DeployedWorld,
  policySize,
  type StackEnv,
  type WorldResource,
} from './deployed-world.js';
import { type SynthesizedApp, synthesize } from './support.js';

const config = loadDeploymentConfig();
const ORCHESTRATOR: StackEnv = { accountId: config.orchestratorAccountId, region: config.region };
const firstStaging = config.stagingAccounts[0] as (typeof config.stagingAccounts)[number];
const STAGING: StackEnv = { accountId: firstStaging.accountId, region: firstStaging.region };
const ENVS = {
  'iam-roles': STAGING,
  'staging-account-executor': STAGING,
  'main-orchestrator': ORCHESTRATOR,
  observability: ORCHESTRATOR,
};

const built = synthesize({});
const world = new DeployedWorld(built, ENVS);

afterEach(() => {
  vi.restoreAllMocks();
});

/** The schema's maximum of staging accounts (400), spread over two Regions. */
function maxedConfig(): DeploymentConfig {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'staging-accounts.schema.json'), 'utf8'));
  const max = schema.properties.stagingAccounts.maxItems as number;
  const stagingAccounts = parseStagingAccounts({
    stagingAccounts: Array.from({ length: max }, (_, i) => {
      const accountId = String(100000000000 + i * 1111);
      return {
        accountId,
        region: i % 2 === 0 ? 'us-east-2' : 'ap-southeast-2',
        roleArn: `arn:aws:iam::${accountId}:role/DRS-Orchestration-Role`,
        maxServers: 300,
        priority: i + 1,
      };
    }),
  });
  return { ...config, stagingAccounts };
}

describe('Deploy day: KMS-encrypted state machines', () => {
  it('lets every principal that starts or describes a state machine use its key, through the key policy', () => {
    const machines = world.ofType('AWS::StepFunctions::StateMachine').map((m) => ({
      name: String(m.properties.StateMachineName),
      arn: world.arnOf(m),
      keyArn: world.render(
        m.stack,
        (m.properties.EncryptionConfiguration as { KmsKeyId: unknown } | undefined)?.KmsKeyId,
      ),
      region: m.env.region,
    }));
    expect(machines.every((m) => m.keyArn.startsWith('arn:aws:kms:'))).toBe(true);
    const checked: string[] = [];
    const missing: string[] = [];
    for (const role of world.roles()) {
      for (const machine of machines) {
        const execution = `${machine.arn.replace(':stateMachine:', ':execution:')}:any-execution`;
        const context = {
          'kms:EncryptionContext:aws:states:stateMachineArn': machine.arn,
          'kms:ViaService': `states.${machine.region}.amazonaws.com`,
          'kms:ResourceAliases': world.aliasesOf(machine.keyArn),
        };
        const needs: [string, string][] = [];
        if (allows(role, 'states:StartExecution', machine.arn)) needs.push(['start', 'kms:GenerateDataKey']);
        if (allows(role, 'states:DescribeExecution', execution)) needs.push(['describe', 'kms:Decrypt']);
        // The history's inputs and outputs are encrypted with the machine's key too.
        if (allows(role, 'states:GetExecutionHistory', execution)) needs.push(['read', 'kms:Decrypt']);
        // An executor's answer is written into the waiting execution's (encrypted) history.
        if (allows(role, 'states:SendTaskSuccess', machine.arn))
          needs.push(['answer', 'kms:GenerateDataKey']);
        for (const [what, kmsAction] of needs) {
          checked.push(`${role.logicalId} ${what}s ${machine.name}`);
          if (!allows(role, kmsAction, machine.keyArn, context)) {
            missing.push(`${role.stack}/${role.logicalId} ${what}s ${machine.name} without ${kmsAction}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    // The principals of finding 2 are among those checked.
    const starters = checked.join('\n');
    for (const expected of [
      /ExecutorStarterRole\w* starts drs-staging-account-executor/,
      /ExecutorStarterRole\w* describes drs-staging-account-executor/,
      /SchedulesRole\w* starts drs-orchestration-main/,
      /SchedulesRole\w* starts drs-orchestration-drill-cleanup/,
      /AutomationRole\w* starts drs-orchestration-main/,
      /DrillCleanupRole\w* starts drs-orchestration-main/,
      /WavesRole\w* describes drs-orchestration-main/,
      /ExecutorCallbackRole\w* answers drs-orchestration-main/,
      /writereport\w* reads drs-orchestration-main/i,
      /writereport\w* reads drs-orchestration-waves/i,
    ]) {
      expect(starters).toMatch(expected);
    }
    // Identity grants count only because each key policy delegates to its account.
    for (const key of world.ofType('AWS::KMS::Key')) {
      const root = world
        .statementsOf(key.stack, key.properties.KeyPolicy)
        .find(
          (s) =>
            s.Effect === 'Allow' &&
            JSON.stringify(s.Principal).includes(`arn:aws:iam::${key.env.accountId}:root`) &&
            s.Action.includes('kms:*'),
        );
      expect(root, `${key.stack}/${key.logicalId} delegates to IAM`).toBeDefined();
    }
  });
});

describe('Deploy day: executors call back across Regions', () => {
  const mainArn = `arn:aws:states:${ORCHESTRATOR.region}:${ORCHESTRATOR.accountId}:stateMachine:${MAIN_STATE_MACHINE_NAME}`;
  const callbackArn = `arn:aws:iam::${ORCHESTRATOR.accountId}:role/${EXECUTOR_CALLBACK_ROLE_NAME}`;
  const sendTask = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

  it('lets only the callback role answer the main machine’s waiting Tasks, and nothing else', () => {
    const answering = world.roles().filter((r) => sendTask.some((a) => allows(r, a, mainArn)));
    expect(answering.map((r) => `${r.stack}/${r.arn}`)).toEqual([`main-orchestrator/${callbackArn}`]);
    const [callback] = answering;
    if (!callback) throw new Error('no callback role');
    for (const action of sendTask) expect(allows(callback, action, mainArn), action).toBe(true);
    const waves = mainArn.replace(MAIN_STATE_MACHINE_NAME, 'drs-orchestration-waves');
    expect(allows(callback, 'states:SendTaskSuccess', waves)).toBe(false);
    expect(allows(callback, 'states:StartExecution', mainArn)).toBe(false);
    expect(
      allows(callback, 'states:StopExecution', `${mainArn.replace(':stateMachine:', ':execution:')}:x`),
    ).toBe(false);
    // Its statements: SendTask* on the main machine and the key of its history, no more.
    expect(callback.statements.flatMap((st) => st.Action).sort()).toEqual(
      ['kms:Decrypt', 'kms:GenerateDataKey', ...sendTask].sort(),
    );
  });

  it('is assumable only by the callback tasks’ roles of the staging accounts, which may assume it', () => {
    const role = world
      .ofType('AWS::IAM::Role')
      .find((r) => r.properties.RoleName === EXECUTOR_CALLBACK_ROLE_NAME);
    if (!role) throw new Error('no callback role');
    const [trust, ...more] = world.statementsOf(role.stack, role.properties.AssumeRolePolicyDocument);
    expect(more).toEqual([]);
    const drOu = config.drOrganizationalUnitPath;
    const platformOu = `${config.organizationId}/r-exam/ou-exam-22222222/`;
    const caller = (accountId: string, taskId: string, orgPath = `${drOu}`) => ({
      'aws:PrincipalAccount': accountId,
      'aws:PrincipalOrgID': config.organizationId,
      'aws:PrincipalOrgPaths': [orgPath],
      'aws:PrincipalArn': `arn:aws:iam::${accountId}:role/${executorTaskRoleName(taskId)}`,
    });
    const trusted = (context: Record<string, string | string[]>) =>
      trust?.Action.includes('sts:AssumeRole') === true && conditionsHold(trust, context);
    for (const account of config.stagingAccounts) {
      for (const taskId of EXECUTOR_CALLBACK_TASKS)
        expect(trusted(caller(account.accountId, taskId)), taskId).toBe(true);
      expect(trusted(caller(account.accountId, 'start-recovery'))).toBe(false);
    }
    // An account added to the DR OU later (nested OUs too) is trusted without a redeploy...
    expect(trusted(caller('555555555555', 'report-executor', `${drOu}ou-exam-33333333/`))).toBe(true);
    // ...an account outside it is not, even with the right role name.
    expect(trusted(caller(ORCHESTRATOR.accountId, 'report-executor', platformOu))).toBe(false);
    expect(
      trusted({ ...caller(firstStaging.accountId, 'report-executor'), 'aws:PrincipalOrgID': 'o-other0000' }),
    ).toBe(false);
    // In the staging account: exactly the callback tasks' roles may assume it.
    const assuming = world
      .roles()
      .filter((r) => r.stack === 'staging-account-executor' && allows(r, 'sts:AssumeRole', callbackArn));
    expect(assuming.map((r) => r.arn.split('/').pop()).sort()).toEqual(
      EXECUTOR_CALLBACK_TASKS.map((t) => executorTaskRoleName(t)).sort(),
    );
  });
});

/** A metric: namespace, name, exact dimension set, account and Region. */
function metricKey(
  namespace: string,
  name: string,
  dimensions: Record<string, string>,
  env: StackEnv,
): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((k) => (k === 'StateMachineArn' ? `${k}=${dimensions[k]}` : k))
    .join(',');
  return `${namespace} ${name} {${dims}} @${env.accountId}/${env.region}`;
}

/** What the handlers emit (run through the real emitTaskMetrics), where each runs. */
function emittedMetrics(): Set<string> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'info').mockImplementation(capture);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const emitted = new Set<string>();
  const account = {
    accountId: firstStaging.accountId,
    serversProcessed: 2,
    succeeded: 1,
    failed: 1,
    timedOut: 1,
  };
  // One result carrying every field any task's metrics read.
  const result = {
    output: { status: 'partial', timing: { durationSeconds: 60 }, stagingAccountResults: [account] },
    ...account,
    meanLaunchSeconds: 90,
  };
  for (const spec of TASK_FUNCTIONS) {
    for (const action of ['failover', 'drill', 'failback', 'terminate', 'status']) {
      lines.length = 0;
      const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'drs-orchestration' });
      metrics.clearDefaultDimensions();
      emitTaskMetrics(
        metrics,
        spec.taskId as TaskId,
        { request: { action }, account: { accountId: firstStaging.accountId } },
        result,
      );
      const envs =
        spec.machine === 'main'
          ? [ORCHESTRATOR]
          : config.stagingAccounts.map((a) => ({ accountId: a.accountId, region: a.region }));
      for (const line of lines.filter((l) => l.includes('"_aws"'))) {
        const doc = JSON.parse(line) as {
          _aws: {
            CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
          };
        } & Record<string, string>;
        for (const directive of doc._aws.CloudWatchMetrics) {
          for (const dims of directive.Dimensions) {
            for (const m of directive.Metrics) {
              const dimensions = Object.fromEntries(dims.map((d) => [d, String(doc[d])]));
              for (const env of envs) emitted.add(metricKey(directive.Namespace, m.Name, dimensions, env));
            }
          }
        }
      }
    }
  }
  // Step Functions emits its execution metrics per state machine, in the machine's account and Region.
  for (const machine of world.ofType('AWS::StepFunctions::StateMachine')) {
    for (const name of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
      'ExecutionTime',
    ]) {
      emitted.add(metricKey('AWS/States', name, { StateMachineArn: world.arnOf(machine) }, machine.env));
    }
  }
  return emitted;
}

/** Every metric the alarms and dashboards read, with the account and Region they read it in. */
function readMetrics(): { where: string; key: string }[] {
  const read: { where: string; key: string }[] = [];
  for (const alarm of world.ofType('AWS::CloudWatch::Alarm')) {
    const p = alarm.properties;
    const stats: { metric: Record<string, unknown>; accountId?: string }[] = [];
    if (p.MetricName !== undefined) stats.push({ metric: p });
    for (const m of (p.Metrics ?? []) as {
      MetricStat?: { Metric: Record<string, unknown> };
      Expression?: string;
      AccountId?: string;
    }[]) {
      if (m.MetricStat)
        stats.push({ metric: m.MetricStat.Metric, ...(m.AccountId ? { accountId: m.AccountId } : {}) });
      // A Metrics Insights query reads a metric over every value of the schema's dimensions.
      const query = /^SELECT \w+\((\w+)\) FROM SCHEMA\("([^"]+)",\s*([^)]*)\)$/.exec(m.Expression ?? '');
      if (query) {
        const dimensions = Object.fromEntries(
          (query[3] as string).split(',').map((d) => [d.trim(), '*'] as const),
        );
        read.push({
          where: `alarm ${alarm.logicalId}`,
          key: metricKey(query[2] as string, query[1] as string, dimensions, alarm.env),
        });
      }
    }
    for (const { metric, accountId } of stats) {
      const dimensions = Object.fromEntries(
        ((metric.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [
          d.Name,
          world.render(alarm.stack, d.Value),
        ]),
      );
      const env = { accountId: accountId ?? alarm.env.accountId, region: alarm.env.region };
      read.push({
        where: `alarm ${alarm.logicalId}`,
        key: metricKey(String(metric.Namespace), String(metric.MetricName), dimensions, env),
      });
    }
  }
  for (const dashboard of world.ofType('AWS::CloudWatch::Dashboard')) {
    const body = JSON.parse(world.render(dashboard.stack, dashboard.properties.DashboardBody)) as {
      widgets: { type: string; properties: { title?: string; region?: string; metrics?: unknown[][] } }[];
    };
    for (const widget of body.widgets.filter((w) => w.type === 'metric')) {
      const region = widget.properties.region ?? dashboard.env.region;
      for (const entry of widget.properties.metrics ?? []) {
        const options = (entry.find((x) => typeof x === 'object') ?? {}) as {
          expression?: string;
          region?: string;
          accountId?: string;
        };
        const env = {
          accountId: options.accountId ?? dashboard.env.accountId,
          region: options.region ?? region,
        };
        const where = `dashboard widget "${widget.properties.title}"`;
        if (options.expression !== undefined) {
          const search = /SEARCH\('\{([^}]*)\}\s*MetricName="([^"]+)"/.exec(options.expression);
          if (!search) continue; // metric math over the widget's own metrics
          const [namespace, ...dims] = (search[1] as string).split(',').map((x) => x.trim());
          const dimensions = Object.fromEntries(dims.map((d) => [d, '*']));
          read.push({ where, key: metricKey(namespace as string, search[2] as string, dimensions, env) });
          continue;
        }
        const [namespace, name, ...rest] = entry.filter((x) => typeof x === 'string') as string[];
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i] as string] = rest[i + 1] as string;
        read.push({ where, key: metricKey(namespace as string, name as string, dimensions, env) });
      }
    }
  }
  return read;
}

describe('Deploy day: alarms and dashboards', () => {
  it('reads only metrics some handler (or Step Functions) emits with that exact dimension set, in that account and Region', () => {
    const emitted = emittedMetrics();
    const read = readMetrics();
    expect(read.length).toBeGreaterThan(config.stagingAccounts.length);
    const unseen = read.filter((r) => !emitted.has(r.key)).map((r) => `${r.where}: ${r.key}`);
    expect(unseen).toEqual([]);
    // The alarms a DR engineer relies on are among those checked.
    expect(
      read.some((r) => r.where.startsWith('alarm FailedServers') && r.key.includes('FailedServers')),
    ).toBe(true);
  });
});

describe('Deploy day: notification topic', () => {
  it('lets every alarm and rule that targets a topic publish to it and use its key', () => {
    const publishers: { topic: WorldResource; service: string; from: string }[] = [];
    const topics = world.ofType('AWS::SNS::Topic');
    const topicOf = (stack: string, value: unknown) =>
      topics.find((t) => world.arnOf(t) === world.render(stack, value));
    for (const alarm of world.ofType('AWS::CloudWatch::Alarm')) {
      for (const action of [
        ...((alarm.properties.AlarmActions ?? []) as unknown[]),
        ...((alarm.properties.OKActions ?? []) as unknown[]),
      ]) {
        const topic = topicOf(alarm.stack, action);
        if (topic)
          publishers.push({ topic, service: 'cloudwatch.amazonaws.com', from: `alarm ${alarm.logicalId}` });
      }
    }
    for (const rule of world.ofType('AWS::Events::Rule')) {
      for (const target of (rule.properties.Targets ?? []) as { Arn: unknown }[]) {
        const topic = topicOf(rule.stack, target.Arn);
        if (topic)
          publishers.push({ topic, service: 'events.amazonaws.com', from: `rule ${rule.logicalId}` });
      }
    }
    expect(publishers.some((p) => p.service === 'cloudwatch.amazonaws.com')).toBe(true);
    expect(publishers.some((p) => p.service === 'events.amazonaws.com')).toBe(true);
    const refused: string[] = [];
    for (const { topic, service, from } of publishers) {
      const topicArn = world.arnOf(topic);
      const policies = world
        .ofType('AWS::SNS::TopicPolicy')
        .filter((p) =>
          ((p.properties.Topics ?? []) as unknown[]).some((t) => world.render(p.stack, t) === topicArn),
        );
      const context = {
        'aws:SourceAccount': topic.env.accountId,
        'aws:SourceArn':
          service === 'cloudwatch.amazonaws.com'
            ? `arn:aws:cloudwatch:${topic.env.region}:${topic.env.accountId}:alarm:any-alarm`
            : `arn:aws:events:${topic.env.region}:${topic.env.accountId}:rule/any-rule`,
        'aws:SecureTransport': 'true',
      };
      const statements = policies.flatMap((p) => world.statementsOf(p.stack, p.properties.PolicyDocument));
      const asService = (s: (typeof statements)[number]) =>
        JSON.stringify(s.Principal ?? '').includes(service) || s.Principal === '*';
      const topicRole = {
        stack: topic.stack,
        logicalId: topic.logicalId,
        arn: topicArn,
        statements: statements.filter(asService),
      };
      if (!allows(topicRole, 'sns:Publish', topicArn, context))
        refused.push(`${from}: the topic policy refuses ${service}`);
      const keyArn = world.render(topic.stack, topic.properties.KmsMasterKeyId);
      if (topic.properties.KmsMasterKeyId !== undefined) {
        const key = world.ofType('AWS::KMS::Key').find((k) => world.arnOf(k) === keyArn);
        const keyStatements = key
          ? world.statementsOf(key.stack, key.properties.KeyPolicy).filter(asService)
          : [];
        const keyRole = { stack: '', logicalId: '', arn: keyArn, statements: keyStatements };
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          if (!allows(keyRole, action, '*', context))
            refused.push(`${from}: the topic's key refuses ${service} ${action}`);
        }
      }
    }
    expect(refused).toEqual([]);
  });
});

/** AWS size limits of policy documents (IAM counts characters without whitespace). */
const LIMITS = {
  inlinePerRole: 10_240,
  managed: 6_144,
  trust: 2_048,
  bucket: 20_480,
  key: 32_768,
  topic: 30_720,
};

describe('Deploy day: sizes at the schema maximum of 400 staging accounts', () => {
  let maxed: SynthesizedApp | undefined;
  const maxedWorld = () => {
    maxed ??= synthesize({ config: maxedConfig() });
    return new DeployedWorld(maxed, ENVS);
  };

  it('keeps every policy document under its AWS size limit', () => {
    const w = maxedWorld();
    expect(maxed?.config.stagingAccounts).toHaveLength(400);
    const over: string[] = [];
    const sizes: Record<string, number> = {};
    const check = (what: string, size: number, limit: number) => {
      sizes[what] = size;
      if (size > limit) over.push(`${what}: ${size} > ${limit}`);
    };
    for (const role of w.ofType('AWS::IAM::Role')) {
      check(
        `${role.stack}/${role.logicalId} trust`,
        policySize(w, role.stack, role.properties.AssumeRolePolicyDocument),
        LIMITS.trust,
      );
      let inline = 0;
      for (const p of (role.properties.Policies ?? []) as { PolicyDocument: unknown }[]) {
        inline += policySize(w, role.stack, p.PolicyDocument);
      }
      for (const policy of w.ofType('AWS::IAM::Policy').filter((p) => p.stack === role.stack)) {
        if (((policy.properties.Roles ?? []) as { Ref?: string }[]).some((r) => r.Ref === role.logicalId)) {
          inline += policySize(w, policy.stack, policy.properties.PolicyDocument);
        }
      }
      check(`${role.stack}/${role.logicalId} inline`, inline, LIMITS.inlinePerRole);
    }
    for (const p of w.ofType('AWS::IAM::ManagedPolicy')) {
      check(`${p.stack}/${p.logicalId}`, policySize(w, p.stack, p.properties.PolicyDocument), LIMITS.managed);
    }
    for (const p of w.ofType('AWS::S3::BucketPolicy')) {
      check(`${p.stack}/${p.logicalId}`, policySize(w, p.stack, p.properties.PolicyDocument), LIMITS.bucket);
    }
    for (const p of w.ofType('AWS::SNS::TopicPolicy')) {
      check(`${p.stack}/${p.logicalId}`, policySize(w, p.stack, p.properties.PolicyDocument), LIMITS.topic);
    }
    for (const k of w.ofType('AWS::KMS::Key')) {
      check(`${k.stack}/${k.logicalId}`, policySize(w, k.stack, k.properties.KeyPolicy), LIMITS.key);
    }
    expect(over).toEqual([]);
    expect(Object.keys(sizes).length).toBeGreaterThan(10);
  });

  it('keeps every dashboard widget within 100 metrics and the staging-accounts parameter within its tier', () => {
    const w = maxedWorld();
    for (const dashboard of w.ofType('AWS::CloudWatch::Dashboard')) {
      const body = JSON.parse(w.render(dashboard.stack, dashboard.properties.DashboardBody)) as {
        widgets: { properties: { title?: string; metrics?: unknown[] } }[];
      };
      for (const widget of body.widgets) {
        expect(widget.properties.metrics?.length ?? 0, widget.properties.title).toBeLessThanOrEqual(100);
      }
    }
    for (const p of w.ofType('AWS::SSM::Parameter')) {
      const bytes = Buffer.byteLength(w.render(p.stack, p.properties.Value));
      expect(bytes).toBeLessThanOrEqual(p.properties.Tier === 'Advanced' ? 8192 : 4096);
    }
  });
});

describe('Deploy day: a failed first deploy can be retried', () => {
  it('retains no fixed-name resource on create (RetainExceptOnCreate), so a rollback leaves no name behind', () => {
    const named = (r: WorldResource) =>
      Object.entries(r.properties).some(
        ([k, v]) => /Name$/.test(k) && k !== 'DisplayName' && v !== undefined,
      );
    const blocking = world.resources
      .filter((r) => r.deletionPolicy === 'Retain' && named(r))
      .map((r) => `${r.stack}/${r.logicalId} (${r.type})`);
    expect(blocking).toEqual([]);
    expect(world.resources.some((r) => r.deletionPolicy === 'RetainExceptOnCreate' && named(r))).toBe(true);
  });
});

describe('Deploy day: documented commands', () => {
  it('names, in every `cdk deploy|destroy|diff|synth|watch|import` of the docs, a stack that `cdk ls` lists, and runs the pinned CLI (`npx cdk`)', () => {
    const listed = built.app.synth().stacks.map((s) => s.hierarchicalId);
    const docs = execFileSync('git', ['ls-files', '*.md'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f !== '' && !f.startsWith('node_modules/'));
    const commands: string[] = [];
    const wrong: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const match of text.matchAll(
        /(\S*)\s?cdk (deploy|destroy|diff|synth|watch|import|bootstrap)([^`\n]*)/g,
      )) {
        const [, before, verb, rest] = match as unknown as [string, string, string, string];
        const args = rest
          .trim()
          .split(/\s+/)
          .filter((a) => a !== '');
        if (args.length === 0 || /^[,.;:)]/.test(args[0] ?? '')) continue; // prose
        const command = `${file}: cdk ${verb} ${args.join(' ')}`;
        commands.push(command);
        // The CDK CLI is a dev dependency (package.json): documented commands run that version.
        if (!before.endsWith('npx')) wrong.push(`${command} does not run the pinned CLI (npx cdk)`);
        if (verb === 'bootstrap' || args.includes('--all')) continue;
        const stacks = args.filter((a) => !a.startsWith('-') && /^[\w*-]+$/.test(a));
        if (stacks.length === 0 && (verb === 'deploy' || verb === 'destroy'))
          wrong.push(`${command} names no stack`);
        for (const pattern of stacks) {
          const re = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
          if (!listed.some((id) => re.test(id))) {
            wrong.push(`${command}: ${pattern} matches none of ${listed.join(', ')}`);
          }
        }
      }
    }
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(wrong).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.devDependencies['aws-cdk']).toMatch(/^\^?2\./);
  });
});
