/**
 * The built-in `demo` fleet: orchestrator 123456789012 (us-east-1) with the staging-account
 * registry (one SSM parameter per account), the results bucket and the `dr-notifications` topic; staging accounts 111111111111,
 * 222222222222 and 333333333333 (us-east-2) with `DRS-Orchestration-Role` and `DRS-Orchestration-Runbook-Steps` trusting the
 * orchestrator and 200 source servers each (HRP, HealthEdge, Connectors; waves 1-4), one tagged
 * `DR-Test=single` and six not in CONTINUOUS replication (all outside wave 1).
 */
import { generateFleet } from './generate.js';
import type { Fleet, FleetAccount, FleetRole } from './types.js';

/** Builds the demo fleet (deterministic: same seed, same fleet). */
export function demoFleet(): Fleet {
  const fleet = generateFleet({
    seed: 2024,
    accounts: ['111111111111', '222222222222', '333333333333'],
    serversPerAccount: 200,
    notContinuous: 6,
    singleTestServer: true,
  });
  return {
    ...fleet,
    // The orchestrator account also holds what examples/service-failover-runbook.yaml's steps
    // act on: the service's zone, its health check, a database check document, a function.
    accounts: fleet.accounts.map((a) =>
      a.accountId === fleet.orchestratorAccountId
        ? { ...a, ...DEMO_STEP_TARGETS }
        : // The recovered instances live here: the runbook's SSM steps run as this role.
          {
            ...a,
            roles: [...(a.roles ?? []), runbookStepsRole(fleet.orchestratorAccountId ?? '123456789012')],
          },
    ),
    name: 'demo',
  };
}

/**
 * `DRS-Orchestration-Runbook-Steps` of a staging account (infra: iam-roles-stack.ts), trusting
 * the orchestrator: what the waves workflow's ssm-command and ssm-automation steps assume there.
 */
export function runbookStepsRole(orchestratorAccountId: string): FleetRole {
  return {
    name: 'DRS-Orchestration-Runbook-Steps',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${orchestratorAccountId}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    },
  };
}

/** The demo's Route 53 zone, health check, SSM documents and Lambda function (runbook steps). */
export const DEMO_STEP_TARGETS = {
  hostedZones: [
    {
      id: 'Z0DEMOHRP00001',
      name: 'hrp.example.com',
      records: [
        { name: 'app.hrp.example.com', type: 'A', ttl: 300, values: ['192.0.2.10', '192.0.2.11'] },
        { name: 'www.hrp.example.com', type: 'CNAME', ttl: 300, values: ['app.hrp.example.com'] },
      ],
    },
  ],
  healthChecks: [{ id: 'hc-hrp-app', healthyAfterSeconds: 90 }],
  ssmDocuments: [
    { name: 'AWS-RunShellScript', type: 'Command', durationSeconds: 20, output: 'accepting connections' },
    { name: 'HRP-WarmCaches', type: 'Automation', durationSeconds: 120 },
  ],
  lambdaFunctions: [{ name: 'hrp-service-check', answer: { ok: true, checked: 'hrp' } }],
} as const satisfies Pick<FleetAccount, 'hostedZones' | 'healthChecks' | 'ssmDocuments' | 'lambdaFunctions'>;
