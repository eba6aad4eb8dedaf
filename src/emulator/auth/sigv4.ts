/**
 * AWS Signature Version 4, server side: parse the `Authorization` header (or presigned query),
 * rebuild the canonical request exactly as the signer did, and compare signatures.
 *
 * The canonical request follows the published algorithm and the SDKs' implementation details
 * that matter on the wire: a service double-encodes the (already encoded) path after removing dot
 * segments unless its {@link SigningRules} say it signs the path as sent; the payload hash is the
 * `x-amz-content-sha256` header when present only for a service whose rules say it signs the
 * declared hash (`UNSIGNED-PAYLOAD` and the streaming forms are that service's features); every
 * other service hashes the body it received, so a request signed over `UNSIGNED-PAYLOAD` (or over
 * another body) does not verify there.
 * Request time is deliberately not checked against the clock: the emulator's virtual time is
 * not wall time, and AWS's 15-minute skew window would only get in the way.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest } from '../types.js';

/** How a service's requests are signed, where it departs from the SigV4 default. */
export interface SigningRules {
  /** The canonical URI is the path as sent, not normalised and re-encoded. @default false */
  readonly pathAsSent?: boolean;
  /** The payload hash signed is the declared `x-amz-content-sha256`. @default false */
  readonly declaredPayloadHash?: boolean;
}

/** The only algorithm the SDKs use for these services. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** The credential scope of a signature: `AKID/20240101/us-east-1/sts/aws4_request`. */
export interface CredentialScope {
  readonly accessKeyId: string;
  /** `YYYYMMDD`. */
  readonly date: string;
  readonly region: string;
  /** Signing name, e.g. `sts`, `drs`, `servicequotas`. */
  readonly service: string;
}

/** A complete SigV4 authorization taken from a request. */
export interface SigV4Authorization {
  readonly scope: CredentialScope;
  /** Lower-case header names, in the order they were signed. */
  readonly signedHeaders: readonly string[];
  /** Hex signature the client sent. */
  readonly signature: string;
  /** `YYYYMMDDTHHMMSSZ` of the signature. */
  readonly amzDate: string;
  /** `x-amz-security-token` (header or query) for temporary credentials. */
  readonly sessionToken?: string;
  /** Where the signature came from. */
  readonly location: 'header' | 'query';
}

/** Outcome of {@link parseAuthorization}. */
export type AuthorizationParse =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'incomplete'; readonly message: string; readonly scope?: CredentialScope }
  | { readonly kind: 'signed'; readonly auth: SigV4Authorization };

/** Parses `AKID/date/region/service/aws4_request`; undefined when it is not five parts. */
export function parseCredentialScope(credential: string): CredentialScope | undefined {
  const parts = credential.trim().split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string, string];
  if (accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || service === '') return undefined;
  return { accessKeyId, date, region, service };
}

function headerAmzDate(headers: Readonly<Record<string, string>>): string | undefined {
  const amz = headers['x-amz-date'];
  if (amz !== undefined) return amz.trim();
  const date = headers.date;
  if (date === undefined) return undefined;
  const parsed = new Date(date);
  if (Number.isNaN(parsed.getTime())) return undefined;
  return parsed
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Reads the SigV4 authorization of a request from its `Authorization` header, or from the
 * `X-Amz-*` query parameters of a presigned URL.
 *
 * @returns `unsigned` when neither is present; `incomplete` (with the AWS message) when the header
 * is there but unusable.
 */
export function parseAuthorization(
  headers: Readonly<Record<string, string>>,
  query: URLSearchParams,
): AuthorizationParse {
  const header = headers.authorization;
  if (header === undefined || header.trim() === '') {
    if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential')) return parsePresigned(query);
    return { kind: 'unsigned' };
  }
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return { kind: 'incomplete', message: `Unsupported authorization type: ${algorithm}` };
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields.get(k));
  const scope = parseCredentialScope(fields.get('Credential') ?? '');
  const amzDate = headerAmzDate(headers);
  const problems = missing.map((k) => `Authorization header requires '${k}' parameter.`);
  if (fields.get('Credential') && scope === undefined) {
    problems.push(`Credential should be scoped to a valid region, not '${fields.get('Credential')}'.`);
  }
  if (amzDate === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0 || scope === undefined || amzDate === undefined) {
    return {
      kind: 'incomplete',
      message: `${problems.join(' ')} Authorization=${header}`,
      ...(scope === undefined ? {} : { scope }),
    };
  }
  const token = headers['x-amz-security-token'];
  return {
    kind: 'signed',
    auth: {
      scope,
      signedHeaders: (fields.get('SignedHeaders') ?? '').split(';').map((h) => h.trim().toLowerCase()),
      signature: (fields.get('Signature') ?? '').toLowerCase(),
      amzDate,
      location: 'header',
      ...(token === undefined ? {} : { sessionToken: token }),
    },
  };
}

function parsePresigned(query: URLSearchParams): AuthorizationParse {
  const algorithm = query.get('X-Amz-Algorithm');
  const scope = parseCredentialScope(query.get('X-Amz-Credential') ?? '');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  const amzDate = query.get('X-Amz-Date');
  if (algorithm !== SIGV4_ALGORITHM || !scope || !signedHeaders || !signature || !amzDate) {
    return {
      kind: 'incomplete',
      message:
        'AWS query-string parameters must include X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date and X-Amz-SignedHeaders.',
      ...(scope === undefined ? {} : { scope }),
    };
  }
  const token = query.get('X-Amz-Security-Token');
  return {
    kind: 'signed',
    auth: {
      scope,
      signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
      signature: signature.toLowerCase(),
      amzDate,
      location: 'query',
      ...(token === null ? {} : { sessionToken: token }),
    },
  };
}

/** RFC 3986 encoding as SigV4 requires (encodeURIComponent leaves `!'()*` alone). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The canonical URI: the path as sent (`pathAsSent`), else normalised and re-encoded. */
export function canonicalUri(rawPath: string, pathAsSent = false): string {
  const path = rawPath === '' ? '/' : rawPath;
  if (pathAsSent) return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEncode(normalised).replace(/%2F/g, '/');
}

/** The canonical query string: every parameter encoded, sorted by name then value. */
export function canonicalQuery(query: URLSearchParams, excludeSignature: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of query) {
    if (excludeSignature && key === 'X-Amz-Signature') continue;
    pairs.push([uriEncode(key), uriEncode(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** SHA-256 of data as lower-case hex. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The payload hash the signer used (see module comment). */
export function payloadHash(
  req: Pick<EmulatorRequest, 'headers' | 'body'>,
  presigned: boolean,
  rules: SigningRules = {},
): string {
  if (rules.declaredPayloadHash !== true) return sha256Hex(req.body);
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined) return declared.trim();
  if (presigned) return 'UNSIGNED-PAYLOAD';
  return sha256Hex(req.body);
}

/** The canonical request text of `req` under `auth`. */
export function canonicalRequest(
  req: Pick<EmulatorRequest, 'method' | 'rawPath' | 'query' | 'headers' | 'body'>,
  auth: SigV4Authorization,
  rules: SigningRules = {},
): string {
  const headerLines = auth.signedHeaders.map((name) => {
    const value = (req.headers[name] ?? '').trim().replace(/\s+/g, ' ');
    return `${name}:${value}\n`;
  });
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath, rules.pathAsSent === true),
    canonicalQuery(req.query, auth.location === 'query'),
    headerLines.join(''),
    auth.signedHeaders.join(';'),
    payloadHash(req, auth.location === 'query', rules),
  ].join('\n');
}

/** The string to sign for a canonical request. */
export function stringToSign(auth: SigV4Authorization, canonical: string): string {
  const { date, region, service } = auth.scope;
  return [
    SIGV4_ALGORITHM,
    auth.amzDate,
    `${date}/${region}/${service}/aws4_request`,
    sha256Hex(canonical),
  ].join('\n');
}

/** Derives the SigV4 signing key and signs `text` with it (hex). */
export function sign(secretAccessKey: string, scope: CredentialScope, text: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  const kSigning = hmac(kService, 'aws4_request');
  return createHmac('sha256', kSigning).update(text).digest('hex');
}

/** Outcome of {@link verifySignature}. */
export type SignatureCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `payload-hash`: the declared `x-amz-content-sha256` is not the body's hash. */
      readonly reason: 'signature' | 'payload-hash' | 'unsigned-host';
      readonly canonicalRequest: string;
      readonly stringToSign: string;
    };

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Recomputes the signature of `req` with `secretAccessKey` and compares it with the one sent.
 *
 * @example verifySignature(req, parsed.auth, 'test').ok // true for an SDK-signed request
 */
export function verifySignature(
  req: Pick<EmulatorRequest, 'method' | 'rawPath' | 'query' | 'headers' | 'body'>,
  auth: SigV4Authorization,
  secretAccessKey: string,
  rules: SigningRules = {},
): SignatureCheck {
  const canonical = canonicalRequest(req, auth, rules);
  const toSign = stringToSign(auth, canonical);
  if (!auth.signedHeaders.includes('host')) {
    return { ok: false, reason: 'unsigned-host', canonicalRequest: canonical, stringToSign: toSign };
  }
  const expected = Buffer.from(sign(secretAccessKey, auth.scope, toSign), 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature', canonicalRequest: canonical, stringToSign: toSign };
  }
  const declared = req.headers['x-amz-content-sha256']?.trim();
  if (declared !== undefined && HEX64.test(declared) && declared !== sha256Hex(req.body)) {
    return { ok: false, reason: 'payload-hash', canonicalRequest: canonical, stringToSign: toSign };
  }
  return { ok: true };
}
