/**
 * extend: makes (and keeps) the source servers selected by tags in the staging accounts of the
 * registry into *extended source servers* of the recovery (target) account each staging account
 * names, as DRS documents it ("Using multiple staging accounts with DRS"; API
 * `CreateExtendedSourceServer`, `ListExtensibleSourceServers`). Idempotent: a server already
 * extended is left as it is (its tags brought in step with the staging server's, so that the
 * actions' tag selection sees what the staging account says), and a re-run only creates what is
 * missing. Servers that cannot be extended are reported with why.
 */
import type { SourceServer, StagingSourceServer } from '@aws-sdk/client-drs';
import { awsErrorCode } from '../aws/errors.js';
import type { DrsPort } from '../aws/ports.js';
import { ErrorNames, isDrsOrchestrationError } from '../contract/errors.js';
import { recoveryTargets } from '../contract/recovery-topology.js';
import type { AccountIssue, AccountRef } from '../core/model.js';
import { matchesTags } from '../core/tags.js';
import type { TaskDeps } from './deps.js';
import { readStagingAccountRegistry } from './registry.js';
import { hostnameOf, listAllSourceServers, stagingAccountOf } from './shared.js';

/** Why a server was not (newly) extended. */
export type ExtendReason =
  /** It already is an extended source server of its target account (EXTENDED): nothing to do. */
  | 'AlreadyExtended'
  /** Its extended source server exists but DRS cannot read the staging server (EXTENSION_ERROR). */
  | 'ExtensionError'
  /** The target account holds its `maxSourceServers` (the DRS quota) already. */
  | 'OverQuota'
  /** DRS does not list it as extensible (it is itself an extension, or its staging account cannot be read). */
  | 'NotExtensible'
  /** DRS refused the extension (the error name and message say why). */
  | 'ExtensionFailed';

/** What happened to one selected server of a staging account. */
export interface ExtendOutcome {
  /** Its id in the staging account, where it replicates. */
  stagingSourceServerId: string;
  stagingAccountId: string;
  hostname: string;
  /** The target account it recovers in. */
  recoveryAccountId: string;
  /** Its extended source server in the target account, when there is one. */
  sourceServerId?: string;
  outcome: 'extended' | 'already-extended' | 'not-extended';
  /** Set unless `extended`. */
  reasonCode?: ExtendReason;
  reason?: string;
  /** An already extended server whose tags were brought in step with the staging server's. */
  tagsUpdated?: boolean;
}

/** One target account after the run. */
export interface ExtendTargetSummary {
  accountId: string;
  region: string;
  /** Source servers it holds now (extended ones included). */
  sourceServers: number;
  maxSourceServers: number;
  extended: number;
  alreadyExtended: number;
  notExtended: number;
}

/** What extend returns. */
export interface ExtendResult {
  status: 'success' | 'partial' | 'failed';
  /** Selected servers in the staging accounts that name a target account. */
  totalServers: number;
  targets: ExtendTargetSummary[];
  servers: ExtendOutcome[];
  /** Accounts that could not be read (their servers are not in `servers`). */
  deniedAccounts: AccountIssue[];
}

/** What extend is asked: the servers' tags (every one must match, as for the actions). */
export interface ExtendEvent {
  tags: Record<string, string>;
}

/** Every extensible server of a staging account, as the target account's DRS lists them. */
async function listExtensible(drs: DrsPort, stagingAccountID: string): Promise<StagingSourceServer[]> {
  const out: StagingSourceServer[] = [];
  let nextToken: string | undefined;
  do {
    const page = await drs.listExtensibleSourceServers({
      stagingAccountID,
      maxResults: 300,
      ...(nextToken ? { nextToken } : {}),
    });
    out.push(...(page.items ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

function sameTags(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

function issueOf(ref: AccountRef, err: unknown): AccountIssue {
  return {
    accountId: ref.accountId,
    region: ref.region,
    errorCode: isDrsOrchestrationError(err) ? err.name : ErrorNames.DRSServiceError,
    errorMessage: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Extends the servers carrying every tag of `event.tags`, in each staging account that names a
 * recovery account, into that account. Staging accounts without one are not touched.
 *
 * @throws {ValidationError} when the registry is invalid.
 * @example await extend({ tags: { 'DR-Application': 'HRP' } }, deps) // { status: 'success', servers: [...] }
 */
export async function extend(event: ExtendEvent, deps: TaskDeps): Promise<ExtendResult> {
  const configured = await readStagingAccountRegistry(
    deps.aws.orchestrator.ssm,
    deps.env.stagingAccountsPath,
  );
  const servers: ExtendOutcome[] = [];
  const targets: ExtendTargetSummary[] = [];
  const deniedAccounts: AccountIssue[] = [];
  for (const target of recoveryTargets(configured)) {
    const t = target.account;
    const targetRef: AccountRef = { accountId: t.accountId, region: t.region, roleArn: t.roleArn };
    let held: SourceServer[];
    let targetDrs: DrsPort;
    try {
      const ports = deps.aws.account(targetRef);
      await ports.connect();
      targetDrs = ports.drs;
      held = await listAllSourceServers(targetDrs);
    } catch (err) {
      deniedAccounts.push(issueOf(targetRef, err));
      continue;
    }
    // The target's extended servers by the staging server they extend.
    const byStagingArn = new Map(
      held.flatMap((s) =>
        s.stagingArea?.stagingSourceServerArn ? [[s.stagingArea.stagingSourceServerArn, s]] : [],
      ),
    );
    let count = held.length;
    const summary: ExtendTargetSummary = {
      accountId: t.accountId,
      region: t.region,
      sourceServers: count,
      maxSourceServers: t.maxSourceServers,
      extended: 0,
      alreadyExtended: 0,
      notExtended: 0,
    };
    for (const stagingId of target.stagingAccountIds) {
      const config = configured.find((c) => c.accountId === stagingId);
      if (config === undefined) continue;
      const ref: AccountRef = { accountId: config.accountId, region: config.region, roleArn: config.roleArn };
      let selected: SourceServer[];
      try {
        const ports = deps.aws.account(ref);
        await ports.connect();
        // Only servers replicating in the staging account itself can be extended.
        selected = (await listAllSourceServers(ports.drs)).filter(
          (s) =>
            s.sourceServerID && s.arn && stagingAccountOf(s) === undefined && matchesTags(s.tags, event.tags),
        );
      } catch (err) {
        deniedAccounts.push(issueOf(ref, err));
        continue;
      }
      // What the target's DRS can extend; when it cannot read the staging account at all (no
      // staging role, link broken), every server not yet extended is reported with DRS's reason.
      let extensible = new Set<string>();
      let unreadable: string | undefined;
      if (selected.some((s) => !byStagingArn.has(s.arn as string))) {
        try {
          extensible = new Set(
            (await listExtensible(targetDrs, stagingId)).flatMap((x) => (x.arn ? [x.arn] : [])),
          );
        } catch (err) {
          if (awsErrorCode(err) !== 'AccessDeniedException' && !/AccessDenied/.test((err as Error).name)) {
            deniedAccounts.push(issueOf(ref, err));
            continue;
          }
          unreadable = err instanceof Error ? err.message : String(err);
        }
      }
      for (const s of selected) {
        const base = {
          stagingSourceServerId: s.sourceServerID as string,
          stagingAccountId: stagingId,
          hostname: hostnameOf(s),
          recoveryAccountId: t.accountId,
        };
        const existing = byStagingArn.get(s.arn as string);
        if (existing !== undefined) {
          const status = existing.stagingArea?.status;
          if (status === 'EXTENSION_ERROR') {
            summary.notExtended += 1;
            servers.push({
              ...base,
              sourceServerId: existing.sourceServerID as string,
              outcome: 'not-extended',
              reasonCode: 'ExtensionError',
              reason: `its extended source server ${existing.sourceServerID} in ${t.accountId} is in EXTENSION_ERROR: ${existing.stagingArea?.errorMessage ?? 'DRS cannot read the staging source server'}; check the staging account's DRSStagingAccountRole_${t.accountId}`,
            });
            continue;
          }
          let tagsUpdated = false;
          if (!sameTags(existing.tags, s.tags) && existing.arn && s.tags && Object.keys(s.tags).length > 0) {
            await targetDrs.tagResource({ resourceArn: existing.arn, tags: { ...s.tags } });
            tagsUpdated = true;
          }
          summary.alreadyExtended += 1;
          servers.push({
            ...base,
            sourceServerId: existing.sourceServerID as string,
            outcome: 'already-extended',
            reasonCode: 'AlreadyExtended',
            reason: `already extended into ${t.accountId} as ${existing.sourceServerID}`,
            ...(tagsUpdated && { tagsUpdated }),
          });
          continue;
        }
        if (!extensible.has(s.arn as string)) {
          summary.notExtended += 1;
          servers.push({
            ...base,
            outcome: 'not-extended',
            reasonCode: 'NotExtensible',
            reason:
              unreadable !== undefined
                ? `DRS in ${t.accountId} cannot read staging account ${stagingId}: ${unreadable}`
                : `DRS in ${t.accountId} does not list it as extensible from ${stagingId} (ListExtensibleSourceServers): it is an extension of another server`,
          });
          continue;
        }
        if (count >= t.maxSourceServers) {
          summary.notExtended += 1;
          servers.push({
            ...base,
            outcome: 'not-extended',
            reasonCode: 'OverQuota',
            reason: `recovery account ${t.accountId} holds ${count} source servers, its maxSourceServers (the DRS quota of source servers per target account)`,
          });
          continue;
        }
        try {
          const created = await targetDrs.createExtendedSourceServer({
            sourceServerArn: s.arn as string,
            ...(s.tags && Object.keys(s.tags).length > 0 ? { tags: { ...s.tags } } : {}),
          });
          count += 1;
          summary.extended += 1;
          servers.push({
            ...base,
            sourceServerId: created.sourceServer?.sourceServerID as string,
            outcome: 'extended',
          });
        } catch (err) {
          const code = awsErrorCode(err);
          summary.notExtended += 1;
          servers.push({
            ...base,
            outcome: 'not-extended',
            reasonCode: code === 'ServiceQuotaExceededException' ? 'OverQuota' : 'ExtensionFailed',
            reason: `${code ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`,
          });
        }
      }
    }
    summary.sourceServers = count;
    targets.push(summary);
  }
  const failed = servers.filter((s) => s.outcome === 'not-extended').length;
  const status =
    failed === 0 && deniedAccounts.length === 0
      ? 'success'
      : failed === servers.length && servers.length > 0
        ? 'failed'
        : 'partial';
  return { status, totalServers: servers.length, targets, servers, deniedAccounts };
}
