/**
 * Issue 21, least privilege at organization scale: what a 50-account rollout relies on, read from
 * the synthesized templates of the repository's own configuration (one synthesis shared by the
 * whole file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DeploymentConfig,
  loadDeploymentConfig,
  parseDeploymentConfig,
  REPO_ROOT,
} from '../../infra/config.js';
import { parseOrchestrationInput } from '../../src/contract/input.js';
import { resourcesOf, synthesize } from './support.js';

const built = synthesize({});
const main = built.template(built.main as NonNullable<typeof built.main>);
const observability = built.template(built.observability as NonNullable<typeof built.observability>);
const executor = built.template(built.executor as NonNullable<typeof built.executor>);

type Resource = { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> };
const resources = (t: typeof main) => Object.entries(t.toJSON().Resources as Record<string, Resource>);

/** What EventBridge sends for one scheduled event: the input template with its `<field>`s filled in. */
function renderInputTransformer(
  transformer: { InputPathsMap: Record<string, string>; InputTemplate: unknown },
  event: Record<string, string>,
): unknown {
  const template = transformer.InputTemplate as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof template === 'string'
      ? template
      : template['Fn::Join'][1]
          .map((part) =>
            typeof part === 'string'
              ? part
              : 'arn:aws:sns:us-east-1:123456789012:drs-orchestration-notifications',
          )
          .join(template['Fn::Join'][0]);
  const filled = text.replace(/<([\w-]+)>/g, (whole, name: string) => {
    const path = transformer.InputPathsMap[name];
    return path === undefined ? whole : (event[path.replace(/^\$\./, '')] ?? whole);
  });
  return JSON.parse(filled);
}

describe('Org rollout: schedules', () => {
  it('leaves the weekly drill and the drill cleanup disabled unless the configuration turns them on', () => {
    const rules = Object.values(resourcesOf(observability, 'AWS::Events::Rule'));
    for (const name of ['drs-weekly-drill', 'drs-drill-cleanup']) {
      expect(rules.find((r) => r.Name === name)?.State, name).toBe('DISABLED');
    }
    const raw = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'deployment.json'), 'utf8'));
    const staging = readFileSync(join(REPO_ROOT, 'config', 'staging-accounts.json'), 'utf8');
    const { enabled: _d, ...drill } = raw.weeklyDrill;
    const { enabled: _c, ...cleanup } = raw.drillCleanup;
    const defaults = parseDeploymentConfig({ ...raw, weeklyDrill: drill, drillCleanup: cleanup }, staging);
    expect(defaults.weeklyDrill.enabled).toBe(false);
    expect(defaults.drillCleanup.enabled).toBe(false);
  });

  it('gives every scheduled drill its own valid correlation id, from the event time, so week 2 is not refused', () => {
    const rule = Object.values(resourcesOf(observability, 'AWS::Events::Rule')).find(
      (r) => r.Name === 'drs-weekly-drill',
    );
    const [target] = (rule?.Targets ?? []) as {
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: unknown };
    }[];
    const transformer = target?.InputTransformer as NonNullable<typeof target>['InputTransformer'];
    expect(transformer.InputPathsMap).toEqual({ time: '$.time' });
    const weeks = ['2026-12-12T06:00:00Z', '2026-12-19T06:00:00Z'].map((time) =>
      parseOrchestrationInput(renderInputTransformer(transformer, { time, id: 'ignored' })),
    );
    const ids = weeks.map((w) => w.metadata.correlationId);
    expect(ids).toEqual(['scheduled-drill-2026-12-12T06:00:00Z', 'scheduled-drill-2026-12-19T06:00:00Z']);
    expect(JSON.stringify(rule)).not.toContain('"correlationId":"scheduled-drill"');
  });
});

describe('Org rollout: redeploy after destroy', () => {
  it('names no retained log group with a fixed name (a per-stack suffix), and keeps the key only after a create succeeded', () => {
    const all = [main, observability, executor].flatMap(resources);
    const retained = all.filter(
      ([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate',
    );
    expect(retained.length).toBeGreaterThan(10);
    const fixed = retained
      .filter(([, r]) =>
        Object.entries(r.Properties ?? {}).some(([k, v]) => /Name$/.test(k) && typeof v === 'string'),
      )
      .map(([id, r]) => `${id} (${r.Type})`);
    // The results bucket keeps its name: the staging accounts' executors are told where to write
    // before it exists. infra/README.md gives its exact clean-up before a redeploy.
    expect(fixed).toEqual([expect.stringMatching(/^Results[0-9A-F]{8} \(AWS::S3::Bucket\)$/)]);
    for (const [, r] of retained.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')) {
      expect(JSON.stringify(r.Properties?.LogGroupName)).toContain('AWS::StackId');
    }
    const keys = all.filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(2);
    for (const [, key] of keys) expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
  });
});

/** The repository's configuration with `count` staging accounts. */
function configWith(count: number): DeploymentConfig {
  const base = loadDeploymentConfig();
  const stagingAccounts = Array.from({ length: count }, (_, i) => {
    const accountId = String(100000000000 + i * 7919);
    return {
      accountId,
      region: i % 2 === 0 ? 'us-east-2' : 'eu-west-1',
      roleArn: `arn:aws:iam::${accountId}:role/DRS-Orchestration-Role`,
      maxServers: 300,
      priority: i + 1,
    };
  });
  return { ...base, stagingAccounts };
}

describe('Org rollout: another account changes nothing in the orchestrator account', () => {
  const isRegistryEntry = (id: string, r: Resource) =>
    r.Type === 'AWS::SSM::Parameter' &&
    String(r.Properties?.Name).startsWith('/drs-orchestration/staging-accounts/') &&
    id.startsWith('StagingAccount');
  /** main-orchestrator and observability for `count` accounts: registry entries apart from the rest. */
  const orchestratorTemplates = (count: number) => {
    const app = synthesize({ stacks: ['observability'], config: configWith(count) });
    return [app.main, app.observability].map((stack) => {
      const template = app.template(stack as NonNullable<typeof stack>).toJSON() as {
        Resources: Record<string, Resource>;
      };
      const all = Object.entries(template.Resources);
      return {
        resources: all.length,
        entries: Object.fromEntries(all.filter(([id, r]) => isRegistryEntry(id, r))),
        template: {
          ...template,
          Resources: Object.fromEntries(all.filter(([id, r]) => !isRegistryEntry(id, r))),
        },
      };
    });
  };

  it('synthesizes main-orchestrator and observability for 3 and for 51 accounts identically, but for the registry entries', () => {
    const [three, fiftyOne] = [orchestratorTemplates(3), orchestratorTemplates(51)];
    expect(three.map((t) => Object.keys(t.entries).length)).toEqual([3, 0]);
    expect(fiftyOne.map((t) => Object.keys(t.entries).length)).toEqual([51, 0]);
    expect(fiftyOne.map((t) => t.template)).toEqual(three.map((t) => t.template));
    // The entries themselves: one standard parameter per account, its value that account's entry.
    const values = Object.values(fiftyOne[0]?.entries ?? {}).map((r) => ({
      name: r.Properties?.Name,
      value: JSON.parse(String(r.Properties?.Value)),
    }));
    expect(values).toEqual(
      configWith(51).stagingAccounts.map((a) => ({
        name: `/drs-orchestration/staging-accounts/${a.accountId}`,
        value: expect.objectContaining({ accountId: a.accountId, region: a.region, roleArn: a.roleArn }),
      })),
    );
    // Account 51 is in no policy, alarm or list outside its own registry entry.
    const account51 = configWith(51).stagingAccounts[50]?.accountId as string;
    expect(JSON.stringify(fiftyOne.map((t) => t.template))).not.toContain(account51);
  });

  it('accepts as many accounts as the registry schema allows, with main-orchestrator under CloudFormation’s 500 resources', () => {
    const schema = JSON.parse(
      readFileSync(join(REPO_ROOT, 'schemas', 'staging-accounts.schema.json'), 'utf8'),
    );
    const max = schema.properties.stagingAccounts.maxItems as number;
    expect(max).toBeGreaterThan(50);
    const [main] = orchestratorTemplates(max);
    expect(Object.keys(main?.entries ?? {})).toHaveLength(max);
    expect(main?.resources).toBeLessThanOrEqual(500);
  });
});
