/**
 * The README's promise, run as written: on `drs-orch serve`, the AWS CLI starts the waves state
 * machine, sees it wait for an approval, reads the task token from the history, approves with
 * `aws stepfunctions send-task-success`, and sees the execution finish with the decision recorded.
 * The shell commands are taken from README.md itself, so a README that drifts from the product fails
 * here.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';

const run = promisify(execFile);
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' };

afterEach(stopServeProcesses);

/**
 * The README's waves block: from `WAVES=` to the `send-task-success` command, without the last
 * `describe-execution` (the README says it answers SUCCEEDED "a few seconds later"; the test polls).
 */
function readmeApprovalScript(): string {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks.find((b) => b.includes('WAVES=') && b.includes('send-task-success'));
  if (block === undefined) throw new Error('README.md has no bash block with WAVES= and send-task-success');
  const lines = block.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  expect(last).toMatch(/describe-execution --execution-arn \$ARN --query status/);
  // The ARN is echoed so the test can follow the execution after the script.
  return [...lines.slice(0, -1), 'echo "ARN=$ARN"'].join('\n');
}

async function aws(endpoint: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'aws',
    ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args],
    { env: { ...process.env, ...CREDENTIALS } },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('drs-orch serve with the AWS CLI: the README approval of a waves execution', () => {
  it('starts the waves machine, sees it wait, approves it with send-task-success and sees it finish', async () => {
    const { endpoint } = await startServeProcess(['--fleet', 'demo']);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', readmeApprovalScript()], {
      env: { ...process.env, ...CREDENTIALS, AWS_DEFAULT_REGION: 'us-east-1', EP: endpoint },
    });

    // The documented describe-execution before the approval printed RUNNING: it waited.
    expect(stdout).toContain('"RUNNING"');
    const arn = /^ARN=(\S+)$/m.exec(stdout)?.[1] ?? '';
    expect(arn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:/);

    let described: Record<string, unknown> = {};
    for (let i = 0; i < 1200; i++) {
      described = await aws(endpoint, ['stepfunctions', 'describe-execution', '--execution-arn', arn]);
      if (described.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(String(described.output)) as Record<string, unknown>;
    expect(output).toMatchObject({
      status: 'success',
      wavesRun: 1,
      waves: { wave1: { name: 'single', approval: { approved: true, approvedBy: 'me', comment: 'go' } } },
    });

    // The token the README's query found is spent: a second answer is refused as on AWS.
    const history = await aws(endpoint, ['stepfunctions', 'get-execution-history', '--execution-arn', arn]);
    const scheduled = (
      history.events as {
        type: string;
        taskScheduledEventDetails?: { resourceType: string; parameters: string };
      }[]
    ).find((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'sns');
    const token = (
      JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? '{}') as {
        MessageAttributes: { TaskToken: { StringValue: string } };
      }
    ).MessageAttributes.TaskToken.StringValue;
    const again = await run(
      'aws',
      [
        '--endpoint-url',
        endpoint,
        '--region',
        'us-east-1',
        'stepfunctions',
        'send-task-success',
        '--task-token',
        token,
        '--task-output',
        '{}',
      ],
      { env: { ...process.env, ...CREDENTIALS } },
    ).then(
      () => 'accepted',
      (err: { stderr?: string }) => err.stderr ?? String(err),
    );
    expect(again).toContain('TaskTimedOut');
  }, 240_000);
});
