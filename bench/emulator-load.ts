/**
 * Emulator throughput: replayed signed DRS requests over keep-alive connections on 127.0.0.1,
 * against an emulator running in its own process (`bench/emulator-serve.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Sha256 } from '@aws-crypto/sha256-js';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';

/** One throughput figure. */
export interface ThroughputMeasurement {
  readonly request: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly responseBytes: number;
}

interface Signed {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function sign(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  path: string,
  body: unknown,
): Promise<Signed> {
  const url = new URL(endpoint);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'drs', region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: {
      host: url.host,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    },
    body: text,
  });
  return { path, headers: signed.headers as Record<string, string>, body: text };
}

function once(agent: Agent, endpoint: URL, s: Signed): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'POST',
        path: s.path,
        headers: s.headers,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(s.body);
  });
}

/** Sends `s` from `connections` loops until `durationMs` passed or `maxRequests` were sent. */
async function hammer(
  endpoint: string,
  s: Signed,
  connections: number,
  durationMs: number,
  maxRequests: number,
): Promise<{ requests: number; seconds: number; bytes: number }> {
  const url = new URL(endpoint);
  if (url.hostname !== '127.0.0.1') throw new Error(`load is only sent to 127.0.0.1, not ${url.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  let bytes = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (sent < maxRequests && performance.now() - t0 < durationMs) {
      sent += 1;
      bytes = await once(agent, url, s);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: sent, seconds, bytes };
}

function startServer(entry: string): Promise<{ child: ChildProcess; endpoint: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolve({ child, endpoint: line.trim() });
    });
    child.on('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
}

/**
 * Measures sustained requests/s for DescribeJobs (20 jobs of 5 servers) and DescribeSourceServers
 * (pages of 10 and of 100 servers, and all 300).
 */
export async function measureEmulator(entry: string, durationMs: number): Promise<ThroughputMeasurement[]> {
  const { child, endpoint } = await startServer(entry);
  try {
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const role = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
        RoleSessionName: 'bench',
      }),
    );
    sts.destroy();
    const c = role.Credentials;
    const creds = {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      ...(c?.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
    const cases: [string, string, unknown][] = [
      ['DescribeJobs (20 jobs x 5 servers)', '/DescribeJobs', { filters: {} }],
      ['DescribeSourceServers (maxResults 10)', '/DescribeSourceServers', { filters: {}, maxResults: 10 }],
      ['DescribeSourceServers (maxResults 100)', '/DescribeSourceServers', { filters: {}, maxResults: 100 }],
      ['DescribeSourceServers (all 300)', '/DescribeSourceServers', { filters: {} }],
    ];
    const rows: ThroughputMeasurement[] = [];
    for (const [name, path, body] of cases) {
      const signed = await sign(endpoint, creds, 'us-east-2', path, body);
      const r = await hammer(endpoint, signed, 16, durationMs, 50_000);
      rows.push({
        request: name,
        requests: r.requests,
        requestsPerSecond: r.requests / r.seconds,
        responseBytes: r.bytes,
      });
    }
    return rows;
  } finally {
    child.kill('SIGTERM');
  }
}
