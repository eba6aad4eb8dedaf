/**
 * Small things a newcomer hit on a first afternoon with the CLI (issue 20, item 7): each one is a
 * promise the CLI made (its help, its demo world, its lint script, its quiet stderr) and broke.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { DEPLOYED_NOTIFICATION_TOPIC } from '../../../src/cli/targets/sfn.js';
import { startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';
import { fakeDeps, fakeIo } from '../../unit/cli/fakes.js';

const REPO = resolve(import.meta.dirname, '../../..');
const KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:w1';

describe('CLI: what a newcomer hit', () => {
  afterEach(() => {
    stopServeProcesses();
  });

  it('approve prints only its own answer on stderr, not the AWS SDK Node version notice', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/entry.ts', 'approve', EXECUTION, '--endpoint', 'http://127.0.0.1:1'],
      { cwd: REPO, env, encoding: 'utf8' },
    );

    expect(child.status).toBe(64);
    // On Node 20 the SDK warns of its end of support unless told not to; the CLI tells it.
    expect(child.stderr).toBe(
      'drs-orch: cannot reach Step Functions at --endpoint http://127.0.0.1:1 (ECONNREFUSED); check the endpoint and that it is running\n',
    );
  });

  it('the demo world serve runs has the topic that --target sfn asks approvals on by default', async () => {
    const { endpoint } = await startServeProcess(['--fleet', 'demo']);
    const sns = new SNSClient({ endpoint, region: 'us-east-1', credentials: KEYS });

    const out = await sns.send(
      new PublishCommand({
        TopicArn: `arn:aws:sns:us-east-1:123456789012:${DEPLOYED_NOTIFICATION_TOPIC}`,
        Subject: 'approve wave 2?',
        Message: 'm',
      }),
    );

    expect(out.MessageId).toBeTypeOf('string');
  });

  it('a fleet generated with -o fleet.json (or my-fleet.json) beside the code passes npm run lint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drs-orch-lint-'));
    copyFileSync(join(REPO, 'biome.json'), join(dir, 'biome.json'));
    writeFileSync(join(dir, 'checked.json'), '{ "a": 1 }\n');
    for (const name of ['fleet.json', 'my-fleet.json']) {
      const { io } = fakeIo({ cwd: dir });
      const argv = ['fleet', 'generate', '--accounts', '2', '--servers-per-account', '5', '-o', name];
      expect(await main(argv, io, fakeDeps().deps)).toBe(0);
    }

    const lint = spawnSync(join(REPO, 'node_modules/.bin/biome'), ['check', '--vcs-enabled=false', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });

    expect(`${lint.stdout}${lint.stderr}`).toContain('Checked 2 files');
    expect(lint.status).toBe(0);
  });

  it('drill --help does not claim a default time scale: without --time-scale sim runs in discrete time', async () => {
    const { io, stdout } = fakeIo();

    expect(await main(['drill', '--help'], io, fakeDeps().deps)).toBe(0);

    const help = stdout.text.replace(/\s+/g, ' ');
    expect(help).toContain(
      '--time-scale <n> sim: virtual seconds per wall second (default: discrete virtual time',
    );
    expect(help).not.toMatch(/--time-scale <n> sim: [^-]*default 1000/);
  });

  it('refuses fleet generate --servers-per-account 2000 with a usage error naming the limit (exit 64, not 70)', async () => {
    const { io, stderr } = fakeIo({ cwd: mkdtempSync(join(tmpdir(), 'drs-orch-fleet-')) });

    const code = await main(['fleet', 'generate', '--accounts', '1', '--servers-per-account', '2000'], io);

    expect(code).toBe(64);
    expect(stderr.text).toBe('drs-orch: --servers-per-account must be between 1 and 300, got 2000\n');
  });
});
