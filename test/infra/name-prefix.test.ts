/**
 * Issue 21 point 1: the constructs' name prefix names every physical resource, not only the
 * stacks, and the deployed tasks are told the prefixed names they find other resources by.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DrsOrchestrator, DrsStagingAccount } from '../../infra/lib/index.js';
import { HANDLER_ENV, resourceNames } from '../../infra/names.js';
import { FIXTURE_HANDLERS, resourcesOf } from './support.js';

const PREFIX = 'acme-dr';
const common = {
  orchestratorAccountId: '210987654321',
  orchestratorRegion: 'eu-central-1',
  organizationId: 'o-acmeorg0001',
  handlersDir: FIXTURE_HANDLERS,
  stackNamePrefix: PREFIX,
};

/** The four templates of a deployment with the non-default prefix. */
function prefixedTemplates(): Record<string, Template> {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'drs-prefix-')),
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
  });
  const orchestrator = new DrsOrchestrator(app, 'Orchestrator', {
    ...common,
    stagingAccounts: [{ accountId: '111111111111', region: 'eu-west-1' }],
  });
  const staging = new DrsStagingAccount(app, 'Staging', { ...common, regions: ['eu-west-1'] });
  app.synth();
  const region = staging.regions[0];
  const stacks: Record<string, Stack | undefined> = {
    main: orchestrator.main,
    observability: orchestrator.observability,
    iamRoles: region?.iamRoles,
    executor: region?.executor,
  };
  const out: Record<string, Template> = {};
  for (const [name, stack] of Object.entries(stacks)) {
    if (stack === undefined) throw new Error(`no ${name} stack`);
    out[name] = Template.fromStack(stack);
  }
  return out;
}

/** Property keys that carry a physical name (or an ARN built from one). */
const NAME_KEY =
  /Name$|^Name$|^AliasName$|^Environment$|^PolicyDocument$|^AssumeRolePolicyDocument$|^DefinitionString$/;

/** Every name-carrying property value of a template, as text. */
function namedValues(t: Template): string[] {
  const values: string[] = [];
  for (const resource of Object.values(t.toJSON().Resources as Record<string, { Properties?: unknown }>)) {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        for (const [k, v] of Object.entries(node)) {
          if (NAME_KEY.test(k)) values.push(JSON.stringify(v));
          else walk(v);
        }
      }
    };
    walk(resource.Properties);
  }
  return values;
}

/** Today's (default-prefix) names: `drs-...`, `DRS-Orchestration...`, `DRS/Orchestration`, `alias/drs-...`. */
const DEFAULT_NAME =
  /drs-orchestration-|drs-staging-account|"drs-|[/:]drs-|DRS-Orchestration|DRS\/Orchestration|alias\/drs/;

describe('Construct props: name prefix (stackNamePrefix) names every resource', () => {
  const templates = prefixedTemplates();
  const names = resourceNames(PREFIX);

  it('leaves no physical name, ARN or policy of the four stacks with a default-prefix name', () => {
    const offenders: string[] = [];
    for (const [stack, t] of Object.entries(templates)) {
      // POWERTOOLS_SERVICE_NAME names the software in log lines, not a resource.
      for (const v of namedValues(t).map((x) =>
        x.replace('"POWERTOOLS_SERVICE_NAME":"drs-orchestration"', ''),
      )) {
        const hit = DEFAULT_NAME.exec(v);
        if (hit) offenders.push(`${stack}: ${v.slice(Math.max(0, hit.index - 60), hit.index + 60)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('names the functions, roles, state machines, bucket, topic and aliases with the prefix', () => {
    const fns = Object.values(resourcesOf(templates.main as Template, 'AWS::Lambda::Function')).map(
      (f) => f.FunctionName,
    );
    expect(fns).toContain('acme-dr-start-executor');
    expect(fns.length).toBeGreaterThan(5);
    for (const f of fns) expect(String(f)).toMatch(/^acme-dr-/);
    const machines = Object.values(
      resourcesOf(templates.main as Template, 'AWS::StepFunctions::StateMachine'),
    ).map((m) => m.StateMachineName);
    expect(machines.sort()).toEqual(['acme-dr-drill-cleanup', 'acme-dr-main', 'acme-dr-waves']);
    const executor = Object.values(
      resourcesOf(templates.executor as Template, 'AWS::StepFunctions::StateMachine'),
    ).map((m) => m.StateMachineName);
    expect(executor).toEqual(['acme-dr-executor']);
    const stagingRoles = Object.values(resourcesOf(templates.iamRoles as Template, 'AWS::IAM::Role')).map(
      (r) => r.RoleName,
    );
    expect(stagingRoles.sort()).toEqual(['acme-dr-executor-starter', 'acme-dr-role']);
    const topics = Object.values(resourcesOf(templates.observability as Template, 'AWS::SNS::Topic'));
    expect(topics.map((t) => t.TopicName)).toEqual(['acme-dr-notifications']);
    const buckets = Object.values(resourcesOf(templates.main as Template, 'AWS::S3::Bucket')).map(
      (b) => b.BucketName,
    );
    expect(buckets).toContain('acme-dr-results-210987654321-eu-central-1');
  });

  it('tells the deployed tasks the prefixed names they find the executor, its starter, the callback role and the machines by', () => {
    const envOf = (t: Template, fn: string) => {
      const found = Object.values(resourcesOf(t, 'AWS::Lambda::Function')).find((f) => f.FunctionName === fn);
      return (found?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    };
    const start = envOf(templates.main as Template, 'acme-dr-start-executor');
    expect(start[HANDLER_ENV.executorStateMachine]).toBe(names.stateMachines.executor);
    expect(start[HANDLER_ENV.executorStarterRole]).toBe('acme-dr-executor-starter');
    expect(start[HANDLER_ENV.executorCallbackRole]).toBe('acme-dr-executor-callback');
    expect(start.POWERTOOLS_METRICS_NAMESPACE).toBe(names.metricsNamespace);
    expect(start[HANDLER_ENV.stagingAccountsPath]).toBe('/acme-dr/staging-accounts');
    const report = envOf(templates.main as Template, 'acme-dr-write-report');
    expect(report[HANDLER_ENV.mainStateMachine]).toBe('acme-dr-main');
    expect(report[HANDLER_ENV.wavesStateMachine]).toBe('acme-dr-waves');
    const monitorJob = envOf(templates.executor as Template, 'acme-dr-monitor-job');
    expect(monitorJob.POWERTOOLS_METRICS_NAMESPACE).toBe(names.metricsNamespace);
  });
});
