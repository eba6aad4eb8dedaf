/**
 * Scheduling the servers of many staging accounts in the one target (recovery) account that holds
 * them as extended source servers: one executor per target account launches them all within that
 * account's quotas (`planLaunch`/`nextBatches`, as for any account: the per-account topology is the
 * case of one staging account behind itself). Who gets the slots first is the order of its pending
 * list, set here.
 */
import type { ValidationProblem } from '../contract/errors.js';

/** The tag of design 5.2 that gives a server's recovery sequence order. */
export const WAVE_TAG = 'DR-Wave';

/** An extended source server of a target account, as the launch order needs it. */
export interface ExtendedServer {
  /** Its id in the target account (what StartRecovery there takes). */
  sourceServerId: string;
  /** The staging account it replicates in (`stagingArea.stagingAccountID`). */
  stagingAccountId: string;
  tags?: Record<string, string> | undefined;
}

/** A `DR-Wave` value as a number; servers without one (or with no number) go after every wave. */
function waveOf(server: ExtendedServer): number {
  const raw = server.tags?.[WAVE_TAG];
  const n = raw === undefined ? Number.NaN : Number(raw.trim());
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

/**
 * The launch order of a target account's servers: by `DR-Wave` (lowest first; none last), then by
 * the registry `priority` of their staging account (`stagingAccountIds`, already in that order),
 * then as discovered. Launch slots (servers in active jobs, concurrent jobs) are handed out in this
 * order as they free up, so all of wave 1 is submitted before any of wave 2, and within a wave the
 * accounts of lower priority number go first; a later wave starts on the slots an earlier one no
 * longer needs, without waiting for it to finish (a runbook's waves, by contrast, wait).
 *
 * @example
 * ```ts
 * launchOrder(
 *   [
 *     { sourceServerId: 's-a', stagingAccountId: '222222222222', tags: { 'DR-Wave': '2' } },
 *     { sourceServerId: 's-b', stagingAccountId: '222222222222', tags: { 'DR-Wave': '1' } },
 *     { sourceServerId: 's-c', stagingAccountId: '111111111111', tags: { 'DR-Wave': '1' } },
 *   ],
 *   ['111111111111', '222222222222'],
 * ); // ['s-c', 's-b', 's-a']
 * ```
 */
export function launchOrder(
  servers: readonly ExtendedServer[],
  stagingAccountIds: readonly string[],
): string[] {
  const rank = new Map(stagingAccountIds.map((id, i) => [id, i]));
  return servers
    .map((server, index) => ({
      id: server.sourceServerId,
      wave: waveOf(server),
      rank: rank.get(server.stagingAccountId) ?? stagingAccountIds.length,
      index,
    }))
    .sort((a, b) => (a.wave !== b.wave ? (a.wave < b.wave ? -1 : 1) : a.rank - b.rank || a.index - b.index))
    .map((s) => s.id);
}

/**
 * Why a target account cannot be worked on, or `undefined`: it holds more source servers than the
 * registry's `maxSourceServers` for it (the DRS quota on source servers per target account).
 *
 * @param pointer - the registry field to name, e.g. `/stagingAccounts/0/recoveryAccount/maxSourceServers`.
 */
export function targetCapacityProblem(
  targetAccountId: string,
  sourceServers: number,
  maxSourceServers: number,
  pointer: string,
): ValidationProblem | undefined {
  if (sourceServers <= maxSourceServers) return undefined;
  return {
    pointer,
    message: `is ${maxSourceServers}, but recovery account ${targetAccountId} holds ${sourceServers} source servers (extended ones included); raise the DRS quota and this value, or move staging accounts to another target account`,
  };
}
