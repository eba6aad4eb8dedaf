/**
 * S3 (REST-XML, path-style `/<bucket>/<key>`): CreateBucket, PutObject, GetObject, HeadObject,
 * with MD5 ETags, user metadata, flexible-checksum headers echoed back, `aws-chunked` uploads
 * decoded, and S3's errors (`NoSuchBucket`, `NoSuchKey`, `AccessDenied`); bucket policies
 * (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy), which the pipeline evaluates with the
 * caller's identity policies on every call (bucket-policy.ts). A bucket belongs to one
 * account; without a policy, other accounts reach it only when the fleet lists them.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Page, paginate } from '../../protocols/paginator.js';
import { restXmlHostId } from '../../protocols/rest-xml.js';
import { fail } from '../../protocols/service-errors.js';
import { raw, XML_DECLARATION, xmlElements } from '../../protocols/xml.js';
import type {
  EmulatorRequest,
  EmulatorResponse,
  Operation,
  OperationAuthorization,
  Operations,
  Principal,
  ServiceContext,
} from '../../types.js';
import { MalformedBucketPolicyError, parseBucketPolicy } from './bucket-policy.js';
import { DirectoryBodyStore, MemoryBodyStore, type S3BodyStore } from './s3-bodies.js';

/** One stored object: its metadata; the body lives in the state's {@link S3BodyStore}. */
export interface S3ObjectRecord {
  readonly key: string;
  /** Body length in bytes. */
  readonly size: number;
  /** SHA-256 (hex) of the body: its address in the body store. */
  readonly sha256: string;
  /** Quoted MD5 hex, as S3 sends it. */
  readonly etag: string;
  readonly contentType: string;
  /** ISO-8601. */
  readonly lastModified: string;
  /** `x-amz-meta-*` values by lower-case name (without the prefix). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Flexible checksums by header name (`x-amz-checksum-crc32` ...). */
  readonly checksums: Readonly<Record<string, string>>;
}

/** A bucket and its objects. */
export interface S3BucketRecord {
  readonly name: string;
  readonly ownerAccountId: string;
  readonly region: string;
  /** Other accounts allowed to read and write objects. */
  readonly allowedAccounts: readonly string[];
  readonly createdAt: string;
  readonly objects: Map<string, S3ObjectRecord>;
  /** The bucket policy as PutBucketPolicy stored it (evaluated by bucket-policy.ts). */
  policy?: string;
}

/** A bucket's saved metadata (its objects apart). */
export interface S3BucketSnapshot {
  readonly name: string;
  readonly ownerAccountId: string;
  readonly region: string;
  readonly allowedAccounts: readonly string[];
  readonly createdAt: string;
  readonly policy?: string;
}

/**
 * A saved object: metadata and the body's address. Files written before bodies moved out of the
 * snapshot carry the body inline (`body`, base64) instead; they are still read.
 */
export type S3ObjectSnapshot = Omit<S3ObjectRecord, 'size' | 'sha256'> & {
  readonly size?: number;
  readonly sha256?: string;
  readonly body?: string;
};

/** Serialized form of {@link S3State}: metadata only, so its size does not grow with the bodies. */
export interface S3StateSnapshot {
  readonly buckets: ReadonlyArray<S3BucketSnapshot & { readonly objects: ReadonlyArray<S3ObjectSnapshot> }>;
}

/** What S3 calls changed since the last journal record (see {@link S3State.takeChanges}). */
export interface S3Changes {
  /** Buckets created (metadata only). */
  readonly buckets?: readonly S3BucketSnapshot[];
  /** Objects stored, in order (a later one of the same bucket and key replaces an earlier one). */
  readonly puts?: ReadonlyArray<{ readonly bucket: string; readonly object: S3ObjectRecord }>;
  /** Objects deleted (applied after the puts: one call either stores or deletes). */
  readonly deletes?: ReadonlyArray<{ readonly bucket: string; readonly key: string }>;
}

/** A multipart upload in progress: its parts' bodies are in the body store, written as they came. */
export interface S3Upload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly initiated: string;
  readonly parts: Map<number, { readonly sha256: string; readonly size: number; readonly etag: string }>;
}

/**
 * Folds S3 changes into a saved S3 slice (pure): a bucket's metadata is replaced (its objects
 * kept), an object replaces the one of the same key. Replaying a record twice gives the same slice.
 */
export function applyS3Changes(slice: S3StateSnapshot | undefined, changes: S3Changes): S3StateSnapshot {
  const buckets = new Map((slice?.buckets ?? []).map((b) => [b.name, { ...b, objects: [...b.objects] }]));
  for (const b of changes.buckets ?? []) {
    buckets.set(b.name, { ...b, objects: buckets.get(b.name)?.objects ?? [] });
  }
  for (const { bucket, object } of changes.puts ?? []) {
    const b = buckets.get(bucket);
    if (b === undefined) continue;
    const at = b.objects.findIndex((o) => o.key === object.key);
    if (at >= 0) b.objects[at] = object;
    else b.objects.push(object);
  }
  for (const { bucket, key } of changes.deletes ?? []) {
    const b = buckets.get(bucket);
    if (b !== undefined) b.objects = b.objects.filter((o) => o.key !== key);
  }
  return { buckets: [...buckets.values()] };
}

function bucketMeta(b: S3BucketRecord): S3BucketSnapshot {
  return {
    name: b.name,
    ownerAccountId: b.ownerAccountId,
    region: b.region,
    allowedAccounts: b.allowedAccounts,
    createdAt: b.createdAt,
    ...(b.policy !== undefined && { policy: b.policy }),
  };
}

/** Buckets (global namespace) and their objects; bodies in {@link S3State.bodies}. */
export class S3State {
  readonly #buckets = new Map<string, S3BucketRecord>();
  /** How many objects refer to each body, so a body nothing refers to is released. */
  readonly #refs = new Map<string, number>();
  #changedBuckets: S3BucketSnapshot[] = [];
  #puts: Array<{ bucket: string; object: S3ObjectRecord }> = [];
  #deletes: Array<{ bucket: string; key: string }> = [];
  /**
   * Multipart uploads in progress. Not saved with the world: an upload a restart interrupts is
   * gone (NoSuchUpload), and the client starts it again.
   */
  readonly uploads = new Map<string, S3Upload>();
  /** Where the bodies are. @default in memory */
  readonly bodies: S3BodyStore;

  constructor(bodies: S3BodyStore = new MemoryBodyStore()) {
    this.bodies = bodies;
  }

  /** Creates a bucket (seed from the fleet, or through CreateBucket). Returns the existing one. */
  createBucket(
    name: string,
    ownerAccountId: string,
    region: string,
    options: { readonly allowedAccounts?: readonly string[]; readonly createdAt?: string } = {},
  ): S3BucketRecord {
    const existing = this.#buckets.get(name);
    if (existing !== undefined) return existing;
    const bucket: S3BucketRecord = {
      name,
      ownerAccountId,
      region,
      allowedAccounts: options.allowedAccounts ?? [],
      createdAt: options.createdAt ?? new Date(0).toISOString(),
      objects: new Map(),
    };
    this.#buckets.set(name, bucket);
    this.#changedBuckets.push(bucketMeta(bucket));
    return bucket;
  }

  bucket(name: string): S3BucketRecord | undefined {
    return this.#buckets.get(name);
  }

  /** Sets (or with `undefined` deletes) a bucket's policy; journaled with the bucket's metadata. */
  setPolicy(bucket: S3BucketRecord, policy: string | undefined): void {
    if (policy === undefined) delete bucket.policy;
    else bucket.policy = policy;
    this.#changedBuckets.push(bucketMeta(bucket));
  }

  buckets(): S3BucketRecord[] {
    return [...this.#buckets.values()];
  }

  /** Stores a body in the body store (durable first, on disk) and an object referring to it (overwriting). */
  putObject(
    bucket: S3BucketRecord,
    object: Omit<S3ObjectRecord, 'size' | 'sha256'>,
    body: Buffer,
  ): S3ObjectRecord {
    const record: S3ObjectRecord = { ...object, size: body.length, sha256: this.bodies.put(body) };
    this.#set(bucket, record);
    this.#puts.push({ bucket: bucket.name, object: record });
    return record;
  }

  /** Deletes an object (releasing its body when nothing else refers to it); false when there was none. */
  deleteObject(bucket: S3BucketRecord, key: string): boolean {
    const old = bucket.objects.get(key);
    if (old === undefined) return false;
    bucket.objects.delete(key);
    this.#unref(old.sha256);
    this.#deletes.push({ bucket: bucket.name, key });
    return true;
  }

  /** Stores one part's body (durable before the call answers) in an upload; replaces a part of that number. */
  putPart(upload: S3Upload, partNumber: number, body: Buffer, etag: string): void {
    const sha256 = this.bodies.put(body);
    const old = upload.parts.get(partNumber);
    upload.parts.set(partNumber, { sha256, size: body.length, etag });
    if (old !== undefined && old.sha256 !== sha256) this.#releaseIfUnused(old.sha256);
  }

  /** Ends an upload (completed or aborted): its parts' bodies go unless an object uses them. */
  endUpload(upload: S3Upload): void {
    this.uploads.delete(upload.uploadId);
    for (const part of upload.parts.values()) this.#releaseIfUnused(part.sha256);
  }

  #releaseIfUnused(sha256: string): void {
    if (this.#refs.has(sha256)) return;
    for (const u of this.uploads.values()) for (const p of u.parts.values()) if (p.sha256 === sha256) return;
    this.bodies.release(sha256);
  }

  #unref(sha256: string): void {
    const left = (this.#refs.get(sha256) ?? 1) - 1;
    if (left > 0) this.#refs.set(sha256, left);
    else {
      this.#refs.delete(sha256);
      this.#releaseIfUnused(sha256);
    }
  }

  /** The body of an object, or undefined when its store lost it. */
  body(object: S3ObjectRecord): Buffer | undefined {
    return this.bodies.get(object.sha256);
  }

  /** Every body an object or an upload's part refers to (what a compaction keeps). */
  referencedBodies(): Set<string> {
    const out = new Set(this.#refs.keys());
    for (const u of this.uploads.values()) for (const p of u.parts.values()) out.add(p.sha256);
    return out;
  }

  #set(bucket: S3BucketRecord, record: S3ObjectRecord): void {
    const old = bucket.objects.get(record.key);
    bucket.objects.set(record.key, record);
    this.#refs.set(record.sha256, (this.#refs.get(record.sha256) ?? 0) + 1);
    if (old === undefined) return;
    this.#unref(old.sha256);
  }

  /** The changes since the last call (buckets created, objects stored): one journal record's worth. */
  takeChanges(): S3Changes | undefined {
    if (this.#changedBuckets.length === 0 && this.#puts.length === 0 && this.#deletes.length === 0)
      return undefined;
    const changes: S3Changes = {
      ...(this.#changedBuckets.length > 0 && { buckets: this.#changedBuckets }),
      ...(this.#puts.length > 0 && { puts: this.#puts }),
      ...(this.#deletes.length > 0 && { deletes: this.#deletes }),
    };
    this.#changedBuckets = [];
    this.#puts = [];
    this.#deletes = [];
    return changes;
  }

  toJSON(): S3StateSnapshot {
    return {
      buckets: this.buckets().map((b) => ({ ...bucketMeta(b), objects: [...b.objects.values()] })),
    };
  }

  /**
   * Writes every body an object refers to into `<path>.objects/` (hard links from a folder store),
   * and removes bodies an earlier save to the same path left there that nothing refers to now.
   */
  saveBeside(path: string): void {
    const target = new DirectoryBodyStore(`${path}.objects`);
    const from = this.bodies;
    for (const sha of this.#refs.keys()) {
      if (from instanceof DirectoryBodyStore) target.putFile(sha, from.path(sha));
      else {
        const body = from.get(sha);
        if (body !== undefined) target.put(body);
      }
    }
    target.collect(this.referencedBodies());
  }

  /** A snapshot is durable: a folder store drops the bodies no object refers to any more. */
  compacted(): void {
    if (this.bodies instanceof DirectoryBodyStore) this.bodies.collect(this.referencedBodies());
  }

  /**
   * Restores a saved slice over `bodies`. A body the store lacks is taken from `source` (the
   * folder a saved world's bodies were written to), an inline body (older files) is stored.
   *
   * @throws {Error} naming the first object whose body is nowhere to be found
   */
  static fromJSON(snapshot: S3StateSnapshot, bodies?: S3BodyStore, source?: DirectoryBodyStore): S3State {
    const state = new S3State(bodies);
    for (const b of snapshot.buckets) {
      const bucket = state.createBucket(b.name, b.ownerAccountId, b.region, {
        allowedAccounts: b.allowedAccounts,
        createdAt: b.createdAt,
      });
      if (b.policy !== undefined) bucket.policy = b.policy;
      for (const { body, size, sha256, ...meta } of b.objects) {
        let record: S3ObjectRecord;
        if (typeof body === 'string') {
          const bytes = Buffer.from(body, 'base64');
          record = { ...meta, size: bytes.length, sha256: state.bodies.put(bytes) };
        } else {
          if (typeof sha256 !== 'string' || typeof size !== 'number') {
            throw new Error(`S3 object ${b.name}/${meta.key} has neither a body nor a body reference`);
          }
          if (!state.bodies.has(sha256)) {
            const file = source?.has(sha256) === true ? source.path(sha256) : undefined;
            if (file === undefined) {
              throw new Error(
                `the body of S3 object ${b.name}/${meta.key} (sha256 ${sha256}) is missing${source ? ` from ${source.dir}` : ''}`,
              );
            }
            if (state.bodies instanceof DirectoryBodyStore) state.bodies.putFile(sha256, file);
            else state.bodies.put(readFileSync(file));
          }
          record = { ...meta, size, sha256 };
        }
        state.#set(bucket, record);
      }
    }
    // What was restored is already saved: the next journal record carries only new changes.
    state.takeChanges();
    return state;
  }
}

/** Narrow ports of the S3 handler. */
export interface S3Ports {
  readonly state: S3State;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Decodes an `aws-chunked` body (`<hex-size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>`).
 * Chunk signatures are not verified (the seed signature over the headers is).
 */
export function decodeAwsChunked(
  body: Buffer,
): { data: Buffer; trailers: Record<string, string> } | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const header = body.subarray(offset, lineEnd).toString('latin1');
    const size = Number.parseInt(header.split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) return undefined;
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) return undefined;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

function splitPath(rawPath: string): { bucket: string; key: string } {
  const trimmed = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = trimmed.indexOf('/');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (slash < 0) return { bucket: decode(trimmed), key: '' };
  return { bucket: decode(trimmed.slice(0, slash)), key: decode(trimmed.slice(slash + 1)) };
}

/** The operation of a path-style request: `/bucket` or `/bucket/` addresses the bucket, `/bucket/key` an object. */
export function s3OperationOf(
  req: Pick<EmulatorRequest, 'method' | 'rawPath' | 'query'>,
): string | undefined {
  if ((req.rawPath === '/' || req.rawPath === '') && req.method === 'GET') return 'ListBuckets';
  const slash = req.rawPath.indexOf('/', 1);
  if (slash < 0 || slash === req.rawPath.length - 1) {
    if (req.method === 'GET' && req.query.has('versions')) return 'ListObjectVersions';
    if (req.method === 'POST' && req.query.has('delete')) return 'DeleteObjects';
    if (req.query.has('policy')) {
      const verb = ({ PUT: 'Put', GET: 'Get', DELETE: 'Delete' } as Record<string, string>)[req.method];
      if (verb !== undefined) return `${verb}BucketPolicy`;
    }
    if (req.method === 'GET') return req.query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (req.method === 'PUT') return 'CreateBucket';
    if (req.method === 'HEAD') return 'HeadBucket';
  }
  const upload = req.query.has('uploadId');
  switch (req.method) {
    case 'PUT':
      return upload && req.query.has('partNumber') ? 'UploadPart' : 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return upload ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (req.query.has('uploads')) return 'CreateMultipartUpload';
      return upload ? 'CompleteMultipartUpload' : undefined;
    default:
      return undefined;
  }
}

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An S3 XML answer: `<root xmlns=...>children</root>`. */
function s3Xml(root: string, children: string): string {
  return `${XML_DECLARATION}\n<${root} xmlns="${S3_XMLNS}">${children}</${root}>`;
}

/** The text of each `<tag>` element of an XML request body (S3's small request documents). */
function xmlTexts(body: string, tag: string): string[] {
  return [...body.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
    (m[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

/** The path-style bucket and key of an S3 request. */
function s3Target(req: EmulatorRequest): { bucket: string; key: string } {
  const trimmed = req.path.startsWith('/') ? req.path.slice(1) : req.path;
  const slash = trimmed.indexOf('/');
  return slash < 0
    ? { bucket: trimmed, key: '' }
    : { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}

/** The bucket a request names (its ARN for IAM). */
export function s3BucketOf(req: EmulatorRequest): string {
  return s3Target(req).bucket;
}

/** `action` on the bucket's ARN. */
function onBucket(action: string): OperationAuthorization {
  return (req) => ({ action, resources: `arn:aws:s3:::${s3Target(req).bucket}`, region: req.region });
}

/** `action` on the object's ARN (`bucket/key`). */
function onObject(action: string): OperationAuthorization {
  return (req) => {
    const { bucket, key } = s3Target(req);
    return { action, resources: `arn:aws:s3:::${bucket}/${key}`, region: req.region };
  };
}

/** The S3 operations over its state. */
export function createS3Handler(ports: S3Ports): Operations {
  /**
   * ListObjectsV2 (`?list-type=2`) and ListObjects (v1): keys in UTF-8 byte order, `prefix`,
   * `delimiter` roll-ups into CommonPrefixes, `max-keys` (0-1000), `start-after` / `marker`, and
   * `encoding-type=url` (the AWS CLI always asks for it): keys and prefixes in the answer are then
   * URL-encoded. V2's continuation token is the kernel paginator's, so objects written between two
   * pages never make a key repeat or go missing.
   */
  function listObjects(bucket: S3BucketRecord, req: EmulatorRequest, ctx: ServiceContext): EmulatorResponse {
    const q = req.query;
    const v2 = q.get('list-type') === '2';
    const encoding = q.get('encoding-type');
    if (encoding !== null && encoding !== 'url') {
      throw fail({
        code: 'InvalidArgument',
        message: 'Invalid Encoding Method specified in Request',
        status: 400,
        extra: { ArgumentName: 'encoding-type', ArgumentValue: encoding },
      });
    }
    const maxRaw = q.get('max-keys');
    const maxKeys = maxRaw === null ? 1000 : Number(maxRaw);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
      throw fail({
        code: 'InvalidArgument',
        message: 'Provided max-keys not an integer or within integer range',
        status: 400,
        extra: { ArgumentName: 'max-keys', ArgumentValue: maxRaw ?? '' },
      });
    }
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const after = (v2 ? q.get('start-after') : q.get('marker')) ?? '';
    const enc = (s: string): string => (encoding === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    // One entry per key, or per common prefix when a delimiter rolls keys up; sorted by UTF-8 bytes.
    const entries = new Map<string, S3ObjectRecord | undefined>();
    for (const key of bucket.objects.keys()) {
      if (
        !key.startsWith(prefix) ||
        (after !== '' && Buffer.compare(Buffer.from(key), Buffer.from(after)) <= 0)
      )
        continue;
      const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut >= 0) entries.set(key.slice(0, cut + delimiter.length), undefined);
      else entries.set(key, bucket.objects.get(key));
    }
    const sorted = [...entries.entries()].sort((a, b) =>
      Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])),
    );
    const token = v2 ? q.get('continuation-token') : null;
    const page: Page<[string, S3ObjectRecord | undefined]> =
      maxKeys === 0
        ? { items: [] }
        : paginate(sorted, {
            scope: `ListObjectsV2/${bucket.name}/${prefix}/${delimiter}`,
            key: ([name]) => [Buffer.from(name).toString('hex')],
            max: Math.min(maxKeys, 1000),
            token: token ?? undefined,
          });
    const truncated = page.nextToken !== undefined || (maxKeys === 0 && sorted.length > 0);
    const contents = page.items
      .filter((e): e is [string, S3ObjectRecord] => e[1] !== undefined)
      .map(([key, o]) =>
        raw(
          `<Contents>${
            xmlElements([
              ['Key', enc(key)],
              ['LastModified', o.lastModified],
              ['ETag', o.etag],
              ['Size', String(o.size)],
              ['StorageClass', 'STANDARD'],
            ]).xml
          }</Contents>`,
        ),
      );
    const prefixes = page.items
      .filter((e) => e[1] === undefined)
      .map(([p]) => raw(`<CommonPrefixes>${xmlElements([['Prefix', enc(p)]]).xml}</CommonPrefixes>`));
    const last = page.items.at(-1)?.[0];
    const fields: Array<[string, string | undefined]> = [
      ['Name', bucket.name],
      ['Prefix', enc(prefix)],
      ...(v2
        ? ([
            ['KeyCount', String(page.items.length)],
            ['ContinuationToken', token ?? undefined],
            ['NextContinuationToken', page.nextToken],
            ['StartAfter', after === '' ? undefined : enc(after)],
          ] as Array<[string, string | undefined]>)
        : ([
            ['Marker', enc(after)],
            ['NextMarker', truncated && delimiter !== '' && last !== undefined ? enc(last) : undefined],
          ] as Array<[string, string | undefined]>)),
      ['MaxKeys', String(maxKeys)],
      ['Delimiter', delimiter === '' ? undefined : enc(delimiter)],
      ['EncodingType', encoding ?? undefined],
      ['IsTruncated', truncated ? 'true' : 'false'],
    ];
    return {
      status: 200,
      headers: { ...baseHeaders(ctx.requestId), 'content-type': 'application/xml' },
      body:
        `${XML_DECLARATION}\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `${xmlElements(fields).xml}${contents.map((c) => c.xml).join('')}${prefixes.map((p) => p.xml).join('')}</ListBucketResult>`,
    };
  }

  const { state } = ports;

  const baseHeaders = (requestId: string): Record<string, string> => ({
    'x-amz-request-id': requestId,
    'x-amz-id-2': restXmlHostId(requestId),
  });

  // A bucket with a policy was decided, identity and bucket policy together, by the pipeline's
  // authorization step (bucket-policy.ts); one without keeps the fleet's account list.
  function canAccess(bucket: S3BucketRecord, principal: Principal): boolean {
    return (
      bucket.policy !== undefined ||
      bucket.ownerAccountId === principal.accountId ||
      bucket.allowedAccounts.includes(principal.accountId)
    );
  }

  /**
   * PutBucketPolicy (204), GetBucketPolicy (200, the policy as stored) and DeleteBucketPolicy
   * (204) on `?policy`; only the owner account may call them (S3 answers another account 405).
   */
  function bucketPolicy(bucket: S3BucketRecord, req: EmulatorRequest, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    if (principal.accountId !== bucket.ownerAccountId) {
      throw fail({
        code: 'MethodNotAllowed',
        message: 'The specified method is not allowed against this resource.',
        status: 405,
        extra: { Method: req.method, ResourceType: 'BUCKETPOLICY' },
      });
    }
    if (req.method === 'PUT') {
      const text = req.body.toString('utf8');
      try {
        parseBucketPolicy(text);
      } catch (err) {
        if (!(err instanceof MalformedBucketPolicyError)) throw err;
        throw fail({ code: 'MalformedPolicy', message: err.message, status: 400 });
      }
      state.setPolicy(bucket, text);
      return { status: 204, headers: baseHeaders(requestId), body: '' };
    }
    if (req.method === 'DELETE') {
      state.setPolicy(bucket, undefined);
      return { status: 204, headers: baseHeaders(requestId), body: '' };
    }
    if (bucket.policy === undefined) {
      throw fail({
        code: 'NoSuchBucketPolicy',
        message: 'The bucket policy does not exist',
        status: 404,
        extra: { BucketName: bucket.name },
      });
    }
    return {
      status: 200,
      headers: { ...baseHeaders(requestId), 'content-type': 'application/json' },
      body: bucket.policy,
    };
  }

  function createBucket(name: string, req: EmulatorRequest, ctx: ServiceContext): EmulatorResponse {
    const { requestId, principal } = ctx;
    if (!BUCKET_NAME.test(name) || name.includes('..')) {
      throw fail({
        code: 'InvalidBucketName',
        message: 'The specified bucket is not valid.',
        status: 400,
        extra: { BucketName: name },
      });
    }
    const existing = state.bucket(name);
    if (existing !== undefined) {
      if (existing.ownerAccountId !== principal.accountId) {
        throw fail({
          code: 'BucketAlreadyExists',
          message:
            'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
          status: 409,
          extra: { BucketName: name },
        });
      }
      // us-east-1 answers 200 to re-creating your own bucket; other regions 409.
      if (existing.region !== 'us-east-1') {
        throw fail({
          code: 'BucketAlreadyOwnedByYou',
          message: 'Your previous request to create the named bucket succeeded and you already own it.',
          status: 409,
          extra: { BucketName: name },
        });
      }
    } else {
      const location = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(
        req.body.toString('utf8'),
      )?.[1];
      state.createBucket(name, principal.accountId, location ?? req.region, {
        createdAt: ctx.now().toISOString(),
      });
    }
    return { status: 200, headers: { ...baseHeaders(requestId), location: `/${name}` }, body: '' };
  }

  function putObject(
    bucket: S3BucketRecord,
    key: string,
    req: EmulatorRequest,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const { requestId } = ctx;
    const { body, checksums, digest } = bodyOf(req);
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    const etag = `"${digest.toString('hex')}"`;
    state.putObject(
      bucket,
      {
        key,
        etag,
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        lastModified: ctx.now().toISOString(),
        metadata,
        checksums,
      },
      body,
    );
    return {
      status: 200,
      headers: { ...baseHeaders(requestId), etag, 'x-amz-server-side-encryption': 'AES256', ...checksums },
      body: '',
    };
  }

  function getObject(
    bucket: S3BucketRecord,
    key: string,
    req: EmulatorRequest,
    ctx: ServiceContext,
    head: boolean,
  ): EmulatorResponse {
    const { requestId } = ctx;
    const object = bucket.objects.get(key);
    if (object === undefined) {
      throw fail({
        code: 'NoSuchKey',
        message: 'The specified key does not exist.',
        status: 404,
        extra: { Key: key },
      });
    }
    const headers: Record<string, string> = {
      ...baseHeaders(requestId),
      'content-type': object.contentType,
      'content-length': String(object.size),
      etag: object.etag,
      'last-modified': httpDate(object.lastModified),
      'accept-ranges': 'bytes',
      'x-amz-server-side-encryption': 'AES256',
    };
    for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
    if (
      (req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED' &&
      Object.keys(object.checksums).length > 0
    ) {
      Object.assign(headers, object.checksums, { 'x-amz-checksum-type': 'FULL_OBJECT' });
    }
    if (req.headers['if-none-match'] !== undefined && req.headers['if-none-match'] === object.etag) {
      return { status: 304, headers: baseHeaders(requestId), body: '' };
    }
    // `Range: bytes=a-b` (what ranged and parallel downloads send): 206 with that slice.
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let slice: { start: number; end: number } | undefined;
    if (range !== null && (range[1] !== '' || range[2] !== '')) {
      const size = object.size;
      const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
      const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
      if (start >= size || start > end)
        throw fail({
          code: 'InvalidRange',
          message: 'The requested range is not satisfiable',
          status: 416,
          extra: { RangeRequested: req.headers.range ?? '', ActualObjectSize: String(size) },
        });
      slice = { start, end };
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
      headers['content-length'] = String(end - start + 1);
    }
    if (head) return { status: slice === undefined ? 200 : 206, headers, body: '' };
    const whole = state.body(object);
    const body =
      whole === undefined || slice === undefined ? whole : whole.subarray(slice.start, slice.end + 1);
    if (body === undefined) {
      // The body's file went away under a running emulator (deleted by hand): say so, not a 0-byte object.
      throw fail({
        code: 'InternalError',
        message: `We encountered an internal error. The body of ${key} is missing from the object store.`,
        status: 500,
      });
    }
    return { status: slice === undefined ? 200 : 206, headers, body };
  }

  /** An object body as sent: aws-chunked decoded, its flexible checksums, its MD5 checked. */
  function bodyOf(req: EmulatorRequest): { body: Buffer; checksums: Record<string, string>; digest: Buffer } {
    let body = req.body;
    const checksums: Record<string, string> = {};
    const contentSha = req.headers['x-amz-content-sha256'] ?? '';
    if (
      contentSha.startsWith('STREAMING-') ||
      (req.headers['content-encoding'] ?? '').includes('aws-chunked')
    ) {
      const decoded = decodeAwsChunked(body);
      if (decoded === undefined)
        throw fail({
          code: 'IncompleteBody',
          message: 'The request body terminated unexpectedly',
          status: 400,
        });
      body = decoded.data;
      for (const [name, value] of Object.entries(decoded.trailers))
        if (name.startsWith('x-amz-checksum-')) checksums[name] = value;
    }
    for (const [name, value] of Object.entries(req.headers))
      if (
        name.startsWith('x-amz-checksum-') &&
        name !== 'x-amz-checksum-type' &&
        name !== 'x-amz-checksum-algorithm'
      )
        checksums[name] = value;
    const digest = createHash('md5').update(body).digest();
    const md5 = req.headers['content-md5'];
    if (md5 !== undefined && md5 !== digest.toString('base64'))
      throw fail({
        code: 'BadDigest',
        message: 'The Content-MD5 you specified did not match what we received.',
        status: 400,
      });
    return { body, checksums, digest };
  }

  /** ListBuckets: the caller's buckets, by name. */
  function listBuckets(ctx: ServiceContext): EmulatorResponse {
    const mine = state
      .buckets()
      .filter((b) => b.ownerAccountId === ctx.principal.accountId)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const buckets = mine
      .map(
        (b) =>
          `<Bucket>${
            xmlElements([
              ['Name', b.name],
              ['CreationDate', b.createdAt],
              ['BucketRegion', b.region],
            ]).xml
          }</Bucket>`,
      )
      .join('');
    return {
      status: 200,
      headers: { ...baseHeaders(ctx.requestId), 'content-type': 'application/xml' },
      body: s3Xml(
        'ListAllMyBucketsResult',
        `<Owner><ID>${ctx.principal.accountId}</ID></Owner><Buckets>${buckets}</Buckets>`,
      ),
    };
  }

  /** ListObjectVersions of an unversioned bucket: each object once, version `null`, latest. */
  function listObjectVersions(
    bucket: S3BucketRecord,
    req: EmulatorRequest,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const prefix = req.query.get('prefix') ?? '';
    const marker = req.query.get('key-marker') ?? '';
    const max = Math.min(Number(req.query.get('max-keys') ?? '1000'), 1000);
    if (!Number.isInteger(max) || max < 0)
      throw fail({
        code: 'InvalidArgument',
        message: 'Provided max-keys not an integer or within integer range',
        status: 400,
      });
    const keys = [...bucket.objects.keys()]
      .filter(
        (k) =>
          k.startsWith(prefix) && (marker === '' || Buffer.compare(Buffer.from(k), Buffer.from(marker)) > 0),
      )
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, max);
    const truncated = keys.length > page.length;
    const versions = page
      .map((k) => bucket.objects.get(k) as S3ObjectRecord)
      .map(
        (o) =>
          `<Version>${
            xmlElements([
              ['Key', o.key],
              ['VersionId', 'null'],
              ['IsLatest', true],
              ['LastModified', o.lastModified],
              ['ETag', o.etag],
              ['Size', o.size],
              ['StorageClass', 'STANDARD'],
            ]).xml
          }<Owner><ID>${bucket.ownerAccountId}</ID></Owner></Version>`,
      )
      .join('');
    return {
      status: 200,
      headers: { ...baseHeaders(ctx.requestId), 'content-type': 'application/xml' },
      body: s3Xml(
        'ListVersionsResult',
        xmlElements([
          ['Name', bucket.name],
          ['Prefix', prefix],
          ['KeyMarker', marker],
          ['VersionIdMarker', ''],
          ['MaxKeys', max],
          ['IsTruncated', truncated],
          ['NextKeyMarker', truncated ? page.at(-1) : undefined],
          ['NextVersionIdMarker', truncated ? 'null' : undefined],
        ]).xml + versions,
      ),
    };
  }

  /** DeleteObject: gone (a key that was not there is no error, as on S3). */
  function deleteObject(bucket: S3BucketRecord, key: string, ctx: ServiceContext): EmulatorResponse {
    state.deleteObject(bucket, key);
    return { status: 204, headers: baseHeaders(ctx.requestId), body: '' };
  }

  /** DeleteObjects: up to 1000 keys; each reported Deleted (unless Quiet). */
  function deleteObjects(
    bucket: S3BucketRecord,
    req: EmulatorRequest,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const text = req.body.toString('utf8');
    const keys = xmlTexts(text, 'Key');
    if (!text.includes('<Delete') || keys.length === 0 || keys.length > 1000)
      throw fail({
        code: 'MalformedXML',
        message: 'The XML you provided was not well-formed or did not validate against our published schema',
        status: 400,
      });
    const quiet = xmlTexts(text, 'Quiet')[0] === 'true';
    for (const key of keys) state.deleteObject(bucket, key);
    const deleted = quiet
      ? ''
      : keys.map((k) => `<Deleted>${xmlElements([['Key', k]]).xml}</Deleted>`).join('');
    return {
      status: 200,
      headers: { ...baseHeaders(ctx.requestId), 'content-type': 'application/xml' },
      body: s3Xml('DeleteResult', deleted),
    };
  }

  function requireUpload(bucket: S3BucketRecord, key: string, req: EmulatorRequest): S3Upload {
    const upload = state.uploads.get(req.query.get('uploadId') ?? '');
    if (upload === undefined || upload.bucket !== bucket.name || upload.key !== key)
      throw fail({
        code: 'NoSuchUpload',
        message:
          'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        status: 404,
        extra: { UploadId: req.query.get('uploadId') ?? '' },
      });
    return upload;
  }

  /** The multipart upload operations: parts written to the body store as they come. */
  function multipart(
    operation: string,
    bucket: S3BucketRecord,
    key: string,
    req: EmulatorRequest,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const xml = (root: string, children: string): EmulatorResponse => ({
      status: 200,
      headers: { ...baseHeaders(ctx.requestId), 'content-type': 'application/xml' },
      body: s3Xml(root, children),
    });
    if (operation === 'CreateMultipartUpload') {
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
      const uploadId = createHash('sha256')
        .update(`${bucket.name}/${key}/${ctx.requestId}/${state.uploads.size}`)
        .digest('base64url');
      state.uploads.set(uploadId, {
        uploadId,
        bucket: bucket.name,
        key,
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        metadata,
        initiated: ctx.now().toISOString(),
        parts: new Map(),
      });
      return xml(
        'InitiateMultipartUploadResult',
        xmlElements([
          ['Bucket', bucket.name],
          ['Key', key],
          ['UploadId', uploadId],
        ]).xml,
      );
    }
    const upload = requireUpload(bucket, key, req);
    if (operation === 'UploadPart') {
      const partNumber = Number(req.query.get('partNumber'));
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
        throw fail({
          code: 'InvalidArgument',
          message: 'Part number must be an integer between 1 and 10000, inclusive',
          status: 400,
        });
      const { body, checksums, digest } = bodyOf(req);
      const etag = `"${digest.toString('hex')}"`;
      state.putPart(upload, partNumber, body, etag);
      return { status: 200, headers: { ...baseHeaders(ctx.requestId), etag, ...checksums }, body: '' };
    }
    if (operation === 'AbortMultipartUpload') {
      state.endUpload(upload);
      return { status: 204, headers: baseHeaders(ctx.requestId), body: '' };
    }
    // CompleteMultipartUpload: the parts the request lists, in order, each as uploaded.
    const text = req.body.toString('utf8');
    const numbers = xmlTexts(text, 'PartNumber').map(Number);
    const etags = xmlTexts(text, 'ETag').map((e) => (e.startsWith('"') ? e : `"${e}"`));
    if (numbers.length === 0 || numbers.length !== etags.length)
      throw fail({
        code: 'MalformedXML',
        message: 'The XML you provided was not well-formed or did not validate against our published schema',
        status: 400,
      });
    const chunks: Buffer[] = [];
    const md5s: Buffer[] = [];
    for (const [i, n] of numbers.entries()) {
      const part = upload.parts.get(n);
      if (part === undefined || part.etag !== etags[i])
        throw fail({
          code: 'InvalidPart',
          message:
            "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
          status: 400,
        });
      if (i > 0 && (numbers[i - 1] ?? 0) >= n)
        throw fail({
          code: 'InvalidPartOrder',
          message: 'The list of parts was not in ascending order. Parts must be ordered by part number.',
          status: 400,
        });
      const body = state.bodies.get(part.sha256);
      if (body === undefined)
        throw fail({
          code: 'InternalError',
          message: `We encountered an internal error. Part ${n} is missing from the object store.`,
          status: 500,
        });
      if (i < numbers.length - 1 && body.length < 5 * 1024 * 1024)
        throw fail({
          code: 'EntityTooSmall',
          message: 'Your proposed upload is smaller than the minimum allowed size',
          status: 400,
        });
      chunks.push(body);
      md5s.push(Buffer.from(part.etag.slice(1, -1), 'hex'));
    }
    const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${numbers.length}"`;
    state.putObject(
      bucket,
      {
        key,
        etag,
        contentType: upload.contentType,
        lastModified: ctx.now().toISOString(),
        metadata: upload.metadata,
        checksums: {},
      },
      Buffer.concat(chunks),
    );
    state.endUpload(upload);
    return xml(
      'CompleteMultipartUploadResult',
      xmlElements([
        ['Location', `/${bucket.name}/${key}`],
        ['Bucket', bucket.name],
        ['Key', key],
        ['ETag', etag],
      ]).xml,
    );
  }

  // One path for every operation: S3 checks the bucket and the caller's access before the
  // operation, in that order, whatever the operation.
  const handle: Operation = (req, ctx) => {
    const { requestId, principal } = ctx;
    const head = req.method === 'HEAD';
    const { bucket: bucketName, key } = splitPath(req.rawPath);
    const operation = s3OperationOf(req);
    if (operation === 'ListBuckets') return listBuckets(ctx);
    if (bucketName === '') {
      throw fail({
        code: 'NotImplemented',
        message: 'A header you provided implies functionality that is not implemented',
        status: 501,
      });
    }
    if (key === '' && req.method === 'PUT' && !req.query.has('policy'))
      return createBucket(bucketName, req, ctx);
    const bucket = state.bucket(bucketName);
    if (bucket === undefined) {
      throw fail({
        code: 'NoSuchBucket',
        message: 'The specified bucket does not exist',
        status: 404,
        extra: { BucketName: bucketName },
      });
    }
    if (key === '') {
      if (req.query.has('policy') && ['PUT', 'GET', 'DELETE'].includes(req.method)) {
        return bucketPolicy(bucket, req, ctx);
      }
      if (operation === 'ListObjectVersions' || operation === 'DeleteObjects') {
        if (!canAccess(bucket, principal))
          throw fail({ code: 'AccessDenied', message: 'Access Denied', status: 403 });
        return operation === 'DeleteObjects'
          ? deleteObjects(bucket, req, ctx)
          : listObjectVersions(bucket, req, ctx);
      }
      if (head) {
        if (!canAccess(bucket, principal))
          throw fail({ code: 'AccessDenied', message: 'Access Denied', status: 403 });
        return {
          status: 200,
          headers: { ...baseHeaders(requestId), 'x-amz-bucket-region': bucket.region },
          body: '',
        };
      }
      if (
        req.method === 'GET' &&
        !['uploads', 'versions', 'location', 'policy', 'acl'].some((k) => req.query.has(k))
      ) {
        if (!canAccess(bucket, principal))
          throw fail({ code: 'AccessDenied', message: 'Access Denied', status: 403 });
        return listObjects(bucket, req, ctx);
      }
      throw fail({
        code: 'NotImplemented',
        message: 'A header you provided implies functionality that is not implemented',
        status: 501,
      });
    }
    if (!canAccess(bucket, principal)) {
      throw fail({ code: 'AccessDenied', message: 'Access Denied', status: 403 });
    }
    if (
      operation === 'CreateMultipartUpload' ||
      operation === 'UploadPart' ||
      operation === 'CompleteMultipartUpload' ||
      operation === 'AbortMultipartUpload'
    )
      return multipart(operation, bucket, key, req, ctx);
    if (operation === 'DeleteObject') return deleteObject(bucket, key, ctx);
    switch (req.method) {
      case 'PUT':
        return putObject(bucket, key, req, ctx);
      case 'GET':
        return getObject(bucket, key, req, ctx, false);
      case 'HEAD':
        return getObject(bucket, key, req, ctx, true);
      default:
        throw fail({
          code: 'MethodNotAllowed',
          message: 'The specified method is not allowed against this resource.',
          status: 405,
          extra: { Method: req.method, ResourceType: 'OBJECT' },
        });
    }
  };
  // IAM: HeadBucket and the listings need ListBucket; HeadObject needs GetObject.
  return {
    CreateBucket: { run: handle, iam: onBucket('s3:CreateBucket') },
    HeadBucket: { run: handle, iam: onBucket('s3:ListBucket') },
    ListObjects: { run: handle, iam: onBucket('s3:ListBucket') },
    ListObjectsV2: { run: handle, iam: onBucket('s3:ListBucket') },
    PutObject: { run: handle, iam: onObject('s3:PutObject') },
    GetObject: { run: handle, iam: onObject('s3:GetObject') },
    HeadObject: { run: handle, iam: onObject('s3:GetObject') },
    PutBucketPolicy: { run: handle, iam: onBucket('s3:PutBucketPolicy') },
    GetBucketPolicy: { run: handle, iam: onBucket('s3:GetBucketPolicy') },
    DeleteBucketPolicy: { run: handle, iam: onBucket('s3:DeleteBucketPolicy') },
    // ListBuckets is authorized on no bucket; the upload parts by the object they build (S3's actions).
    ListBuckets: {
      run: handle,
      iam: (req) => ({ action: 's3:ListAllMyBuckets', resources: '*', region: req.region }),
    },
    ListObjectVersions: { run: handle, iam: onBucket('s3:ListBucketVersions') },
    DeleteObject: { run: handle, iam: onObject('s3:DeleteObject') },
    DeleteObjects: {
      run: handle,
      iam: (req) => {
        const { bucket } = s3Target(req);
        const keys = xmlTexts(req.body.toString('utf8'), 'Key');
        return {
          action: 's3:DeleteObject',
          resources:
            keys.length === 0 ? `arn:aws:s3:::${bucket}/*` : keys.map((k) => `arn:aws:s3:::${bucket}/${k}`),
          region: req.region,
        };
      },
    },
    CreateMultipartUpload: { run: handle, iam: onObject('s3:PutObject') },
    UploadPart: { run: handle, iam: onObject('s3:PutObject') },
    CompleteMultipartUpload: { run: handle, iam: onObject('s3:PutObject') },
    AbortMultipartUpload: { run: handle, iam: onObject('s3:AbortMultipartUpload') },
  };
}
