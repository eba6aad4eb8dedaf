/**
 * Fleets for Region-to-Region (AWS-origin) failback tests: staging servers that are EC2 instances
 * of another fleet account, whose DRS is in the origin Region.
 */
import type { Fleet, FleetSourceServer } from '../../src/emulator/fleet/types.js';

/** Where AWS-origin servers run: an account of the fleet and its DRS Region. */
export interface Origin {
  readonly accountId: string;
  readonly region: string;
}

/**
 * `fleet` with `origin.accountId` in `origin.region` (its DRS and its registry entry, so drs-orch
 * can act there), and `patch` applied to every server of `stagingAccountId`: return the server,
 * changed or not; {@link fromAws} makes one an EC2 instance of the origin.
 */
export function withOrigin(
  fleet: Fleet,
  stagingAccountId: string,
  origin: Origin,
  patch: (server: FleetSourceServer, index: number) => FleetSourceServer,
): Fleet {
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) => {
      const ssmParameters = a.ssmParameters?.map((p) =>
        p.name.endsWith(`/staging-accounts/${origin.accountId}`)
          ? { ...p, value: JSON.stringify({ ...JSON.parse(p.value), region: origin.region }) }
          : p,
      );
      const account = ssmParameters ? { ...a, ssmParameters } : a;
      if (a.accountId === origin.accountId) return { ...account, region: origin.region };
      if (a.accountId !== stagingAccountId) return account;
      return { ...account, sourceServers: (a.sourceServers ?? []).map(patch) };
    }),
  };
}

/** `server` as an EC2 instance of `origin` (AWS origin), replicating CONTINUOUS, with `tags` added. */
export function fromAws(
  server: FleetSourceServer,
  origin: Origin,
  tags: Record<string, string>,
): FleetSourceServer {
  return {
    ...server,
    replicationState: 'CONTINUOUS',
    originEnvironment: 'AWS',
    originAccountID: origin.accountId,
    originRegion: origin.region,
    tags: { ...server.tags, ...tags },
  };
}
