/**
 * Starts `drs-orch serve` as a child process, from source (no build needed), for tests that drive
 * it like any AWS client would. Every process started here is killed by {@link stopServeProcesses}.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { DrsClient } from '@aws-sdk/client-drs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

const children: ChildProcess[] = [];

/** A running `drs-orch serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The endpoint `serve` prints alone on stdout's first line. */
  readonly endpoint: string;
  /** Everything the process wrote to stderr so far (its banner, messages). */
  stderr(): string;
}

/**
 * Spawns `drs-orch serve --port 0 ...args` without waiting for anything (for tests of how it fails).
 */
export function spawnServe(args: readonly string[]): { child: ChildProcess; stderr(): string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/entry.ts', 'serve', '--port', '0', ...args],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  children.push(child);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return { child, stderr: () => err };
}

/**
 * Spawns `drs-orch serve --port 0 ...args` and resolves once it prints its endpoint.
 *
 * @example
 * const { endpoint } = await startServeProcess(['--fleet', 'demo']);
 */
export async function startServeProcess(args: readonly string[]): Promise<ServeProcess> {
  const { child, stderr } = spawnServe(args);
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr()}`)));
  });
  return { child, endpoint, stderr };
}

/** Kills the processes {@link startServeProcess} started (by their handle) that are still running. */
export function stopServeProcesses(): void {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/** A DRS client of staging account 111111111111 (us-east-2) on `endpoint`, as the orchestrator assumes it. */
export async function stagingDrs(endpoint: string): Promise<DrsClient> {
  const sts = new STSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      RoleSessionName: 'serve-test',
    }),
  );
  return new DrsClient({
    endpoint,
    region: 'us-east-2',
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    },
  });
}

/** Resolves with a process's exit code once it has exited (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}
