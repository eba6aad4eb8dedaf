/**
 * Test helpers: start an emulator for a test and build real SDK clients against it.
 */
import { Readable } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeSourceServersCommand, DrsClient } from '@aws-sdk/client-drs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, expect } from 'vitest';
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { errorMismatches, outputMismatches } from './aws-model-shape.js';

/** Region of the demo/generated staging accounts. */
export const STAGING_REGION = 'us-east-2';

/** Starts an emulator with a frozen clock unless told otherwise. */
export async function startTestEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ timeScale: 0, startTime: '2025-01-06T09:00:00.000Z', ...opts });
}

/** Static credentials for an SDK client. */
export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Session credentials for a role in `accountId`, issued straight from the emulator's credential
 * store (what STS AssumeRole hands out), for tests that are not about STS.
 */
export function sessionFor(
  emu: Emulator,
  accountId: string,
  roleName = 'DRS-Orchestration-Role',
): TestCredentials {
  const c = emu.state.credentials.issueSession({
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
    roleId: 'AROATESTROLE000000001',
    sessionName: 'test',
    expiration: new Date(emu.clock.nowMs() + 3_600_000),
  });
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }),
  };
}

/** A DRS client for an account of the emulator (no SDK retries, so faults surface). */
export function drsClient(
  emu: Emulator,
  credentials: TestCredentials,
  opts: { region?: string; maxAttempts?: number } = {},
): DrsClient {
  return new DrsClient({
    endpoint: emu.endpoint,
    region: opts.region ?? STAGING_REGION,
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

/** A DRS client for a staging account through a session. */
export function stagingDrs(
  emu: Emulator,
  accountId = '111111111111',
  opts: { maxAttempts?: number } = {},
): DrsClient {
  return drsClient(emu, sessionFor(emu, accountId), opts);
}

/** One raw DRS exchange seen by a recording client. */
export interface RecordedResponse {
  readonly operation: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Makes a client keep every raw response body (before the SDK parses it), so tests can check
 * the wire against the service model.
 */
export function recordResponses(client: DrsClient): RecordedResponse[] {
  const records: RecordedResponse[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as {
        statusCode: number;
        headers: Record<string, string>;
        body: AsyncIterable<Uint8Array> & { pipe?: unknown };
      };
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      records.push({
        operation: String(context.commandName ?? '').replace(/Command$/, ''),
        status: response.statusCode,
        headers: response.headers,
        body: body.toString('utf8'),
      });
      response.body = Readable.from([body]) as unknown as typeof response.body;
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'recordRawResponse' },
  );
  return records;
}

/** Every model mismatch of recorded DRS responses (success bodies and error bodies). */
export function drsMismatches(records: readonly RecordedResponse[]): string[] {
  return records.flatMap((r) => {
    const body: unknown = r.body.trim() === '' ? {} : JSON.parse(r.body);
    if (r.status < 300) return outputMismatches('drs', r.operation, body);
    const type = r.headers['x-amzn-errortype'] ?? '';
    return errorMismatches('drs', type.split(':')[0] ?? type, body);
  });
}

/** A raw request signed with SigV4 (for bodies the SDK would never send). */
export interface RawRequest {
  readonly method?: string;
  /** Path with an optional query string, e.g. `/DescribeJobs` or `/tags/arn%3A...?tagKeys=a`. */
  readonly path: string;
  readonly body?: string;
  readonly region?: string;
  readonly service?: string;
  readonly headers?: Record<string, string>;
}

/** Sends a SigV4-signed request with `fetch` and returns status, headers and body text. */
export async function signedFetch(
  emu: Emulator,
  credentials: TestCredentials,
  req: RawRequest,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const url = new URL(req.path, emu.endpoint);
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    query[key] = all.length === 1 ? (all[0] as string) : all;
  }
  const signer = new SignatureV4({
    credentials,
    region: req.region ?? STAGING_REGION,
    service: req.service ?? 'drs',
    sha256: Sha256,
    uriEscapePath: true,
  });
  const signed = await signer.sign({
    method: req.method ?? 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, 'content-type': 'application/json', ...(req.headers ?? {}) },
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  const res = await fetch(url, {
    method: req.method ?? 'POST',
    headers: signed.headers as Record<string, string>,
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() };
}

/** A running emulator and a staging-account DRS client whose every response is model-checked. */
export interface ModelCheckedDrs {
  readonly emu: Emulator;
  readonly drs: DrsClient;
}

/**
 * Registers, for the calling `describe`, an emulator started before each test and a staging DRS
 * client on it; after each test every recorded DRS response must match the model, then the
 * emulator stops. Read `emu`/`drs` inside tests (they are replaced per test).
 */
export function useModelCheckedDrs(options: StartEmulatorOptions): ModelCheckedDrs {
  let emu: Emulator | undefined;
  let drs: DrsClient | undefined;
  let records: RecordedResponse[] = [];
  beforeEach(async () => {
    emu = await startTestEmulator(options);
    drs = stagingDrs(emu);
    records = recordResponses(drs);
  });
  afterEach(async () => {
    expect(drsMismatches(records)).toEqual([]);
    await emu?.stop();
  });
  return {
    get emu() {
      if (!emu) throw new Error('the emulator is started before each test');
      return emu;
    },
    get drs() {
      if (!drs) throw new Error('the DRS client is made before each test');
      return drs;
    },
  };
}

/** The ids of the first `n` source servers in CONTINUOUS replication (ready to launch) that `drs` sees. */
export async function continuousServers(drs: DrsClient, n: number): Promise<string[]> {
  const out = await drs.send(new DescribeSourceServersCommand({ maxResults: 50 }));
  return (out.items ?? [])
    .filter((s) => s.dataReplicationInfo?.dataReplicationState === 'CONTINUOUS')
    .slice(0, n)
    .map((s) => s.sourceServerID as string);
}
