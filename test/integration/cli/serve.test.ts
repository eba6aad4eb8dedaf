import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSourceServersCommand } from '@aws-sdk/client-drs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exited,
  spawnServe,
  stagingDrs,
  startServeProcess,
  stopServeProcesses,
} from '../../_helpers/serve-process.js';

afterEach(stopServeProcesses);

const serve = startServeProcess;

describe('drs-orch serve (child process)', () => {
  it('serves the demo fleet to the AWS SDK and stops cleanly on SIGTERM', async () => {
    const { child, endpoint, stderr } = await serve(['--fleet', 'demo']);
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials });

    const me = await sts.send(new GetCallerIdentityCommand({}));
    const drs = await stagingDrs(endpoint);
    const servers = await drs.send(new DescribeSourceServersCommand({ maxResults: 1000 }));
    child.kill('SIGTERM');
    const code = await exited(child);

    expect(me.Account).toBe('123456789012');
    expect(servers.items).toHaveLength(200);
    expect(stderr()).toContain('AWS_ACCESS_KEY_ID=test');
    expect(code).toBe(0);
  });

  it('saves the world to --state-file on exit and resumes from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-serve-'));
    const stateFile = join(dir, 'world.json');
    const first = await serve(['--state-file', stateFile]);
    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { fleet: { name?: string } };

    const second = await serve(['--state-file', stateFile]);
    second.child.kill('SIGTERM');
    await exited(second.child);

    expect(saved.fleet.name).toBe('demo');
    expect(second.stderr()).toContain(`resumed from ${stateFile}`);
  });

  it('refuses an invalid fleet file with exit 64 and one message', async () => {
    const { child, stderr } = spawnServe(['--fleet', 'package.json']);

    const code = await exited(child);

    expect(code).toBe(64);
    expect(stderr()).toMatch(/^drs-orch: --fleet "package.json" is not a valid fleet: /);
    expect(stderr().trimEnd().split('\n')).toHaveLength(1);
  });
});
