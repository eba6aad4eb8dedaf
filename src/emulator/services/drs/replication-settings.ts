/**
 * DRS replication settings: each source server's replication configuration, the account's
 * replication configuration templates, and stopping and starting a server's replication, as the
 * DRS model shapes them. A server's configuration starts as the account's first template (DRS's
 * "default replication settings"), else DRS's defaults; the staging area is a subnet of the
 * account's recovery network. StopReplication leaves the server STOPPED without snapshots;
 * StartReplication makes it sync from scratch (INITIATING, INITIAL_SYNC, then CONTINUOUS), as a
 * server DRS starts replicating does.
 */
import { Random } from '../../random.js';
import type { DrsAccount } from './account.js';
import { notFound, validation } from './errors.js';
import type { SourceServerRecord } from './records.js';
import { sourceServerJson } from './serialize.js';

type Body = Record<string, unknown>;

/** The members a replication configuration and a template share (the model's names). */
const SETTING_MEMBERS = [
  'stagingAreaSubnetId',
  'associateDefaultSecurityGroup',
  'replicationServersSecurityGroupsIDs',
  'replicationServerInstanceType',
  'useDedicatedReplicationServer',
  'defaultLargeStagingDiskType',
  'ebsEncryption',
  'ebsEncryptionKeyArn',
  'bandwidthThrottling',
  'dataPlaneRouting',
  'createPublicIP',
  'stagingAreaTags',
  'pitPolicy',
  'autoReplicateNewDisks',
  'internetProtocol',
] as const;

/** A replication configuration template as stored (the model's members). */
export interface ReplicationTemplateRecord extends Body {
  replicationConfigurationTemplateID: string;
  tags: Record<string, string>;
}

/** Replication settings of one account, saved with its DRS state. */
export interface ReplicationSettingsState {
  /** Per source server: the members set by UpdateReplicationConfiguration (over the defaults). */
  configurations: Record<string, Body>;
  templates: ReplicationTemplateRecord[];
}

/** Where the staging area is in an account's recovery network (EC2's, when served). */
export interface StagingNetwork {
  readonly subnetId: string;
}

function settingsOf(account: DrsAccount): ReplicationSettingsState {
  const state = account.state as typeof account.state & { replication?: ReplicationSettingsState };
  state.replication ??= { configurations: {}, templates: [] };
  return state.replication;
}

/** DRS's default replication settings (the console's defaults). */
function defaults(account: DrsAccount, staging: StagingNetwork | undefined): Body {
  return {
    stagingAreaSubnetId:
      staging?.subnetId ?? `subnet-0${new Random(`staging/${account.accountId}/${account.region}`).hex(16)}`,
    associateDefaultSecurityGroup: true,
    replicationServersSecurityGroupsIDs: [],
    replicationServerInstanceType: 't3.small',
    useDedicatedReplicationServer: false,
    defaultLargeStagingDiskType: 'GP3',
    ebsEncryption: 'DEFAULT',
    bandwidthThrottling: 0,
    dataPlaneRouting: 'PRIVATE_IP',
    createPublicIP: false,
    stagingAreaTags: {},
    pitPolicy: [
      { ruleID: 1, units: 'MINUTE', interval: 10, retentionDuration: 60, enabled: true },
      { ruleID: 2, units: 'HOUR', interval: 1, retentionDuration: 24, enabled: true },
      { ruleID: 3, units: 'DAY', interval: 1, retentionDuration: 7, enabled: true },
    ],
    autoReplicateNewDisks: true,
    internetProtocol: 'IPV4',
  };
}

function pick(body: Body): Body {
  const out: Body = {};
  for (const m of SETTING_MEMBERS) if (body[m] !== undefined) out[m] = body[m];
  return out;
}

function requireServer(account: DrsAccount, id: string): SourceServerRecord {
  const server = account.server(id);
  if (!server) throw notFound(`Source server ${id} not found`, id, 'SOURCE_SERVER');
  return server;
}

/** A server's replicated disks: one per source disk, the first the boot disk. */
function diskDefaults(server: SourceServerRecord): Body[] {
  return server.disks.map((d, i) => ({
    deviceName: d.deviceName,
    isBootDisk: i === 0,
    stagingDiskType: 'AUTO',
    optimizedStagingDiskType: d.bytes > 500 * 1024 ** 3 ? 'ST1' : 'GP3',
    iops: 0,
    throughput: 0,
  }));
}

function configurationJson(
  account: DrsAccount,
  server: SourceServerRecord,
  staging: StagingNetwork | undefined,
): Body {
  const settings = settingsOf(account);
  const template = settings.templates[0];
  const own = settings.configurations[server.sourceServerID] ?? {};
  return {
    sourceServerID: server.sourceServerID,
    name: (own.name as string | undefined) ?? server.hostname,
    ...defaults(account, staging),
    ...(template === undefined ? {} : pick(template)),
    replicatedDisks: diskDefaults(server),
    ...own,
  };
}

function templateJson(account: DrsAccount, t: ReplicationTemplateRecord): Body {
  return {
    ...t,
    arn: `arn:aws:drs:${account.region}:${account.accountId}:replication-configuration-template/${t.replicationConfigurationTemplateID}`,
  };
}

function requireTemplate(
  account: DrsAccount,
  id: string,
): { at: number; template: ReplicationTemplateRecord } {
  const templates = settingsOf(account).templates;
  const at = templates.findIndex((t) => t.replicationConfigurationTemplateID === id);
  const template = templates[at];
  if (!template)
    throw notFound(
      `Replication configuration template ${id} not found`,
      id,
      'REPLICATION_CONFIGURATION_TEMPLATE',
    );
  return { at, template };
}

/** The DRS replication-settings operations, by name: each returns the JSON body of its answer. */
export function replicationOperations(
  staging: (account: DrsAccount) => StagingNetwork | undefined,
): Readonly<Record<string, (account: DrsAccount, body: Body, now: number) => string>> {
  return {
    GetReplicationConfiguration(account, body) {
      const server = requireServer(account, body.sourceServerID as string);
      return JSON.stringify(configurationJson(account, server, staging(account)));
    },

    UpdateReplicationConfiguration(account, body) {
      const server = requireServer(account, body.sourceServerID as string);
      const disks = body.replicatedDisks as { deviceName?: string }[] | undefined;
      const known = new Set(server.disks.map((d) => d.deviceName));
      const unknown = disks?.find((d) => d.deviceName === undefined || !known.has(d.deviceName));
      if (unknown !== undefined)
        throw validation(
          `Replicated disk ${String(unknown.deviceName)} is not a disk of source server ${server.sourceServerID}`,
          'fieldValidationFailed',
          [{ name: 'replicatedDisks.deviceName', message: `unknown disk ${String(unknown.deviceName)}` }],
        );
      const current = settingsOf(account).configurations[server.sourceServerID] ?? {};
      const { sourceServerID: _id, ...members } = body;
      settingsOf(account).configurations[server.sourceServerID] = { ...current, ...members };
      if (disks !== undefined) {
        // A disk the update names keeps the others' defaults for what it leaves out.
        const base = new Map(diskDefaults(server).map((d) => [d.deviceName, d]));
        settingsOf(account).configurations[server.sourceServerID] = {
          ...current,
          ...members,
          replicatedDisks: disks.map((d) => ({ ...base.get(d.deviceName), ...d })),
        };
      }
      return JSON.stringify(configurationJson(account, server, staging(account)));
    },

    StopReplication(account, body, now) {
      const server = requireServer(account, body.sourceServerID as string);
      if (server.replicationState !== 'STOPPED') {
        server.replicationState = 'STOPPED';
        delete server.initialSync;
        server.version++;
      }
      return JSON.stringify({ sourceServer: sourceServerJson(account, server, now) });
    },

    StartReplication(account, body, now) {
      const server = requireServer(account, body.sourceServerID as string);
      if (server.replicationState === 'STOPPED') {
        const r = new Random(`start-replication/${server.sourceServerID}/${now}`);
        const initiatedMs = now + r.int(1, 4) * 60_000;
        server.replicationState = 'CONTINUOUS';
        server.initialSync = { initiatedMs, syncedMs: initiatedMs + r.int(20, 90) * 60_000 };
        server.version++;
      }
      return JSON.stringify({ sourceServer: sourceServerJson(account, server, now) });
    },

    DescribeReplicationConfigurationTemplates(account, body) {
      const ids = (body.replicationConfigurationTemplateIDs as string[] | undefined) ?? [];
      const all = settingsOf(account).templates;
      for (const id of ids) requireTemplate(account, id);
      const items =
        ids.length === 0 ? all : all.filter((t) => ids.includes(t.replicationConfigurationTemplateID));
      return JSON.stringify({ items: items.map((t) => templateJson(account, t)) });
    },

    CreateReplicationConfigurationTemplate(account, body) {
      const id = `rct-${account.rng.hex(17)}`;
      account.syncRng();
      const template: ReplicationTemplateRecord = {
        ...defaults(account, staging(account)),
        ...pick(body),
        replicationConfigurationTemplateID: id,
        tags: { ...((body.tags as Record<string, string> | undefined) ?? {}) },
      };
      settingsOf(account).templates.push(template);
      return JSON.stringify(templateJson(account, template));
    },

    UpdateReplicationConfigurationTemplate(account, body) {
      const { at, template } = requireTemplate(account, body.replicationConfigurationTemplateID as string);
      const next: ReplicationTemplateRecord = { ...template, ...pick(body) };
      settingsOf(account).templates[at] = next;
      return JSON.stringify(templateJson(account, next));
    },

    DeleteReplicationConfigurationTemplate(account, body) {
      const { at } = requireTemplate(account, body.replicationConfigurationTemplateID as string);
      settingsOf(account).templates.splice(at, 1);
      return '';
    },
  };
}
