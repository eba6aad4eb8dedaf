/**
 * Step Functions' task-token answers (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) as a
 * few signed JSON 1.0 calls, without `@aws-sdk/client-sfn`. The executor's poll Lambdas send a
 * heartbeat on every poll, and the client would add about 52 KB to bundles already at the 1 MB
 * limit (test/infra/bundle.test.ts); the SigV4 signer used here is a dependency already. The wire
 * is the model's (`AWSStepFunctions.<Operation>`, `application/x-amz-json-1.0`), and errors come
 * back shaped like SDK errors (name, message, `$metadata.httpStatusCode`) so the retry policy
 * and error mapping treat them as any other call's.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
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

/** One signed call; an error answer becomes an SDK-shaped error. */
async function callStates(settings: ClientSettings, operation: string, input: object): Promise<void> {
  const url = new URL(settings.endpoint ?? statesEndpoint(settings.region));
  const body = JSON.stringify(input);
  const signer = new SignatureV4({
    service: 'states',
    region: settings.region,
    credentials: await credentialsOf(settings),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
    },
    body,
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
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
