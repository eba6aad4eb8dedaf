/**
 * EC2 launch templates: the ones DRS created for its source servers (GetLaunchConfiguration's
 * `ec2LaunchTemplateID`). Version 1 is what DRS wrote (the right-sized instance type, a subnet
 * and the default security group of the recovery network, DRS's recovery instance profile); a
 * template nobody changed is derived, not stored. `CreateLaunchTemplateVersion` (from a source
 * version, idempotent by ClientToken) and `ModifyLaunchTemplate` (the default version) store it,
 * and DRS's next launch reads its default version, as on AWS.
 */
import { fail } from '../../protocols/service-errors.js';
import type { ModelValue } from './model-codec.js';
import { networkOf } from './network.js';

type Data = Record<string, ModelValue>;

/** One version of a launch template. */
export interface TemplateVersion {
  readonly versionNumber: number;
  readonly description?: string;
  readonly createdMs: number;
  readonly createdBy: string;
  readonly data: Data;
  /** The ClientToken of the call that created it (a retry answers the same version). */
  readonly clientToken?: string;
}

/** A launch template as stored once changed. */
export interface StoredTemplate {
  readonly accountId: string;
  readonly region: string;
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly createdMs: number;
  readonly createdBy: string;
  defaultVersion: number;
  readonly versions: TemplateVersion[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The saved form of EC2's slice. */
export interface Ec2StateSnapshot {
  readonly launchTemplates: readonly StoredTemplate[];
}

/** What DRS created for one source server (read from DRS when no stored template exists). */
export interface CreatedTemplate {
  readonly launchTemplateId: string;
  readonly sourceServerID: string;
  readonly createdMs: number;
  readonly instanceType: string;
}

/** The instance profile DRS creates for recovery instances (`AWSElasticDisasterRecoveryRecoveryInstanceRole`). */
export const RECOVERY_INSTANCE_PROFILE = 'AWSElasticDisasterRecoveryRecoveryInstanceRole';

/** The template DRS created, as version 1. */
function created(accountId: string, region: string, c: CreatedTemplate): StoredTemplate {
  const net = networkOf(accountId, region);
  return {
    accountId,
    region,
    launchTemplateId: c.launchTemplateId,
    launchTemplateName: `drs-launch-template-${c.sourceServerID}`,
    createdMs: c.createdMs,
    createdBy: `arn:aws:sts::${accountId}:assumed-role/AWSServiceRoleForElasticDisasterRecovery/drs`,
    defaultVersion: 1,
    tags: { AWSElasticDisasterRecoveryManaged: 'drs.amazonaws.com' },
    versions: [
      {
        versionNumber: 1,
        createdMs: c.createdMs,
        createdBy: `arn:aws:sts::${accountId}:assumed-role/AWSServiceRoleForElasticDisasterRecovery/drs`,
        data: {
          InstanceType: c.instanceType,
          IamInstanceProfile: { Name: RECOVERY_INSTANCE_PROFILE },
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              SubnetId: net.subnets[0]?.subnetId ?? '',
              Groups: net.securityGroups.map((g) => g.groupId),
              AssociatePublicIpAddress: false,
              DeleteOnTermination: true,
            },
          ],
          // DRS marks what it launches as its own, on the instance and on its volumes.
          TagSpecifications: ['instance', 'volume'].map((ResourceType) => ({
            ResourceType,
            Tags: [{ Key: 'AWSElasticDisasterRecoveryManaged', Value: 'drs.amazonaws.com' }],
          })),
          DisableApiTermination: false,
          InstanceInitiatedShutdownBehavior: 'stop',
          Monitoring: { Enabled: false },
        },
      },
    ],
  };
}

/** EC2's launch templates of every account: the stored ones, and those DRS created. */
export class LaunchTemplates {
  readonly #stored = new Map<string, StoredTemplate>();

  /** @param createdBy - the templates DRS created in an account (the source of version 1) */
  constructor(
    private readonly createdBy: (accountId: string) => readonly CreatedTemplate[],
    saved?: Ec2StateSnapshot,
  ) {
    for (const t of saved?.launchTemplates ?? []) this.#stored.set(keyOf(t.accountId, t.launchTemplateId), t);
  }

  /** Every template of an account in a Region, by id. */
  list(accountId: string, region: string): StoredTemplate[] {
    const out = new Map<string, StoredTemplate>();
    for (const c of this.createdBy(accountId))
      out.set(
        c.launchTemplateId,
        this.#stored.get(keyOf(accountId, c.launchTemplateId)) ?? created(accountId, region, c),
      );
    for (const t of this.#stored.values())
      if (t.accountId === accountId && t.region === region) out.set(t.launchTemplateId, t);
    return [...out.values()].sort((a, b) => (a.launchTemplateId < b.launchTemplateId ? -1 : 1));
  }

  /** One template by id or name, or undefined. */
  find(accountId: string, region: string, id?: string, name?: string): StoredTemplate | undefined {
    return this.list(accountId, region).find(
      (t) =>
        (id !== undefined && t.launchTemplateId === id) ||
        (name !== undefined && t.launchTemplateName === name),
    );
  }

  /** Keeps a changed template (from now on it is stored, not derived). */
  store(template: StoredTemplate): void {
    this.#stored.set(keyOf(template.accountId, template.launchTemplateId), template);
  }

  /** The default version's data of a template (what a launch uses), or undefined. */
  defaultData(accountId: string, region: string, id: string): Data | undefined {
    const t = this.find(accountId, region, id);
    return t?.versions.find((v) => v.versionNumber === t.defaultVersion)?.data;
  }

  toJSON(): Ec2StateSnapshot {
    return { launchTemplates: [...this.#stored.values()] };
  }
}

function keyOf(accountId: string, id: string): string {
  return `${accountId}/${id}`;
}

/** Resolves `$Latest`, `$Default` or a number to a version of `t`. @throws the EC2 error */
export function resolveVersion(t: StoredTemplate, version: string): TemplateVersion {
  const latest = Math.max(...t.versions.map((v) => v.versionNumber));
  const n = version === '$Latest' ? latest : version === '$Default' ? t.defaultVersion : Number(version);
  if (!Number.isInteger(n) || n < 1)
    throw fail({
      code: 'InvalidLaunchTemplateId.VersionNotFound',
      message: `Could not find launch template version ${version} for launch template ${t.launchTemplateId}`,
      status: 400,
    });
  const found = t.versions.find((v) => v.versionNumber === n);
  if (!found)
    throw fail({
      code: 'InvalidLaunchTemplateId.VersionNotFound',
      message: `Could not find launch template version ${version} for launch template ${t.launchTemplateId}`,
      status: 400,
    });
  return found;
}

/** The LaunchTemplate shape (DescribeLaunchTemplates, ModifyLaunchTemplate). */
export function templateValue(t: StoredTemplate): ModelValue {
  return {
    LaunchTemplateId: t.launchTemplateId,
    LaunchTemplateName: t.launchTemplateName,
    CreateTime: new Date(t.createdMs).toISOString(),
    CreatedBy: t.createdBy,
    DefaultVersionNumber: t.defaultVersion,
    LatestVersionNumber: Math.max(...t.versions.map((v) => v.versionNumber)),
    Tags: Object.entries(t.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** The LaunchTemplateVersion shape. */
export function versionValue(t: StoredTemplate, v: TemplateVersion): ModelValue {
  return {
    LaunchTemplateId: t.launchTemplateId,
    LaunchTemplateName: t.launchTemplateName,
    VersionNumber: v.versionNumber,
    ...(v.description === undefined ? {} : { VersionDescription: v.description }),
    CreateTime: new Date(v.createdMs).toISOString(),
    CreatedBy: v.createdBy,
    DefaultVersion: v.versionNumber === t.defaultVersion,
    LaunchTemplateData: v.data,
  };
}

/** The template an operation names by `LaunchTemplateId` or `LaunchTemplateName`. @throws the EC2 error */
export function requireTemplate(
  templates: LaunchTemplates,
  accountId: string,
  region: string,
  input: Record<string, ModelValue>,
): StoredTemplate {
  const id = input.LaunchTemplateId as string | undefined;
  const name = input.LaunchTemplateName as string | undefined;
  if (id === undefined && name === undefined)
    throw fail({
      code: 'MissingParameter',
      message: 'The request must contain the parameter launchTemplateName or launchTemplateId',
      status: 400,
    });
  if (id !== undefined && !/^lt-[0-9a-f]{17}$/.test(id))
    throw fail({
      code: 'InvalidLaunchTemplateId.Malformed',
      message: `The specified launch template ID is malformed: ${id}`,
      status: 400,
    });
  const t = templates.find(accountId, region, id, id === undefined ? name : undefined);
  if (!t) {
    throw id !== undefined
      ? fail({
          code: 'InvalidLaunchTemplateId.NotFound',
          message: `The specified launch template, with template ID ${id}, does not exist.`,
          status: 400,
        })
      : fail({
          code: 'InvalidLaunchTemplateName.NotFoundException',
          message: `The specified launch template, with template name ${name ?? ''}, does not exist.`,
          status: 400,
        });
  }
  return t;
}
