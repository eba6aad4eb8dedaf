/**
 * The emulator's services are a registry: each service's knowledge lives in its own folder
 * (`src/emulator/services/<name>/`), and everything else iterates over the descriptors. These
 * tests hold that line: a file outside the services' folders that names a service must be listed
 * below with its reason, no service reaches into another's folder, and each service's operations
 * are listed once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../../../src/emulator/services/index.js';
import { SERVED_OPERATIONS, SSM_RUN_OPERATIONS } from './service-operations.js';

const ROOT = join(import.meta.dirname, '../../../src/emulator');

/** How code names each service: its signing name, its type and function names, its IAM prefix. */
const NAMES: Readonly<Record<string, RegExp>> = {
  drs: /(?<![A-Za-z])(?:drs|Drs|DRS)(?![a-z]|-orch)/,
  s3: /(?<![A-Za-z0-9])(?:s3|S3)(?![a-z0-9])/,
  sns: /(?<![A-Za-z])(?:sns|Sns|SNS)(?![a-z])/,
  ssm: /(?<![A-Za-z])(?:ssm|Ssm|SSM)(?![a-z])/,
  sts: /(?<![A-Za-z])(?:sts|Sts|STS)(?![a-z])/,
  ec2: /(?<![A-Za-z0-9])(?:ec2|Ec2|EC2)(?![a-z0-9])/,
  states: /['"`]states['"`:]|statesService|StepFunctions|stepFunctions|(?<![A-Za-z])(?:sfn|Sfn)(?![a-z])/,
  servicequotas: /servicequotas|ServiceQuotas|serviceQuotas|service-quotas/,
  route53: /(?<![A-Za-z])(?:route53|Route53|Route ?53)(?![a-z])/,
  lambda: /(?<![A-Za-z])(?:lambda|Lambda)Service|['"`]lambda['"`]/,
};

/**
 * The files outside a service's folder allowed to name it, and why. Everything else reaches a
 * service through the registry.
 */
const ALLOWED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'services/index.ts': Object.fromEntries(
    Object.keys(NAMES).map((n) => [n, 'the registry: the one list of the services']),
  ),
  'index.ts': {
    states: 'the public API: startEmulator({ stepFunctions }) plugs a Step Functions backend in',
    drs: "the public API: emu.drs, every account's DRS for tests and reports",
  },
  'serve.ts': {
    states: '`drs-orch serve` plugs the Step Functions backend in',
    drs: '`drs-orch serve` prints how many source servers each account has',
  },
  'snapshot.ts': { drs: 'reads version 1 world files and journals, which kept DRS accounts at the top' },
  'protocols/ec2.ts': { ec2: 'botocore names the EC2 query protocol `ec2`' },
  'protocols/service-errors.ts': { ec2: 'botocore names the EC2 query protocol `ec2`' },
  'registry.ts': { ec2: 'botocore names the EC2 query protocol `ec2`' },
  'server.ts': { ec2: 'botocore names the EC2 query protocol `ec2`' },
  'auth/credentials.ts': {
    sts: 'an assumed-role session is an STS principal ARN: the identity every service sees',
  },
  'auth/iam-policy.ts': { sts: "a trust policy's action is sts:AssumeRole by IAM's definition" },
  'fleet/types.ts': {
    s3: "the fleet file's schema says what each account holds (its buckets)",
    sns: "the fleet file's schema says what each account holds (its topics)",
    ssm: "the fleet file's schema says what each account holds (its parameters)",
  },
  'fleet/demo.ts': {
    ssm: "the demo fleet holds the example runbook's SSM documents",
    drs: "the demo fleet names the staging accounts' DRS-Orchestration roles",
    sts: "the demo fleet's runbook-steps role carries a trust policy, which names sts:AssumeRole",
  },
  'fleet/load.ts': { drs: "the fleet check applies DRS's replicating-servers quota to the fleet file" },
  'fleet/generate.ts': {
    drs: 'a generated fleet names its DRS roles and servers',
    s3: 'a generated fleet holds buckets',
    sns: 'a generated fleet holds topics',
    ssm: 'a generated fleet holds parameters',
    sts: 'a generated fleet carries IAM policies, which name actions',
    states: 'a generated fleet carries IAM policies, which name actions',
  },
  'faults.ts': {
    ssm: "the fault plan's launch-action faults fail a DRS post-launch action, an SSM document",
    lambda: 'the fault plan names what a runbook step acts on (stepFailures target lambda)',
  },
  'inspection.ts': {
    s3: 'a save refuses to write into a folder of S3 object bodies (*.objects), and its message says so',
  },
};

/** Source text without comments (what a file says, not what it explains). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('the service registry', () => {
  it('has every service the naming check knows, and the check knows every service', () => {
    expect(SERVICES.descriptors.map((d) => d.name).sort()).toEqual(Object.keys(NAMES).sort());
  });

  it('leaves no file outside services/ naming a service, but those listed with a reason', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(ROOT)) {
      const path = relative(ROOT, file);
      if (path.startsWith('services/') && path !== 'services/index.ts') continue;
      const text = code(readFileSync(file, 'utf8'));
      for (const [service, pattern] of Object.entries(NAMES)) {
        if (ALLOWED[path]?.[service] !== undefined) continue;
        const hit = pattern.exec(text) ?? new RegExp(`services/${service}/|'\\./${service}/`).exec(text);
        if (hit)
          offenders.push(
            `${path} names ${service}: ${text.slice(Math.max(0, hit.index - 30), hit.index + 30).replace(/\s+/g, ' ')}`,
          );
      }
    }

    expect(offenders).toEqual([]);
  });

  it('lists no exception that is not needed', () => {
    const stale: string[] = [];
    for (const [path, services] of Object.entries(ALLOWED)) {
      const text = code(readFileSync(join(ROOT, path), 'utf8'));
      for (const service of Object.keys(services)) {
        if (!NAMES[service]?.test(text)) stale.push(`${path}: ${service}`);
      }
    }

    expect(stale).toEqual([]);
  });

  it("lists each service's operations once: only its operations table names most of them", () => {
    const files = [...sourceFiles(ROOT), ...sourceFiles(join(ROOT, '../../scripts'))].map((file) => ({
      file: relative(join(ROOT, '../..'), file),
      text: code(readFileSync(file, 'utf8')),
    }));
    const lists: Record<string, string[]> = {};
    // SSM's two tables (Parameter Store, Automation and Run Command) are each listed once.
    const runs = Object.keys(SSM_RUN_OPERATIONS);
    const tables = Object.entries(SERVED_OPERATIONS).map(([service, operations]): [string, string[]] => [
      service,
      Object.keys(operations).filter((name) => service !== 'ssm' || !runs.includes(name)),
    ]);
    for (const [service, names] of [...tables, ['ssm runs', runs] as [string, string[]]]) {
      // A list is a file naming most of a service's operations (all of them for two or three).
      const most = Math.max(names.length <= 3 ? names.length : 2, Math.ceil(names.length * 0.6));
      lists[service] = files
        .filter(({ text }) => names.filter((name) => new RegExp(`\\b${name}\\b`).test(text)).length >= most)
        .map(({ file }) => file);
    }

    expect(lists).toEqual({
      // DRS's table is assembled from its parts (service.ts: jobs, servers, instances, tags;
      // launch-settings.ts; replication-settings.ts): each names its own, none most of them.
      drs: [],
      // iam.ts lists the EC2 actions DRS performs for the caller (IAM), not what EC2 serves here.
      ec2: ['src/emulator/services/drs/iam.ts', 'src/emulator/services/ec2/ec2.ts'],
      lambda: ['src/emulator/services/lambda/index.ts'],
      route53: ['src/emulator/services/route53/index.ts'],
      s3: ['src/emulator/services/s3/s3.ts'],
      servicequotas: ['src/emulator/services/servicequotas/service-quotas.ts'],
      sns: ['src/emulator/services/sns/sns.ts'],
      ssm: ['src/emulator/services/ssm/ssm.ts'],
      'ssm runs': ['src/emulator/services/ssm/runs.ts'],
      states: ['src/emulator/services/states/stepfunctions.ts'],
      sts: ['src/emulator/services/sts/sts.ts'],
    });
    expect(Object.keys(SERVED_OPERATIONS).sort()).toEqual(SERVICES.descriptors.map((d) => d.name).sort());
  });

  it("keeps each service to its folder: no service imports another service's folder", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'services'))) {
      const path = relative(join(ROOT, 'services'), file);
      const own = path.split('/')[0];
      if (!path.includes('/')) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.\.\/[^']+)'/g)) {
        const target = relative(join(ROOT, 'services'), join(file, '..', m[1] as string));
        const other = target.split('/')[0];
        if (!target.startsWith('..') && other !== own) offenders.push(`services/${path} imports ${m[1]}`);
      }
    }

    expect(offenders).toEqual([]);
  });
});
