/**
 * describe-wave: which source servers a wave's tags select, in every staging account, for the
 * approval message of the waves workflow (an operator approves servers, not a tag expression).
 * Read-only; bounded, so the message stays far below SNS's 256 KB.
 */
import { isDrsOrchestrationError } from '../contract/errors.js';
import { inertText } from '../core/inert-text.js';
import { matchesTags } from '../core/tags.js';
import type { TaskDeps } from './deps.js';
import { readStagingAccountRegistry } from './registry.js';
import { hostnameOf, listAllSourceServers } from './shared.js';

/** Most servers named one by one in the message; the rest are counted. */
export const MAX_LISTED_SERVERS = 50;

/** The Task state's input: the wave's tags. */
export interface DescribeWaveEvent {
  readonly tags: Readonly<Record<string, string>>;
}

/** What the approval message shows. */
export interface WaveServers {
  /** Servers the tags select, in every reachable account. */
  readonly total: number;
  /** Per account: how many. */
  readonly accounts: readonly { readonly accountId: string; readonly servers: number }[];
  /** Accounts that could not be read, with why. */
  readonly unreachable: readonly { readonly accountId: string; readonly errorCode: string }[];
  /** The list as the message prints it: one line per server (up to {@link MAX_LISTED_SERVERS}), then a count. */
  readonly text: string;
}

/**
 * Lists the servers a wave's tags select, per staging account (the registry of `discover`), as
 * lines `hostname (source server id, account)`, sorted, the first {@link MAX_LISTED_SERVERS}
 * named and the rest counted. An account that cannot be read is named, not fatal.
 */
export async function describeWave(event: DescribeWaveEvent, deps: TaskDeps): Promise<WaveServers> {
  const path = deps.env.stagingAccountsPath;
  const configured = await readStagingAccountRegistry(deps.aws.orchestrator.ssm, path);
  const lines: string[] = [];
  const accounts: { accountId: string; servers: number }[] = [];
  const unreachable: { accountId: string; errorCode: string }[] = [];
  await Promise.all(
    configured.map(async (config) => {
      try {
        const ports = deps.aws.account({
          accountId: config.accountId,
          region: config.region,
          roleArn: config.roleArn,
        });
        await ports.connect();
        const matching = (await listAllSourceServers(ports.drs)).filter(
          (s) => s.sourceServerID && matchesTags(s.tags, event.tags),
        );
        if (matching.length === 0) return;
        accounts.push({ accountId: config.accountId, servers: matching.length });
        for (const s of matching) {
          // One line per server in the message a person reads (SNS email, the approval
          // prompt): a hostname from DRS holding a newline or a terminal control is made inert.
          lines.push(
            inertText(`${hostnameOf(s)} (${s.sourceServerID as string}, account ${config.accountId})`, {
              newlines: false,
            }),
          );
        }
      } catch (err) {
        unreachable.push({
          accountId: config.accountId,
          errorCode: isDrsOrchestrationError(err) ? err.name : (err as Error).name,
        });
      }
    }),
  );
  lines.sort();
  accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const shown = lines.slice(0, MAX_LISTED_SERVERS).map((l) => `- ${l}`);
  const more = lines.length - shown.length;
  const text = [
    `${lines.length} server(s) in ${accounts.length} account(s)${accounts.length > 0 ? ` (${accounts.map((a) => `${a.accountId}: ${a.servers}`).join(', ')})` : ''}:`,
    ...shown,
    ...(more > 0 ? [`... and ${more} more (drs-orch plan --runbook lists them all)`] : []),
    ...unreachable.map((u) => `account ${u.accountId} could not be read (${u.errorCode})`),
  ].join('\n');
  return { total: lines.length, accounts, unreachable, text };
}
