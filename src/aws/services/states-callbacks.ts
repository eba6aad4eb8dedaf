/**
 * Step Functions' task-token answers (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) as a
 * few SigV4-signed JSON 1.0 calls, without `@aws-sdk/client-sfn`. The executor's poll Lambdas send
 * a heartbeat on every poll, and the client (about 52 KB), or even a second copy of the SDK's
 * signer (about 9 KB), would push their bundles over the 1 MB limit (test/infra/bundle.test.ts);
 * the signature is a few HMACs of `node:crypto`. The wire is the model's
 * (`AWSStepFunctions.<Operation>`, `application/x-amz-json-1.0`), and errors come back shaped like
 * SDK errors (name, message, `$metadata.httpStatusCode`) so the retry policy and error mapping
 * treat them as any other call's.
 */
import { createHash, createHmac } from 'node:crypto';
import type { TaskTokenPort } from '../ports.js';
import type { AwsService, ClientSettings, StaticCredentials } from '../service.js';

/** Step Functions' endpoint of a Region (`amazonaws.com.cn` in the China partition). */
export function statesEndpoint(region: string): string {
  return `https://states.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** How long one call may take before it counts as a network failure (retried by the policy). */
const CALL_TIMEOUT_MS = 10_000;

async function credentialsOf(settings: ClientSettings): Promise<StaticCredentials> {
  const given = settings.credentials;
  if (typeof given === 'function') return given();
  if (given) return given;
  // A Lambda's own role (the SDK's default chain starts with these variables).
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    throw Object.assign(
      new Error('no credentials for states: expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'),
      {
        name: 'CredentialsProviderError',
      },
    );
  }
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
}

const sha256 = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * SigV4 headers (AWS General Reference, "Create a signed AWS API request") for a POST of `body`
 * to the root path of `host`, signing every header given.
 */
export function signedHeaders(opts: {
  readonly host: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: StaticCredentials;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly now: Date;
}): Record<string, string> {
  const amzDate = opts.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    host: opts.host,
    'x-amz-date': amzDate,
    ...(opts.credentials.sessionToken ? { 'x-amz-security-token': opts.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signed = names.join(';');
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    signed,
    sha256(opts.body),
  ].join('\n');
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${opts.credentials.secretAccessKey}`, day);
  for (const part of [opts.region, opts.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${opts.credentials.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}

/** One signed call; an error answer becomes an SDK-shaped error. */
async function callStates(settings: ClientSettings, operation: string, input: object): Promise<void> {
  const url = new URL(settings.endpoint ?? statesEndpoint(settings.region));
  const body = JSON.stringify(input);
  const headers = signedHeaders({
    host: url.host,
    region: settings.region,
    service: 'states',
    credentials: await credentialsOf(settings),
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
    },
    body,
    // The signature's clock is the wall clock, as the SDK's.
    now: new Date(),
  });
  let res: Response;
  try {
    res = await fetch(new URL('/', url), {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? 'ECONNRESET';
    throw Object.assign(new Error(`${operation} did not reach ${url.host}: ${(err as Error).message}`), {
      name: (err as Error).name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError',
      code,
    });
  }
  const text = await res.text();
  if (res.ok) return;
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON (a proxy's page): the status decides.
  }
  const type = res.headers.get('x-amzn-errortype') ?? parsed.__type ?? `Http${res.status}`;
  const name = type.split(':')[0]?.split('#').pop() || `Http${res.status}`;
  throw Object.assign(new Error(parsed.message ?? parsed.Message ?? text.slice(0, 200)), {
    name,
    $metadata: { httpStatusCode: res.status, requestId: res.headers.get('x-amzn-requestid') ?? undefined },
  });
}

/**
 * The task-token service module.
 *
 * @example
 * ```ts
 * const tokens = statesCallbacksService.create(scope);
 * await tokens.sendTaskHeartbeat(token);
 * ```
 */
export const statesCallbacksService: AwsService<TaskTokenPort> = {
  service: 'states',
  create({ settings, send }) {
    return {
      sendTaskSuccess: (taskToken, output) =>
        send('SendTaskSuccess', () => callStates(settings, 'SendTaskSuccess', { taskToken, output })),
      sendTaskFailure: (taskToken, error, cause) =>
        send('SendTaskFailure', () => callStates(settings, 'SendTaskFailure', { taskToken, error, cause })),
      sendTaskHeartbeat: (taskToken) =>
        send('SendTaskHeartbeat', () => callStates(settings, 'SendTaskHeartbeat', { taskToken })),
    };
  },
};
