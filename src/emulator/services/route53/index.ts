/**
 * Route 53 (rest-xml, signing name `route53`): the hosted zones and health checks a fleet
 * declares, for runbook dns and wait steps. ChangeResourceRecordSets (CREATE / UPSERT / DELETE,
 * the batch applied whole or not at all), ListResourceRecordSets, GetChange (PENDING, then INSYNC
 * {@link INSYNC_AFTER_MS} of virtual time after the change), GetHealthCheckStatus (healthy once
 * the fleet's `healthyAfterSeconds` have passed since it was first asked about), ListHostedZones.
 * Faults: `stepFailures` target `hosted-zone` refuses a zone's changes, `health-check` keeps a
 * check unhealthy. Shapes per the vendored model (aws-models/route53).
 */
import { XMLParser } from 'fast-xml-parser';
import type { FleetHealthCheck, FleetHostedZone } from '../../fleet/types.js';
import { ServiceError } from '../../protocols/service-errors.js';
import { escapeXml, XML_DECLARATION } from '../../protocols/xml.js';
import type {
  EmulatorRequest,
  EmulatorResponse,
  OperationAuthorization,
  Operations,
  ServiceContext,
} from '../../types.js';

/** Route 53's XML namespace. */
export const ROUTE53_XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';

/** Virtual time from a change to INSYNC (Route 53 says "usually within 60 seconds"). */
export const INSYNC_AFTER_MS = 30_000;

/** A record set as stored (name lower-case with its final dot). */
export interface Route53RecordSet {
  readonly Name: string;
  readonly Type: string;
  readonly TTL?: number;
  readonly SetIdentifier?: string;
  readonly Weight?: number;
  readonly Failover?: string;
  readonly HealthCheckId?: string;
  readonly ResourceRecords: readonly { readonly Value: string }[];
}

interface Zone {
  readonly id: string;
  readonly name: string;
  records: Route53RecordSet[];
}

/** What a snapshot keeps. */
export interface Route53StateSnapshot {
  readonly zones: Readonly<Record<string, readonly Zone[]>>;
  readonly changes: Readonly<Record<string, { readonly submittedMs: number; readonly comment?: string }>>;
  readonly checksAskedMs: Readonly<Record<string, number>>;
}

const fqdn = (name: string): string => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

/** DNS order: by labels from the right. */
const dnsKey = (name: string): string => fqdn(name).split('.').reverse().join('.');

const sameSet = (a: Route53RecordSet, b: Route53RecordSet): boolean =>
  a.Name === b.Name && a.Type === b.Type && (a.SetIdentifier ?? '') === (b.SetIdentifier ?? '');

/** The zones, changes and health-check clocks of every account. */
export class Route53State {
  readonly #zones = new Map<string, Zone[]>();
  readonly #changes = new Map<string, { submittedMs: number; comment?: string }>();
  readonly #asked = new Map<string, number>();
  #next = 0;

  /** Adds a zone the fleet declares. */
  addZone(accountId: string, zone: FleetHostedZone): void {
    const list = this.#zones.get(accountId) ?? [];
    list.push({
      id: zone.id,
      name: fqdn(zone.name),
      records: (zone.records ?? []).map((r) => ({
        Name: fqdn(r.name),
        Type: r.type,
        TTL: r.ttl ?? 300,
        ...(r.setIdentifier !== undefined && { SetIdentifier: r.setIdentifier }),
        ...(r.weight !== undefined && { Weight: r.weight }),
        ...(r.failover !== undefined && { Failover: r.failover }),
        ResourceRecords: r.values.map((Value) => ({ Value })),
      })),
    });
    this.#zones.set(accountId, list);
  }

  /** A zone of an account by id (with or without `/hostedzone/`). */
  zone(accountId: string, id: string): Zone | undefined {
    const bare = id.replace(/^\/?hostedzone\//, '');
    return this.#zones.get(accountId)?.find((z) => z.id === bare);
  }

  /** Every zone of an account. */
  zones(accountId: string): readonly Zone[] {
    return this.#zones.get(accountId) ?? [];
  }

  /** Records a change; answers its id. */
  submit(nowMs: number, comment: string | undefined): string {
    this.#next += 1;
    const id = `C${String(this.#next).padStart(4, '0')}${nowMs.toString(36).toUpperCase()}`.slice(0, 32);
    this.#changes.set(id, { submittedMs: nowMs, ...(comment !== undefined && { comment }) });
    return id;
  }

  change(id: string): { submittedMs: number; comment?: string } | undefined {
    return this.#changes.get(id.replace(/^\/?change\//, ''));
  }

  /** When a health check was first asked about (set on first call). */
  askedAt(id: string, nowMs: number): number {
    const at = this.#asked.get(id);
    if (at !== undefined) return at;
    this.#asked.set(id, nowMs);
    return nowMs;
  }

  toJSON(): Route53StateSnapshot {
    return {
      zones: Object.fromEntries(this.#zones),
      changes: Object.fromEntries(this.#changes),
      checksAskedMs: Object.fromEntries(this.#asked),
    };
  }

  static fromJSON(snapshot: Route53StateSnapshot): Route53State {
    const s = new Route53State();
    for (const [account, zones] of Object.entries(snapshot.zones ?? {})) {
      s.#zones.set(
        account,
        zones.map((z) => ({ ...z, records: [...z.records] })),
      );
    }
    for (const [id, c] of Object.entries(snapshot.changes ?? {})) s.#changes.set(id, { ...c });
    for (const [id, at] of Object.entries(snapshot.checksAskedMs ?? {})) s.#asked.set(id, at);
    s.#next = s.#changes.size;
    return s;
  }
}

/** What the Route 53 handler needs from the world. */
export interface Route53Ports {
  readonly state: Route53State;
  /** The fleet's health check of an account. */
  healthCheck(accountId: string, id: string): FleetHealthCheck | undefined;
  /** Why a target fails under the fault plan, or undefined. */
  failure(target: 'hosted-zone' | 'health-check', name: string): string | undefined;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['Change', 'ResourceRecord'].includes(name),
});

function xml(root: string, inner: string, requestId: string, status = 200): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `${XML_DECLARATION}<${root} xmlns="${ROUTE53_XMLNS}">${inner}</${root}>`,
  };
}

function e(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function recordXml(r: Route53RecordSet): string {
  return `<ResourceRecordSet>${e('Name', r.Name)}${e('Type', r.Type)}${e('SetIdentifier', r.SetIdentifier)}${e(
    'Weight',
    r.Weight,
  )}${e('Failover', r.Failover)}${e('TTL', r.TTL)}<ResourceRecords>${r.ResourceRecords.map(
    (v) => `<ResourceRecord>${e('Value', v.Value)}</ResourceRecord>`,
  ).join('')}</ResourceRecords>${e('HealthCheckId', r.HealthCheckId)}</ResourceRecordSet>`;
}

function changeInfoXml(id: string, status: string, submittedMs: number, comment: string | undefined): string {
  return `<ChangeInfo>${e('Id', `/change/${id}`)}${e('Status', status)}${e(
    'SubmittedAt',
    new Date(submittedMs).toISOString(),
  )}${e('Comment', comment)}</ChangeInfo>`;
}

function invalidBatch(message: string): ServiceError {
  return new ServiceError('InvalidChangeBatch', message, { status: 400 });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The record set of a `<ResourceRecordSet>` element. */
function recordOf(raw: Record<string, unknown>): Route53RecordSet {
  const records =
    (raw.ResourceRecords as { ResourceRecord?: { Value?: unknown }[] } | undefined)?.ResourceRecord ?? [];
  const ttl = text(raw.TTL);
  const weight = text(raw.Weight);
  return {
    Name: fqdn(text(raw.Name) ?? ''),
    Type: text(raw.Type) ?? '',
    ...(ttl !== undefined && { TTL: Number(ttl) }),
    ...(text(raw.SetIdentifier) !== undefined && { SetIdentifier: text(raw.SetIdentifier) as string }),
    ...(weight !== undefined && { Weight: Number(weight) }),
    ...(text(raw.Failover) !== undefined && { Failover: text(raw.Failover) as string }),
    ...(text(raw.HealthCheckId) !== undefined && { HealthCheckId: text(raw.HealthCheckId) as string }),
    ResourceRecords: records.map((r) => ({ Value: text(r.Value) ?? '' })),
  };
}

/** The operation of a Route 53 request (for fault matching and call counts). */
export function route53OperationOf(req: Pick<EmulatorRequest, 'method' | 'rawPath'>): string | undefined {
  const p = (req.rawPath.split('?')[0] ?? '').replace(/^\/2013-04-01/, '');
  if (/^\/hostedzone\/[^/]+\/rrset\/?$/.test(p)) {
    return req.method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets';
  }
  if (/^\/change\/[^/]+$/.test(p)) return 'GetChange';
  if (/^\/healthcheck\/[^/]+\/status$/.test(p)) return 'GetHealthCheckStatus';
  if (/^\/hostedzone\/?$/.test(p) && req.method === 'GET') return 'ListHostedZones';
  return undefined;
}

/** The id segment of a Route 53 path (`/2013-04-01/<kind>/<id>/...`). */
function idOf(req: EmulatorRequest): string {
  return decodeURIComponent(req.path.replace(/^\/2013-04-01/, '').split('/')[2] ?? '');
}

/** `route53:<Operation>` on the resource the path names (`hostedzone/<id>`, `change/<id>`, ...). */
function on(kind: 'hostedzone' | 'change' | 'healthcheck'): OperationAuthorization {
  return (req, _principal, operation) => ({
    action: `route53:${operation}`,
    resources: `arn:aws:route53:::${kind}/${idOf(req)}`,
    region: req.region,
  });
}

/** The Route 53 operations. */
export function createRoute53Operations(ports: Route53Ports): Operations {
  const { state } = ports;
  const zoneOf = (ctx: ServiceContext, id: string): Zone => {
    const zone = state.zone(ctx.principal.accountId, id);
    if (!zone)
      throw new ServiceError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, { status: 404 });
    return zone;
  };

  function change(req: EmulatorRequest, ctx: ServiceContext, id: string): EmulatorResponse {
    const zone = zoneOf(ctx, id);
    let body: Record<string, unknown>;
    try {
      body = parser.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new ServiceError('InvalidInput', 'the request body is not XML', { status: 400 });
    }
    const request = (body.ChangeResourceRecordSetsRequest ?? {}) as Record<string, unknown>;
    const batch = (request.ChangeBatch ?? {}) as Record<string, unknown>;
    const changes = ((batch.Changes as { Change?: Record<string, unknown>[] } | undefined)?.Change ?? []).map(
      (c) => ({
        action: text(c.Action) ?? '',
        record: recordOf((c.ResourceRecordSet ?? {}) as Record<string, unknown>),
      }),
    );
    if (changes.length === 0)
      throw new ServiceError('InvalidInput', 'ChangeBatch.Changes must hold at least one change', {
        status: 400,
      });
    const why = ports.failure('hosted-zone', zone.id);
    if (why !== undefined) throw invalidBatch(why);
    // Applied to a copy: a batch with one bad change changes nothing.
    let records = [...zone.records];
    for (const { action, record } of changes) {
      if (!record.Name.endsWith(zone.name)) {
        throw invalidBatch(`RRSet with DNS name ${record.Name} is not permitted in zone ${zone.name}`);
      }
      if (!['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SOA', 'SRV', 'PTR', 'CAA'].includes(record.Type)) {
        throw new ServiceError('InvalidInput', `Invalid type ${record.Type}`, { status: 400 });
      }
      if (record.Type === 'CNAME' && record.ResourceRecords.length !== 1) {
        throw invalidBatch(`RRSet of type CNAME with DNS name ${record.Name} must have exactly one value`);
      }
      const existing = records.find((r) => sameSet(r, record));
      if (action === 'CREATE') {
        if (existing)
          throw invalidBatch(
            `Tried to create resource record set [name='${record.Name}', type='${record.Type}'] but it already exists`,
          );
        records.push(record);
      } else if (action === 'UPSERT') {
        records = [...records.filter((r) => !sameSet(r, record)), record];
      } else if (action === 'DELETE') {
        const same =
          existing !== undefined &&
          JSON.stringify(existing.ResourceRecords.map((v) => v.Value).sort()) ===
            JSON.stringify(record.ResourceRecords.map((v) => v.Value).sort());
        if (!same) {
          throw invalidBatch(
            `Tried to delete resource record set [name='${record.Name}', type='${record.Type}'] but ${existing ? 'the values provided do not match the current values' : 'it was not found'}`,
          );
        }
        records = records.filter((r) => !sameSet(r, record));
      } else {
        throw new ServiceError(
          'InvalidInput',
          `Invalid Action ${action}; expected CREATE, DELETE or UPSERT`,
          { status: 400 },
        );
      }
    }
    zone.records = records;
    const now = ctx.now().getTime();
    const comment = text(batch.Comment);
    const changeId = state.submit(now, comment);
    return xml(
      'ChangeResourceRecordSetsResponse',
      changeInfoXml(changeId, 'PENDING', now, comment),
      ctx.requestId,
    );
  }

  function list(req: EmulatorRequest, ctx: ServiceContext, id: string): EmulatorResponse {
    const zone = zoneOf(ctx, id);
    const max = Math.min(300, Number(req.query.get('maxitems') ?? '300') || 300);
    const start = req.query.get('name');
    const startType = req.query.get('type');
    const sorted = [...zone.records].sort(
      (a, b) => dnsKey(a.Name).localeCompare(dnsKey(b.Name)) || a.Type.localeCompare(b.Type),
    );
    const from =
      start === null
        ? sorted
        : sorted.filter(
            (r) =>
              dnsKey(r.Name) > dnsKey(start) ||
              (dnsKey(r.Name) === dnsKey(start) && (startType === null || r.Type >= startType)),
          );
    const page = from.slice(0, max);
    const next = from[max];
    const inner =
      `<ResourceRecordSets>${page.map(recordXml).join('')}</ResourceRecordSets>` +
      e('IsTruncated', next !== undefined) +
      (next
        ? e('NextRecordName', next.Name) +
          e('NextRecordType', next.Type) +
          e('NextRecordIdentifier', next.SetIdentifier)
        : '') +
      e('MaxItems', max);
    return xml('ListResourceRecordSetsResponse', inner, ctx.requestId);
  }

  function getChange(ctx: ServiceContext, id: string): EmulatorResponse {
    const c = state.change(id);
    if (!c)
      throw new ServiceError('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, {
        status: 404,
      });
    const status = ctx.now().getTime() - c.submittedMs >= INSYNC_AFTER_MS ? 'INSYNC' : 'PENDING';
    return xml(
      'GetChangeResponse',
      changeInfoXml(id.replace(/^\/?change\//, ''), status, c.submittedMs, c.comment),
      ctx.requestId,
    );
  }

  function healthStatus(ctx: ServiceContext, id: string): EmulatorResponse {
    const check = ports.healthCheck(ctx.principal.accountId, id);
    if (!check)
      throw new ServiceError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, {
        status: 404,
      });
    const now = ctx.now().getTime();
    const asked = state.askedAt(id, now);
    const healthy =
      ports.failure('health-check', id) === undefined &&
      now - asked >= (check.healthyAfterSeconds ?? 0) * 1000;
    const regions = [
      'us-east-1',
      'us-west-1',
      'us-west-2',
      'eu-west-1',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-northeast-1',
      'sa-east-1',
    ];
    const observations = Array.from({ length: check.checkers ?? 8 }, (_, i) => {
      const status = healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out.';
      return `<HealthCheckObservation>${e('Region', regions[i % regions.length])}${e('IPAddress', `15.177.${i}.10`)}<StatusReport>${e(
        'Status',
        status,
      )}${e('CheckedTime', new Date(now).toISOString())}</StatusReport></HealthCheckObservation>`;
    });
    return xml(
      'GetHealthCheckStatusResponse',
      `<HealthCheckObservations>${observations.join('')}</HealthCheckObservations>`,
      ctx.requestId,
    );
  }

  function listZones(ctx: ServiceContext): EmulatorResponse {
    const zones = state
      .zones(ctx.principal.accountId)
      .map(
        (z) =>
          `<HostedZone>${e('Id', `/hostedzone/${z.id}`)}${e('Name', z.name)}${e('CallerReference', z.id)}<Config><PrivateZone>false</PrivateZone></Config>${e(
            'ResourceRecordSetCount',
            z.records.length,
          )}</HostedZone>`,
      );
    return xml(
      'ListHostedZonesResponse',
      `<HostedZones>${zones.join('')}</HostedZones>${e('IsTruncated', false)}${e('MaxItems', 100)}`,
      ctx.requestId,
    );
  }

  return {
    ChangeResourceRecordSets: { run: (req, ctx) => change(req, ctx, idOf(req)), iam: on('hostedzone') },
    ListResourceRecordSets: { run: (req, ctx) => list(req, ctx, idOf(req)), iam: on('hostedzone') },
    GetChange: { run: (req, ctx) => getChange(ctx, idOf(req)), iam: on('change') },
    GetHealthCheckStatus: { run: (req, ctx) => healthStatus(ctx, idOf(req)), iam: on('healthcheck') },
    // No resource-level permissions: route53:ListHostedZones on `*` (the descriptor's fallback).
    ListHostedZones: (_req, ctx) => listZones(ctx),
  };
}
