/**
 * Server ids kept out of the main machine's state: discover stores each account's ids in the
 * results bucket and the main machine carries only the key and the count; the tasks that need the
 * ids (start-executor, aggregate for a failed account, plan) load them back.
 */
import { DRSServiceError } from '../contract/errors.js';
import type {
  AccountItem,
  AccountServerRef,
  AccountServers,
  AccountWork,
  ExecutionRef,
  OrchestrationRequest,
} from '../core/model.js';
import type { TaskDeps } from './deps.js';
import { resultPrefix } from './results.js';

/** Key of one account's {@link AccountServers}: `results/<correlationId>/<executionName>/work/<accountId>.json`. */
export function accountServersKey(
  request: OrchestrationRequest,
  execution: ExecutionRef,
  accountId: string,
): string {
  return `${resultPrefix(request, execution)}work/${accountId.replace(/[^0-9]/g, '_')}.json`;
}

/**
 * The main machine's item of an account: with a results bucket the ids are stored there (written
 * before the item exists, so a retried discover rewrites the same object) and only the key and
 * count travel; without one, or when the bucket refuses the write, they travel inline.
 */
export async function storeAccountServers(
  work: AccountWork,
  context: { request: OrchestrationRequest; execution: ExecutionRef },
  deps: TaskDeps,
): Promise<AccountItem> {
  const { serverIds, recoveryInstanceIds, ...rest } = work;
  const bucket = deps.env.resultsBucket;
  if (!bucket) return { ...work, serverCount: serverIds.length };
  const key = accountServersKey(context.request, context.execution, work.accountId);
  const body: AccountServers = { serverIds, ...(recoveryInstanceIds && { recoveryInstanceIds }) };
  try {
    await deps.aws.orchestrator.s3.putObject({
      bucket,
      key,
      body: JSON.stringify(body),
      contentType: 'application/json',
    });
  } catch (err) {
    // A failing bucket must not stop a failover: the ids travel inline (fine up to ~40 full
    // accounts), as the per-server records do when the bucket fails (results.ts).
    deps.log?.warn('server ids not stored, carried inline', {
      bucket,
      key,
      error: err instanceof Error ? err.message : String(err),
    });
    return { ...work, serverCount: serverIds.length };
  }
  return { ...rest, serverCount: serverIds.length, serversKey: key };
}

/** The ids an item or issue refers to (read from the results bucket when stored there). */
export async function loadAccountServers(
  ref: Partial<AccountServerRef>,
  deps: TaskDeps,
): Promise<AccountServers> {
  if (ref.serversKey === undefined) {
    return {
      serverIds: ref.serverIds ?? [],
      ...(ref.recoveryInstanceIds && { recoveryInstanceIds: ref.recoveryInstanceIds }),
    };
  }
  const bucket = deps.env.resultsBucket;
  if (!bucket) {
    throw new DRSServiceError(
      `the server ids of this account are stored at ${ref.serversKey}, but no results bucket is configured`,
    );
  }
  const stored = JSON.parse(
    await deps.aws.orchestrator.s3.getObject({ bucket, key: ref.serversKey }),
  ) as AccountServers;
  if (!Array.isArray(stored.serverIds) || stored.serverIds.length !== ref.serverCount) {
    throw new DRSServiceError(
      `the server ids stored at s3://${bucket}/${ref.serversKey} are not the ${ref.serverCount} discover found (got ${Array.isArray(stored.serverIds) ? stored.serverIds.length : 'none'})`,
    );
  }
  return stored;
}

/** The executor's account: the item with its ids loaded, without the main machine's bookkeeping. */
export async function accountWorkOf(item: AccountItem, deps: TaskDeps): Promise<AccountWork> {
  const { serverCount: _count, serversKey: _key, serverIds: _ids, recoveryInstanceIds: _ri, ...rest } = item;
  const servers = await loadAccountServers(item, deps);
  return { ...rest, ...servers };
}
