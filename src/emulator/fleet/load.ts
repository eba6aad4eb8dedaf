/**
 * Fleet loading: schema validation (schemas/fleet.schema.json), the rules a schema cannot say
 * (unique IDs, the DRS limit of replicating servers per account), and normalization of each
 * source server into the record the DRS model stores (seeded defaults for what is left out).
 */
import { readFile, stat } from 'node:fs/promises';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import faultPlanSchema from '../../../schemas/fault-plan.schema.json' with { type: 'json' };
import fleetSchema from '../../../schemas/fleet.schema.json' with { type: 'json' };
import { checkDocumentSize, DOCUMENT_LIMITS, DocumentRejected, readDocument } from '../../contract/index.js';
import { demoFleet } from './demo.js';
import type { Fleet, FleetAccount, FleetQuotas } from './types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A fleet that is not valid; `problems` lists every issue found. */
export class FleetError extends Error {
  override readonly name = 'FleetError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `fleet is invalid: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    );
    this.problems = problems;
  }
}

/** Default DRS quotas (docs/architecture.md §3). */
export const DEFAULT_QUOTAS: Required<FleetQuotas> = {
  serversPerJob: 100,
  serversInAllActiveJobs: 500,
  concurrentJobs: 20,
  jobsPerSourceServer: 1,
  replicatingServers: 300,
  sourceServersPerTargetAccount: 3000,
};

/** Replication states that count against the replicating-servers quota. */
const NOT_REPLICATING = new Set(['STOPPED', 'DISCONNECTED']);

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(fleet: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // A fleet's site outages are fault plan rules (the same schema, one definition).
    ajv.addSchema(faultPlanSchema);
    validator = ajv.compile(fleetSchema);
  }
  if (validator(fleet)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/**
 * Validates a fleet document and returns it typed.
 * @throws FleetError listing every problem
 */
export function checkFleet(doc: unknown): Fleet {
  const problems = validate(doc);
  if (problems.length > 0) throw new FleetError(problems);
  const fleet = doc as Fleet;
  const accounts = new Set<string>();
  const ids = new Set<string>();
  for (const account of fleet.accounts) {
    if (accounts.has(account.accountId)) problems.push(`account ${account.accountId} is listed twice`);
    accounts.add(account.accountId);
    const limit = account.quotas?.replicatingServers ?? DEFAULT_QUOTAS.replicatingServers;
    const replicating = (account.sourceServers ?? []).filter(
      (s) => !NOT_REPLICATING.has(s.replicationState ?? 'CONTINUOUS'),
    ).length;
    if (replicating > limit) {
      problems.push(
        `account ${account.accountId} has ${replicating} replicating source servers; DRS allows at most ${limit} per account`,
      );
    }
    for (const s of account.sourceServers ?? []) {
      if (s.sourceServerID === undefined) continue;
      if (ids.has(s.sourceServerID)) problems.push(`source server ${s.sourceServerID} is listed twice`);
      ids.add(s.sourceServerID);
    }
    const roles = new Set<string>();
    for (const r of account.roles ?? []) {
      if (roles.has(r.name)) problems.push(`role ${r.name} is listed twice in account ${account.accountId}`);
      roles.add(r.name);
    }
  }
  if (problems.length > 0) throw new FleetError(problems);
  return fleet;
}

/**
 * Resolves a fleet argument: `'demo'`, a path to a JSON file, or a fleet object. A file goes
 * through the strict document reader: its size is checked before it is read (at most
 * {@link DOCUMENT_LIMITS}`.fleet`), then depth and repeated keys.
 *
 * @param name the file as the user named it, for messages @default the path
 * @throws {FleetError} when the file cannot be read or the fleet breaks its schema
 * @throws {DocumentRejected} when the reader refuses the file (limit, pointer and line in the message)
 * @example await resolveFleet('demo')
 */
export async function resolveFleet(fleet: Fleet | string | undefined, name?: string): Promise<Fleet> {
  if (fleet === undefined || fleet === 'demo') return demoFleet();
  if (typeof fleet === 'string') {
    const shown = name ?? fleet;
    let bytes: Buffer;
    try {
      // The size first: a huge file is refused without being read into memory.
      const info = await stat(fleet);
      // A device or pipe reports size 0 and may never end (/dev/zero): only regular files are fleets.
      if (!info.isFile()) throw new Error('not a regular file (a directory, device, pipe or socket)');
      checkDocumentSize(shown, info.size, DOCUMENT_LIMITS.fleet);
      bytes = await readFile(fleet);
    } catch (err) {
      if (err instanceof DocumentRejected) throw err;
      throw new FleetError([`cannot read fleet file ${fleet}: ${(err as Error).message}`]);
    }
    return checkFleet(readDocument(bytes, { name: shown, format: 'json', kind: 'fleet' }));
  }
  return checkFleet(fleet);
}

/** Quotas of an account with defaults filled in. */
export function quotasOf(account: FleetAccount): Required<FleetQuotas> {
  return { ...DEFAULT_QUOTAS, ...(account.quotas ?? {}) };
}
