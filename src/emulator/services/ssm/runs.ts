/**
 * SSM Automation and Run Command (json 1.1, `AmazonSSM.*`) for runbook ssm-automation and
 * ssm-command steps: StartAutomationExecution, GetAutomationExecution,
 * DescribeAutomationExecutions, SendCommand, ListCommandInvocations, GetCommandInvocation,
 * DescribeInstanceInformation. A run moves Pending -> InProgress -> Success | Failed in virtual
 * time (the fleet's `durationSeconds` for the document, 20 s by default); the fault plan's
 * `stepFailures` fail a document (a command on every instance, or on the one named). They join
 * SSM's operations (services/ssm/descriptor.ts). Managed instances are the fleet's
 * running recovery instances of the caller's account (an instance of another account is not
 * found: a runbook step reaches it as a role there).
 */
import type { FleetSsmDocument } from '../../fleet/types.js';
import { jsonResponse } from '../../protocols/json.js';
import { ServiceError } from '../../protocols/service-errors.js';
import { jsonBodyOf, nonEmpty } from '../../registry.js';
import type { Operation, OperationAuthorization, Operations, ServiceContext } from '../../types.js';

/** Virtual seconds a run takes when the fleet does not say. */
export const DEFAULT_RUN_SECONDS = 20;

/** A running instance SSM manages. */
export interface ManagedInstance {
  readonly instanceId: string;
  readonly ip?: string;
  readonly name?: string;
}

interface Automation {
  readonly id: string;
  readonly accountId: string;
  readonly document: string;
  readonly version: string;
  readonly parameters: Record<string, string[]>;
  readonly startMs: number;
  readonly endMs: number;
  readonly failure?: string;
}

interface Command {
  readonly id: string;
  readonly accountId: string;
  readonly document: string;
  readonly version: string;
  readonly comment: string;
  readonly parameters: Record<string, string[]>;
  readonly instances: readonly ManagedInstance[];
  readonly startMs: number;
  readonly endMs: number;
  readonly output: string;
  /** Failure reason per failing instance. */
  readonly failures: Readonly<Record<string, string>>;
}

/** The runs as saved with the world (in SSM's slice). */
export interface SsmRunsSnapshot {
  readonly automations?: readonly Automation[];
  readonly commands?: readonly Command[];
}

/** Automation executions and commands of every account (saved with the world). */
export class SsmRunsState {
  readonly automations: Automation[] = [];
  readonly commands: Command[] = [];
  #next = 0;

  /** A fresh id (36 characters, like SSM's). */
  nextId(nowMs: number): string {
    this.#next += 1;
    const hex = `${nowMs.toString(16)}${this.#next.toString(16).padStart(8, '0')}`
      .padStart(32, '0')
      .slice(-32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  toJSON(): SsmRunsSnapshot {
    return { automations: this.automations, commands: this.commands };
  }

  static fromJSON(snapshot: SsmRunsSnapshot): SsmRunsState {
    const s = new SsmRunsState();
    s.automations.push(...(snapshot.automations ?? []));
    s.commands.push(...(snapshot.commands ?? []));
    s.#next = s.automations.length + s.commands.length;
    return s;
  }
}

/** What the runs handler needs from the world. */
export interface SsmRunsPorts {
  readonly state: SsmRunsState;
  /** The fleet's document of an account (AWS-* Command documents exist without it). */
  document(accountId: string, name: string): FleetSsmDocument | undefined;
  /** The running recovery instances SSM manages in an account. */
  instances(accountId: string): readonly ManagedInstance[];
  /** Why a document (on an instance) fails under the fault plan, or undefined. */
  failure(target: 'ssm-command' | 'ssm-automation', name: string, instanceId?: string): string | undefined;
}

const seconds = (ms: number): number => ms / 1000;

function parametersOf(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw)) {
    out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  return out;
}

function documentName(raw: string): string {
  return raw.includes(':document/') ? (raw.split(':document/')[1] ?? raw) : raw;
}

/** The document version a request asks for: the one given, or version 1 for none or `$DEFAULT`. */
function documentVersion(raw: unknown): string {
  return typeof raw === 'string' && raw !== '$DEFAULT' ? raw : '1';
}

/**
 * A document as IAM names it (`document/<name>` for Run Command, `automation-definition/<name>:
 * <version>` for Automation); AWS-owned documents (`AWS-*`, `Amazon*`) have no account in it.
 */
function documentResource(
  raw: string,
  kind: 'document' | 'automation-definition',
  region: string,
  accountId: string,
  version?: string,
): string {
  const name =
    documentName(
      raw.includes(':automation-definition/') ? (raw.split(':automation-definition/')[1] ?? raw) : raw,
    ).split(':')[0] ?? raw;
  const owner = /^(AWS|Amazon)/.test(name) ? '' : accountId;
  const suffix = kind === 'automation-definition' ? `:${version ?? '$DEFAULT'}` : '';
  return `arn:aws:ssm:${region}:${owner}:${kind}/${name}${suffix}`;
}

/** StartAutomationExecution: on the automation definition (document and version). */
const onAutomationDefinition: OperationAuthorization = (req, principal, operation) => {
  const input = jsonBodyOf(req);
  const name = nonEmpty(input?.DocumentName);
  return {
    action: `ssm:${operation}`,
    resources:
      name === undefined
        ? '*'
        : documentResource(
            name,
            'automation-definition',
            req.region,
            principal.accountId,
            nonEmpty(input?.DocumentVersion),
          ),
    region: req.region,
  };
};

/** GetAutomationExecution: on the execution. */
const onAutomationExecution: OperationAuthorization = (req, principal, operation) => {
  const id = nonEmpty(jsonBodyOf(req)?.AutomationExecutionId) ?? '*';
  return {
    action: `ssm:${operation}`,
    resources: `arn:aws:ssm:${req.region}:${principal.accountId}:automation-execution/${id}`,
    region: req.region,
  };
};

/** SendCommand: on the document and every target instance (IAM checks each). */
const onDocumentAndInstances: OperationAuthorization = (req, principal, operation) => {
  const input = jsonBodyOf(req);
  const name = nonEmpty(input?.DocumentName);
  const ids = Array.isArray(input?.InstanceIds) ? input.InstanceIds.map(String) : [];
  return {
    action: `ssm:${operation}`,
    resources: [
      name === undefined ? '*' : documentResource(name, 'document', req.region, principal.accountId),
      ...ids.map((id) => `arn:aws:ec2:${req.region}:${principal.accountId}:instance/${id}`),
    ],
    region: req.region,
  };
};

function runStatus(nowMs: number, startMs: number, endMs: number, failed: boolean): string {
  if (nowMs < startMs + 1000) return 'Pending';
  if (nowMs < endMs) return 'InProgress';
  return failed ? 'Failed' : 'Success';
}

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', message, { status: 400 });
}

/** The run operations, added to SSM's (the parameter store's) operations. */
export function createSsmRunsOperations(ports: SsmRunsPorts): Operations {
  const { state } = ports;

  function known(accountId: string, name: string, type: 'Command' | 'Automation'): FleetSsmDocument {
    const doc = ports.document(accountId, name);
    if (doc?.type === type) return doc;
    if (type === 'Command' && /^AWS-/.test(name)) return { name, type };
    if (type === 'Automation') {
      throw new ServiceError(
        'AutomationDefinitionNotFoundException',
        `Automation definition ${name} not found.`,
        {
          status: 400,
        },
      );
    }
    throw new ServiceError('InvalidDocument', `Document with name ${name} does not exist.`, { status: 400 });
  }

  function automationView(a: Automation, nowMs: number): Record<string, unknown> {
    const status = runStatus(nowMs, a.startMs, a.endMs, a.failure !== undefined);
    const done = status === 'Success' || status === 'Failed';
    return {
      AutomationExecutionId: a.id,
      DocumentName: a.document,
      DocumentVersion: a.version,
      ExecutionStartTime: seconds(a.startMs),
      ...(done && { ExecutionEndTime: seconds(a.endMs) }),
      AutomationExecutionStatus: status,
      Parameters: a.parameters,
      ...(done && status === 'Success' && { Outputs: { 'emulator.result': ['Success'] } }),
      ...(done && a.failure !== undefined && { FailureMessage: a.failure }),
      Mode: 'Auto',
    };
  }

  function invocationView(
    c: Command,
    instance: ManagedInstance,
    nowMs: number,
    details: boolean,
  ): Record<string, unknown> {
    const failure = c.failures[instance.instanceId];
    const status = runStatus(nowMs, c.startMs, c.endMs, failure !== undefined);
    const done = status === 'Success' || status === 'Failed';
    const output = failure ?? c.output;
    return {
      CommandId: c.id,
      InstanceId: instance.instanceId,
      InstanceName: instance.name ?? '',
      Comment: c.comment,
      DocumentName: c.document,
      DocumentVersion: c.version,
      RequestedDateTime: seconds(c.startMs),
      Status: status,
      StatusDetails: status,
      ...(details && {
        CommandPlugins: [
          {
            Name: 'aws:runShellScript',
            Status: status,
            StatusDetails: status,
            ResponseCode: done ? (failure === undefined ? 0 : 1) : -1,
            ...(status !== 'Pending' && { ResponseStartDateTime: seconds(c.startMs + 1000) }),
            ...(done && { ResponseFinishDateTime: seconds(c.endMs), Output: output }),
          },
        ],
      }),
    };
  }

  const byAccount = <T extends { accountId: string }>(list: readonly T[], ctx: ServiceContext): T[] =>
    list.filter((x) => x.accountId === ctx.principal.accountId);

  function run(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown {
    const now = ctx.now().getTime();
    const accountId = ctx.principal.accountId;
    switch (operation) {
      case 'StartAutomationExecution': {
        if (typeof input.DocumentName !== 'string') throw validation('DocumentName is required');
        const name = documentName(input.DocumentName);
        const doc = known(accountId, name, 'Automation');
        const failure = ports.failure('ssm-automation', name);
        const a: Automation = {
          id: state.nextId(now),
          accountId,
          document: name,
          version: documentVersion(input.DocumentVersion),
          parameters: parametersOf(input.Parameters),
          startMs: now,
          endMs: now + (doc.durationSeconds ?? DEFAULT_RUN_SECONDS) * 1000,
          ...(failure !== undefined && { failure }),
        };
        state.automations.push(a);
        return { AutomationExecutionId: a.id };
      }
      case 'GetAutomationExecution': {
        const a = byAccount(state.automations, ctx).find((x) => x.id === input.AutomationExecutionId);
        if (!a) {
          throw new ServiceError(
            'AutomationExecutionNotFoundException',
            `Automation execution ${String(input.AutomationExecutionId)} not found.`,
            { status: 400 },
          );
        }
        return { AutomationExecution: automationView(a, now) };
      }
      case 'DescribeAutomationExecutions': {
        const filters = Array.isArray(input.Filters)
          ? (input.Filters as { Key?: string; Values?: string[] }[])
          : [];
        const list = byAccount(state.automations, ctx).filter((a) =>
          filters.every((f) => {
            const values = f.Values ?? [];
            if (f.Key === 'ExecutionId') return values.includes(a.id);
            if (f.Key === 'DocumentNamePrefix') return values.some((v) => a.document.startsWith(v));
            if (f.Key === 'ExecutionStatus')
              return values.includes(String(automationView(a, now).AutomationExecutionStatus));
            return true;
          }),
        );
        return { AutomationExecutionMetadataList: list.map((a) => automationView(a, now)) };
      }
      case 'SendCommand': {
        if (typeof input.DocumentName !== 'string') throw validation('DocumentName is required');
        const ids = Array.isArray(input.InstanceIds) ? input.InstanceIds.map(String) : [];
        if (ids.length === 0) throw validation('InstanceIds or Targets is required');
        if (ids.length > 50)
          throw validation(
            "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50",
          );
        const name = documentName(input.DocumentName);
        const doc = known(accountId, name, 'Command');
        const managed = new Map(ports.instances(accountId).map((i) => [i.instanceId, i]));
        const instances = ids.map((id) => {
          const found = managed.get(id);
          if (!found)
            throw new ServiceError(
              'InvalidInstanceId',
              `Instances [[${id}]] not in a valid state for account ${accountId}`,
              { status: 400 },
            );
          return found;
        });
        const failures: Record<string, string> = {};
        for (const i of instances) {
          const why = ports.failure('ssm-command', name, i.instanceId);
          if (why !== undefined) failures[i.instanceId] = why;
        }
        const c: Command = {
          id: state.nextId(now),
          accountId,
          document: name,
          version: documentVersion(input.DocumentVersion),
          comment: typeof input.Comment === 'string' ? input.Comment : '',
          parameters: parametersOf(input.Parameters),
          instances,
          startMs: now,
          endMs: now + (doc.durationSeconds ?? DEFAULT_RUN_SECONDS) * 1000,
          output: doc.output ?? '',
          failures,
        };
        state.commands.push(c);
        return {
          Command: {
            CommandId: c.id,
            DocumentName: c.document,
            DocumentVersion: c.version,
            Comment: c.comment,
            Parameters: c.parameters,
            InstanceIds: ids,
            RequestedDateTime: seconds(now),
            Status: 'Pending',
            StatusDetails: 'Pending',
            TargetCount: ids.length,
            CompletedCount: 0,
            ErrorCount: 0,
          },
        };
      }
      case 'ListCommandInvocations': {
        const details = input.Details === true;
        const max = typeof input.MaxResults === 'number' ? Math.min(50, Math.max(1, input.MaxResults)) : 50;
        const offset = typeof input.NextToken === 'string' ? Number(input.NextToken) || 0 : 0;
        const all = byAccount(state.commands, ctx)
          .filter((c) => input.CommandId === undefined || c.id === input.CommandId)
          .flatMap((c) =>
            c.instances
              .filter((i) => input.InstanceId === undefined || i.instanceId === input.InstanceId)
              .map((i) => invocationView(c, i, now, details)),
          );
        const page = all.slice(offset, offset + max);
        return {
          CommandInvocations: page,
          ...(offset + max < all.length && { NextToken: String(offset + max) }),
        };
      }
      case 'GetCommandInvocation': {
        const c = byAccount(state.commands, ctx).find((x) => x.id === input.CommandId);
        const i = c?.instances.find((x) => x.instanceId === input.InstanceId);
        if (!c || !i) throw new ServiceError('InvocationDoesNotExist', undefined, { status: 400 });
        const view = invocationView(c, i, now, true);
        const plugin = (view.CommandPlugins as Record<string, unknown>[])[0] ?? {};
        const done = view.Status === 'Success' || view.Status === 'Failed';
        return {
          CommandId: c.id,
          InstanceId: i.instanceId,
          Comment: c.comment,
          DocumentName: c.document,
          DocumentVersion: c.version,
          PluginName: 'aws:runShellScript',
          ResponseCode: plugin.ResponseCode,
          ExecutionStartDateTime: new Date(c.startMs + 1000).toISOString(),
          ...(done && {
            ExecutionEndDateTime: new Date(c.endMs).toISOString(),
            ExecutionElapsedTime: `PT${(c.endMs - c.startMs) / 1000}S`,
          }),
          Status: view.Status,
          StatusDetails: view.Status,
          StandardOutputContent: done && c.failures[i.instanceId] === undefined ? c.output : '',
          StandardErrorContent: done ? (c.failures[i.instanceId] ?? '') : '',
        };
      }
      case 'DescribeInstanceInformation':
        return {
          InstanceInformationList: ports.instances(accountId).map((i) => ({
            InstanceId: i.instanceId,
            PingStatus: 'Online',
            LastPingDateTime: seconds(now),
            AgentVersion: '3.3.0.0',
            IsLatestVersion: true,
            PlatformType: 'Linux',
            PlatformName: 'Amazon Linux',
            ResourceType: 'EC2Instance',
            ...(i.ip !== undefined && { IPAddress: i.ip }),
            ...(i.name !== undefined && { ComputerName: i.name }),
          })),
        };
      default:
        throw new ServiceError('UnknownOperationException', undefined, { status: 400 });
    }
  }

  const op =
    (operation: string): Operation =>
    (req, ctx) => {
      let input: unknown = {};
      const text = req.body.toString('utf8').trim();
      if (text !== '') {
        try {
          input = JSON.parse(text);
        } catch {
          input = undefined;
        }
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new ServiceError(
          'SerializationException',
          'Start of structure or map found where not expected.',
          {
            status: 400,
          },
        );
      }
      return jsonResponse(run(operation, input as Record<string, unknown>, ctx), ctx.requestId);
    };
  // IAM: the starts on what they run; the reads without resource-level permissions (`*`).
  return {
    StartAutomationExecution: { run: op('StartAutomationExecution'), iam: onAutomationDefinition },
    GetAutomationExecution: { run: op('GetAutomationExecution'), iam: onAutomationExecution },
    DescribeAutomationExecutions: op('DescribeAutomationExecutions'),
    SendCommand: { run: op('SendCommand'), iam: onDocumentAndInstances },
    ListCommandInvocations: op('ListCommandInvocations'),
    GetCommandInvocation: op('GetCommandInvocation'),
    DescribeInstanceInformation: op('DescribeInstanceInformation'),
  };
}
