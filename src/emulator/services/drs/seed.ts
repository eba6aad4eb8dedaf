/**
 * The DRS state of a fleet account before any call: its source servers as the fleet file gives
 * them, the fields it leaves out seeded by account and position (so a fleet is the same world on
 * every run).
 */
import type { FleetAccount, FleetSourceServer } from '../../fleet/types.js';
import { Random } from '../../random.js';
import type { DrsAccountState, SourceServerRecord } from './records.js';

const WINDOWS = [
  'Microsoft Windows Server 2019 Datacenter',
  'Microsoft Windows Server 2022 Datacenter',
  'Microsoft Windows Server 2016 Standard',
];
const LINUX = [
  'Red Hat Enterprise Linux 8.8 (Ootpa)',
  'Ubuntu 22.04.4 LTS',
  'Amazon Linux 2',
  'SUSE Linux Enterprise Server 15 SP4',
];
const TYPES = ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'r5.xlarge', 'r5.2xlarge', 'c5.xlarge', 't3.large'];
const CPU_MODELS = [
  'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz',
  'Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz',
  'AMD EPYC 7571',
];
const GIB = 1024 ** 3;

/** Turns one fleet server into its stored record; defaults are seeded by account and position. */
export function normalizeServer(
  spec: FleetSourceServer,
  account: FleetAccount,
  index: number,
  seed: number,
  startMs: number,
): SourceServerRecord {
  const r = new Random(`${seed}/${account.accountId}/server/${index}`);
  const id = spec.sourceServerID ?? `s-${r.hex(17)}`;
  const windows = spec.os ? /windows/i.test(spec.os) : r.next() < 0.55;
  const os = spec.os ?? (windows ? r.pick(WINDOWS) : r.pick(LINUX));
  const diskCount = r.int(1, 3);
  const disks =
    spec.disks?.map((d) => ({ ...d })) ??
    Array.from({ length: diskCount }, (_, i) => ({
      deviceName: windows ? `disk${i}` : `/dev/sd${String.fromCharCode(97 + i)}`,
      bytes: r.pick([64, 100, 128, 256, 500, 1024]) * GIB,
    }));
  const cores = r.pick([2, 4, 8, 16]);
  return {
    sourceServerID: id,
    arn: `arn:aws:drs:${account.region}:${account.accountId}:source-server/${id}`,
    tags: { ...(spec.tags ?? {}) },
    hostname: spec.hostname,
    fqdn: spec.fqdn ?? `${spec.hostname.toLowerCase()}.corp.example.com`,
    os,
    replicationState: spec.replicationState ?? 'CONTINUOUS',
    lagSeconds: spec.lagSeconds ?? r.int(1, 20),
    originEnvironment: spec.originEnvironment ?? 'ON_PREMISES',
    ...(spec.originAccountID ? { originAccountID: spec.originAccountID } : {}),
    ...(spec.originRegion ? { originRegion: spec.originRegion } : {}),
    // An EC2-origin server replicates an EC2 instance: DRS names it in identificationHints.
    ...(spec.originEnvironment === 'AWS'
      ? {
          awsInstanceID:
            spec.sourceInstanceID ??
            `i-${new Random(`${seed}/${account.accountId}/instance/${index}`).hex(17)}`,
          ...(spec.sourceInstanceType ? { sourceInstanceType: spec.sourceInstanceType } : {}),
        }
      : {}),
    ips: spec.ips ? [...spec.ips] : [`10.${r.int(10, 60)}.${r.int(0, 255)}.${r.int(4, 254)}`],
    macAddress: `00:50:56:${r.hex(2)}:${r.hex(2)}:${r.hex(2)}`,
    disks,
    cpus: spec.cpus?.map((c) => ({ ...c })) ?? [{ cores, modelName: r.pick(CPU_MODELS) }],
    ramBytes: spec.ramBytes ?? cores * r.pick([2, 4, 8]) * GIB,
    recommendedInstanceType: spec.recommendedInstanceType ?? r.pick(TYPES),
    addedMs: spec.addedToServiceDateTime
      ? Date.parse(spec.addedToServiceDateTime)
      : startMs - r.int(7, 120) * 86_400_000,
    version: 0,
  };
}

/** The initial DRS state of one fleet account. */
export function drsStateOf(account: FleetAccount, seed: number, startMs: number): DrsAccountState {
  return {
    accountId: account.accountId,
    region: account.region,
    servers: (account.sourceServers ?? []).map((s, i) => normalizeServer(s, account, i, seed, startMs)),
    jobs: [],
    instances: [],
    rngState: new Random(`${seed}/${account.accountId}/drs`).state,
  };
}
