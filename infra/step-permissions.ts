/**
 * What the waves workflow's role may do for runbook steps, per step kind: only the SSM documents,
 * Lambda functions, hosted zones, health checks and saved-DNS keys the deployer's runbooks name
 * (or that start with a prefix the deployer sets). Pure: statements as data, turned into IAM
 * statements by the main-orchestrator stack and checked by the template tests.
 */
import { DNS_CHANGES_PATH, type ParsedRunbook, type RunbookStep } from '../src/contract/index.js';

/** The runbook steps a deployment allows (nothing when absent: steps then fail with AccessDenied). */
export interface RunbookStepAccess {
  /** Runbooks (as `parseRunbook` returns them) whose steps the waves workflow may run. */
  readonly runbooks?: readonly ParsedRunbook[];
  /** Any SSM document (Automation or Command) whose name starts with this prefix, e.g. `DR-`. */
  readonly ssmDocumentPrefix?: string;
  /** Any Lambda function whose name starts with this prefix, e.g. `dr-step-`. */
  readonly lambdaFunctionPrefix?: string;
  /** Hosted zones dns steps may change (besides those the runbooks name). */
  readonly hostedZoneIds?: readonly string[];
  /** Health checks wait steps may read (besides those the runbooks name). */
  readonly healthCheckIds?: readonly string[];
}

/** Where the statements apply. */
export interface StepScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** One IAM statement (Allow). */
export interface StepStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

function allSteps(runbooks: readonly ParsedRunbook[]): RunbookStep[] {
  return runbooks.flatMap((r) =>
    r.waves.flatMap((w) => [...(w.steps ?? w.before ?? []), ...(w.after ?? [])]),
  );
}

const uniq = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** A document name or ARN as the resource SendCommand / StartAutomationExecution authorize. */
function documentArn(document: string, kind: 'document' | 'automation-definition', scope: StepScope): string {
  if (document.startsWith('arn:'))
    return kind === 'document' ? document : document.replace(':document/', ':automation-definition/');
  // AWS-owned documents (AWS-RunShellScript, AWSSupport-...) have no account in their ARN.
  const owner = /^(AWS|Amazon)/.test(document) ? '' : scope.account;
  const suffix = kind === 'automation-definition' ? ':*' : '';
  return `arn:${scope.partition}:ssm:${scope.region}:${owner}:${kind}/${document}${suffix}`;
}

function functionArns(fn: string, scope: StepScope): string[] {
  // A qualified name or ARN (`name:live`) is authorized on the function itself.
  const base = fn.startsWith('arn:')
    ? fn.split(':').slice(0, 7).join(':')
    : `arn:${scope.partition}:lambda:${scope.region}:${scope.account}:function:${fn.split(':')[0]}`;
  // The function and its versions and aliases.
  return [base, `${base}:*`];
}

/**
 * The statements the waves workflow's role needs for the steps `access` allows, one group per kind.
 *
 * @example
 * stepStatements({ runbooks: [rb] }, { partition: 'aws', region: 'us-east-1', account: '123456789012' })
 * // [{ sid: 'RunbookSsmCommand', actions: ['ssm:SendCommand'], resources: ['arn:aws:ssm:us-east-1::document/AWS-RunShellScript', ...] }, ...]
 */
export function stepStatements(access: RunbookStepAccess | undefined, scope: StepScope): StepStatement[] {
  if (access === undefined) return [];
  return statementsFor(allSteps(access.runbooks ?? []), access, scope);
}

/** The statements for `steps` and the prefixes and extra ids of `access`. */
function statementsFor(
  steps: readonly RunbookStep[],
  access: RunbookStepAccess,
  scope: StepScope,
): StepStatement[] {
  const of = (kind: string) => steps.filter((s) => s.kind === kind);
  const out: StepStatement[] = [];
  const ssmPrefix = access.ssmDocumentPrefix;
  const instances = `arn:${scope.partition}:ec2:${scope.region}:${scope.account}:instance/*`;

  const automations = uniq(
    of('ssm-automation').map((s) => documentArn(String(s.document), 'automation-definition', scope)),
  );
  if (ssmPrefix !== undefined) automations.push(documentArn(`${ssmPrefix}*`, 'automation-definition', scope));
  if (automations.length > 0) {
    out.push({
      sid: 'RunbookSsmAutomationStart',
      actions: ['ssm:StartAutomationExecution'],
      resources: uniq(automations),
    });
    out.push({
      sid: 'RunbookSsmAutomationRead',
      actions: ['ssm:GetAutomationExecution'],
      resources: [`arn:${scope.partition}:ssm:${scope.region}:${scope.account}:automation-execution/*`],
    });
  }

  const commands = uniq(of('ssm-command').map((s) => documentArn(String(s.document), 'document', scope)));
  if (ssmPrefix !== undefined) commands.push(documentArn(`${ssmPrefix}*`, 'document', scope));
  if (commands.length > 0) {
    // SendCommand authorizes the document and every target instance.
    out.push({
      sid: 'RunbookSsmCommand',
      actions: ['ssm:SendCommand'],
      resources: uniq([...commands, instances]),
    });
    // ListCommandInvocations has no resource-level permissions (IAM Service Authorization Reference).
    out.push({ sid: 'RunbookSsmCommandRead', actions: ['ssm:ListCommandInvocations'], resources: ['*'] });
  }

  const functions = of('lambda').flatMap((s) => functionArns(String(s.function), scope));
  if (access.lambdaFunctionPrefix !== undefined) {
    functions.push(
      `arn:${scope.partition}:lambda:${scope.region}:${scope.account}:function:${access.lambdaFunctionPrefix}*`,
    );
  }
  if (functions.length > 0) {
    out.push({ sid: 'RunbookLambdaInvoke', actions: ['lambda:InvokeFunction'], resources: uniq(functions) });
  }

  const dns = of('dns');
  const zones = uniq([
    ...dns.flatMap((s) => (s.hostedZoneId ? [s.hostedZoneId] : [])),
    ...(access.hostedZoneIds ?? []),
  ]);
  const restores = dns.filter((s) => s.restore !== undefined);
  if (zones.length > 0 || restores.length > 0) {
    // A restore changes the zone its failover saved: the deployer lists it (hostedZoneIds) or the
    // failover runbook is among the runbooks.
    out.push({
      sid: 'RunbookDnsChange',
      actions: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
      resources: zones.map((z) => `arn:${scope.partition}:route53:::hostedzone/${z}`),
    });
    out.push({
      sid: 'RunbookDnsChangeStatus',
      actions: ['route53:GetChange'],
      resources: [`arn:${scope.partition}:route53:::change/*`],
    });
    const parameter = (k: string) =>
      `arn:${scope.partition}:ssm:${scope.region}:${scope.account}:parameter${DNS_CHANGES_PATH}/${k}`;
    const saves = uniq(dns.flatMap((s) => (s.saveAs ? [s.saveAs] : [])));
    if (saves.length > 0)
      out.push({ sid: 'RunbookDnsSave', actions: ['ssm:PutParameter'], resources: saves.map(parameter) });
    if (restores.length > 0) {
      out.push({
        sid: 'RunbookDnsRestore',
        actions: ['ssm:GetParameter'],
        resources: uniq(restores.map((s) => parameter(String(s.restore)))),
      });
    }
  }

  const checks = uniq([
    ...of('wait').flatMap((s) => (s.healthCheckId ? [s.healthCheckId] : [])),
    ...(access.healthCheckIds ?? []),
  ]);
  if (checks.length > 0) {
    out.push({
      sid: 'RunbookHealthCheck',
      actions: ['route53:GetHealthCheckStatus'],
      resources: checks.map((c) => `arn:${scope.partition}:route53:::healthcheck/${c}`),
    });
  }
  return out.filter((s) => s.resources.length > 0);
}

/**
 * Whether the runbooks `access` allows run SSM steps on recovered instances (ssm-command, or
 * ssm-automation with `instancesParameter`, or any by the document prefix): then the waves
 * workflow assumes each staging account's runbook-steps role, which grants
 * {@link stagingStepStatements}.
 */
export function needsStagingStepRole(access: RunbookStepAccess | undefined): boolean {
  return stagingStepStatements(access, { partition: 'aws', region: 'r', account: 'a' }).length > 0;
}

/**
 * What the runbook-steps role of a staging account may do: SSM Run Command and Automation in
 * that account, on the documents the runbooks name (or the prefix) and the account's instances.
 * Only the SSM steps that act on recovered instances run there (ssm-command; ssm-automation with
 * `instancesParameter`); Lambda, DNS and health checks stay in the orchestrator account.
 *
 * @example
 * stagingStepStatements({ runbooks: [rb] }, { partition: 'aws', region: 'us-east-2', account: '111111111111' })
 * // [{ sid: 'RunbookSsmCommand', actions: ['ssm:SendCommand'], resources: [...document/AWS-RunShellScript, ...instance/*] }, ...]
 */
export function stagingStepStatements(
  access: RunbookStepAccess | undefined,
  scope: StepScope,
): StepStatement[] {
  if (access === undefined) return [];
  const steps = allSteps(access.runbooks ?? []);
  const onInstances = steps.filter(
    (s) => s.kind === 'ssm-command' || (s.kind === 'ssm-automation' && s.instancesParameter !== undefined),
  );
  const ssmOnly: RunbookStepAccess =
    access.ssmDocumentPrefix === undefined ? {} : { ssmDocumentPrefix: access.ssmDocumentPrefix };
  return statementsFor(onInstances, ssmOnly, scope).filter((st) => st.sid.startsWith('RunbookSsm'));
}
