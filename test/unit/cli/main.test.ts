import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { ExecutionRef } from '../../../src/cli/session.js';
import type { HistoryEventLike } from '../../../src/report/index.js';
import { fakeDeps, fakeIo, sampleOutput } from './fakes.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'drs-orch-cli-'));
}

describe('Function: main', () => {
  describe('argument parsing into the orchestration input', () => {
    it('passes every input flag to the run as design-3.1 fields', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      const code = await main(
        [
          'failover',
          '--tags',
          'DR-Wave=1',
          '--tags',
          'DR-Application=HRP,DR-Tier=Database',
          '--max-wait',
          '90',
          '--continue-on-failure',
          '--parallelism',
          '20',
          '--snapshot',
          'pit-0123456789abcdefg',
          '--notification-arn',
          'arn:aws:sns:us-east-1:123456789012:drs-notify',
          '--next-phase-threshold',
          '0.8',
          '--is-drill',
          '--correlation-id',
          'wave-1-2025',
          '--parent-execution-id',
          'arn:aws:states:us-east-1:123456789012:execution:parent:1',
          '--ticket',
          'CHG-42',
          '--initiated-by',
          'ops@example.com',
        ],
        io,
        deps,
      );

      expect(code).toBe(0);
      expect(calls.runs).toEqual([
        {
          action: 'failover',
          tags: { 'DR-Wave': '1', 'DR-Application': 'HRP', 'DR-Tier': 'Database' },
          options: {
            maxWaitMinutes: 90,
            continueOnFailure: true,
            parallelism: 20,
            pointInTimeSnapshot: 'pit-0123456789abcdefg',
            notificationArn: 'arn:aws:sns:us-east-1:123456789012:drs-notify',
            nextPhaseThreshold: 0.8,
            isDrill: true,
          },
          metadata: {
            correlationId: 'wave-1-2025',
            parentExecutionId: 'arn:aws:states:us-east-1:123456789012:execution:parent:1',
            ticketId: 'CHG-42',
            initiatedBy: 'ops@example.com',
          },
        },
      ]);
    });

    it('passes the terminate-only flags', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      const code = await main(
        ['terminate', '-t', 'DR-Wave=1', '--terminate-non-drill', '--older-than-minutes', '60'],
        io,
        deps,
      );

      expect(code).toBe(0);
      expect(calls.runs[0]).toEqual({
        action: 'terminate',
        tags: { 'DR-Wave': '1' },
        options: { terminateNonDrill: true, olderThanMinutes: 60 },
      });
    });

    it('reads --input from a file and lets flags override its fields', async () => {
      const dir = await tempDir();
      await writeFile(
        join(dir, 'in.json'),
        JSON.stringify({
          action: 'drill',
          tags: { 'DR-Wave': '2' },
          options: { parallelism: 10, maxWaitMinutes: 30 },
          metadata: { ticketId: 'CHG-1', team: 'dr' },
        }),
      );
      const { io } = fakeIo({ cwd: dir });
      const { deps, calls } = fakeDeps();

      const code = await main(
        ['drill', '--input', 'in.json', '--parallelism', '5', '--ticket', 'CHG-2'],
        io,
        deps,
      );

      expect(code).toBe(0);
      expect(calls.runs[0]).toEqual({
        action: 'drill',
        tags: { 'DR-Wave': '2' },
        options: { parallelism: 5, maxWaitMinutes: 30 },
        metadata: { ticketId: 'CHG-2', team: 'dr' },
      });
    });

    it('reads --input - from stdin, and `run` takes the action from the document', async () => {
      const { io } = fakeIo({ stdin: '{"action":"status","tags":{"DR-Application":"HRP"}}' });
      const { deps, calls } = fakeDeps();

      const code = await main(['run', '--input', '-'], io, deps);

      expect(code).toBe(0);
      expect(calls.runs[0]).toEqual({ action: 'status', tags: { 'DR-Application': 'HRP' } });
    });

    it('hands the target flags to the session', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      await main(
        [
          'drill',
          '--tags',
          'DR-Wave=1',
          '--fleet',
          'fleet.json',
          '--time-scale',
          '600',
          '--state-file',
          'tmp/world.json',
          '--reset',
          '--endpoint',
          'http://127.0.0.1:4566/',
        ],
        io,
        deps,
      );

      expect(calls.opened[0]?.target).toEqual({
        target: 'sim',
        fleet: 'fleet.json',
        timeScale: 600,
        timeScaleGiven: true,
        stateFile: 'tmp/world.json',
        reset: true,
        endpoint: 'http://127.0.0.1:4566',
        pollSeconds: 5,
      });
    });

    it('runs the embedded emulator in discrete time unless --time-scale is given, even at the default value', async () => {
      const { isDiscreteTime } = await import('../../../src/cli/targets/sim-world.js');
      const base = {
        target: 'sim',
        fleet: 'demo',
        timeScale: 1000,
        stateFile: 's.json',
        reset: false,
        pollSeconds: 5,
      } as const;

      expect(isDiscreteTime(base)).toBe(true);
      expect(isDiscreteTime({ ...base, timeScaleGiven: true })).toBe(false);
      expect(isDiscreteTime({ ...base, endpoint: 'http://127.0.0.1:4566' })).toBe(false);
    });

    it('accepts --target sfn with a state machine ARN', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();
      const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';

      const code = await main(
        [
          'drill',
          '--tags',
          'DR-Wave=1',
          '--target',
          'sfn',
          '--state-machine-arn',
          arn,
          '--poll-interval',
          '2',
        ],
        io,
        deps,
      );

      expect(code).toBe(0);
      expect(calls.opened[0]?.target).toMatchObject({ target: 'sfn', stateMachineArn: arn, pollSeconds: 2 });
    });

    it('accepts --target aws with a results bucket and region', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      await main(
        [
          'status',
          '--tags',
          'DR-Wave=1',
          '--target',
          'aws',
          '--results-bucket',
          'dr-results',
          '--region',
          'us-east-1',
        ],
        io,
        deps,
      );

      expect(calls.opened[0]?.target).toMatchObject({
        target: 'aws',
        resultsBucket: 'dr-results',
        region: 'us-east-1',
      });
    });

    it('runs serve with its port, fleet, time scale and state file', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      const code = await main(
        ['serve', '--port', '0', '--fleet', 'demo', '--time-scale', '60', '--state-file', 'w.json'],
        io,
        deps,
      );

      expect(code).toBe(0);
      expect(calls.served).toEqual([
        { kind: 'serve', port: 0, fleet: 'demo', timeScale: 60, stateFile: 'w.json' },
      ]);
    });

    it('serves on port 4566 by default', async () => {
      const { io } = fakeIo();
      const { deps, calls } = fakeDeps();

      await main(['serve'], io, deps);

      expect(calls.served[0]).toMatchObject({ port: 4566, fleet: 'demo', timeScale: 1000 });
    });
  });

  describe('bad input: one message, exit 64, nothing started', () => {
    const cases: [string, string[], RegExp][] = [
      ['no command', [], /a command is required/],
      ['an action typo', ['dril', '--tags', 'DR-Wave=1'], /unknown command "dril" \(did you mean drill\?\)/],
      ['a typo of status', ['stauts', '--tags', 'A=1'], /did you mean status\?/],
      [
        'an unknown flag',
        ['drill', '--tags', 'A=1', '--paralelism', '5'],
        /unknown option '--paralelism'.*did you mean --parallelism/,
      ],
      ['a tag without =', ['drill', '--tags', 'DR-Wave'], /--tags must be KEY=VALUE, got "DR-Wave"/],
      ['a tag with an empty key', ['drill', '--tags', '=1'], /--tags needs a key/],
      ['a key given two values', ['drill', '--tags', 'A=1', '--tags', 'A=2'], /--tags gives A twice/],
      ['no tags and no input', ['drill'], /--tags K=V \(or --input FILE\) is required/],
      [
        'a non-numeric --max-wait',
        ['drill', '--tags', 'A=1', '--max-wait', 'soon'],
        /--max-wait must be a whole number of minutes, got "soon"/,
      ],
      [
        'a fractional --parallelism',
        ['drill', '--tags', 'A=1', '--parallelism', '2.5'],
        /--parallelism must be a whole number/,
      ],
      [
        'a non-numeric threshold',
        ['drill', '--tags', 'A=1', '--next-phase-threshold', 'high'],
        /--next-phase-threshold must be a ratio/,
      ],
      ['a flag missing its value', ['drill', '--tags'], /option '-t, --tags <K=V>' argument missing/],
      [
        'an unknown target',
        ['drill', '--tags', 'A=1', '--target', 'azure'],
        /argument 'azure' is invalid.*sim, aws, sfn/,
      ],
      ['an unknown format', ['drill', '--tags', 'A=1', '--format', 'xml'], /argument 'xml' is invalid/],
      [
        '--target sfn without an ARN',
        ['drill', '--tags', 'A=1', '--target', 'sfn'],
        /--target sfn needs --state-machine-arn/,
      ],
      [
        'a malformed state machine ARN',
        ['drill', '--tags', 'A=1', '--target', 'sfn', '--state-machine-arn', 'main'],
        /--state-machine-arn must be a state machine ARN/,
      ],
      ['a bad endpoint', ['drill', '--tags', 'A=1', '--endpoint', 'localhost:4566'], /--endpoint must be/],
      [
        'a zero time scale',
        ['drill', '--tags', 'A=1', '--time-scale', '0'],
        /--time-scale must be a positive number/,
      ],
      ['an extra argument', ['drill', 'wave1', '--tags', 'A=1'], /too many arguments/],
      [
        'a plan of an unknown action',
        ['plan', 'dril', '--tags', 'A=1'],
        /plan: unknown action "dril" \(did you mean drill\?\)/,
      ],
      ['a bad serve port', ['serve', '--port', '70000'], /--port must be between 0 and 65535/],
      [
        'an input over the contract (range)',
        ['drill', '--tags', 'A=1', '--max-wait', '2000'],
        /\/options\/maxWaitMinutes \(--max-wait\) must be <= 1440, got 2000/,
      ],
      [
        'a parallelism that is neither a number nor "max"',
        ['drill', '--tags', 'A=1', '--parallelism', 'fast'],
        /--parallelism must be a whole number of servers or "max", got "fast"/,
      ],
      [
        'a reserved tag key',
        ['drill', '--tags', 'aws:foo=1'],
        /\/tags\/aws:foo \(--tags\) key "aws:foo" is not allowed/,
      ],
      [
        'a malformed snapshot id',
        ['drill', '--tags', 'A=1', '--snapshot', 'snap-1'],
        /\/options\/pointInTimeSnapshot \(--snapshot\) must match/,
      ],
      [
        'a malformed notification ARN',
        ['drill', '--tags', 'A=1', '--notification-arn', 'topic'],
        /\/options\/notificationArn \(--notification-arn\)/,
      ],
      [
        'an unreadable --input',
        ['drill', '--input', 'no-such-file.json'],
        /--input file "no-such-file.json" cannot be read: no such file/,
      ],
    ];

    for (const [name, argv, message] of cases) {
      it(`rejects ${name}`, async () => {
        const { io, stderr, stdout } = fakeIo();
        const { deps, calls } = fakeDeps();

        const code = await main(argv, io, deps);

        expect(code).toBe(64);
        expect(stderr.text).toMatch(message);
        expect(stderr.text).toMatch(/^drs-orch: /);
        expect(stderr.text).not.toMatch(/\n\s+at /);
        expect(stdout.text).toBe('');
        expect(calls.opened).toHaveLength(0);
      });
    }

    it('rejects --input that is not valid JSON', async () => {
      const { io, stderr } = fakeIo({ stdin: '{"action": "drill",' });
      const { deps, calls } = fakeDeps();

      const code = await main(['drill', '--input', '-'], io, deps);

      expect(code).toBe(64);
      expect(stderr.text).toMatch(/^drs-orch: --input stdin: not valid JSON: /);
      expect(calls.opened).toHaveLength(0);
    });

    it('rejects --input whose action differs from the command', async () => {
      const { io, stderr } = fakeIo({ stdin: '{"action":"failover","tags":{"A":"1"}}' });
      const { deps, calls } = fakeDeps();

      const code = await main(['drill', '--input', '-'], io, deps);

      expect(code).toBe(64);
      expect(stderr.text).toMatch(/--input says action "failover" but the command is "drill"/);
      expect(calls.opened).toHaveLength(0);
    });

    it('lists every contract problem of an --input document with its pointer', async () => {
      const { io, stderr } = fakeIo({
        stdin: JSON.stringify({ action: 'drill', tags: {}, options: { parallelism: 0, bogus: true } }),
      });
      const { deps, calls } = fakeDeps();

      const code = await main(['drill', '--input', '-'], io, deps);

      expect(code).toBe(64);
      expect(stderr.text).toMatch(/^drs-orch: invalid input\n/);
      expect(stderr.text).toMatch(/\/tags \(--tags\) must have at least 1 entry/);
      expect(stderr.text).toMatch(
        /\/options\/parallelism \(--parallelism\) must be a whole number from 1 up to .* or "max" .*, got 0/,
      );
      expect(stderr.text).toMatch(/\/options\/bogus is not a known field/);
      expect(calls.opened).toHaveLength(0);
    });

    it('reports a target that refuses its configuration (bad fleet file) as usage', async () => {
      const { UsageError } = await import('../../../src/cli/errors.js');
      const { io, stderr } = fakeIo();
      const { deps, calls } = fakeDeps(undefined, {
        openError: new UsageError('--fleet "f.json" is not a valid fleet: /accounts is required'),
      });

      const code = await main(['drill', '--tags', 'A=1', '--fleet', 'f.json'], io, deps);

      expect(code).toBe(64);
      expect(stderr.text).toBe('drs-orch: --fleet "f.json" is not a valid fleet: /accounts is required\n');
      expect(calls.runs).toHaveLength(0);
    });
  });

  describe('exit codes', () => {
    const byStatus = [
      ['success', 0],
      ['partial', 2],
      ['failed', 3],
      ['timeout', 4],
    ] as const;
    for (const [status, expected] of byStatus) {
      it(`exits ${expected} when the output status is ${status}`, async () => {
        const { io, stdout } = fakeIo();
        const { deps, calls } = fakeDeps({ status: 'SUCCEEDED', output: sampleOutput(status) });

        const code = await main(['drill', '--tags', 'DR-Wave=1'], io, deps);

        expect(code).toBe(expected);
        expect(JSON.parse(stdout.text)).toEqual(sampleOutput(status));
        expect(calls.closed).toBe(1);
      });
    }

    it('exits 3 with the error and cause when the execution failed without an output', async () => {
      const { io, stdout, stderr } = fakeIo();
      const { deps } = fakeDeps({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: 'boom in AggregateResults',
      });

      const code = await main(['drill', '--tags', 'DR-Wave=1'], io, deps);

      expect(code).toBe(3);
      expect(stdout.text).toBe('');
      expect(stderr.text).toContain('drs-orch: execution failed: States.Runtime: boom in AggregateResults');
    });

    it('exits 4 when the execution timed out without an output', async () => {
      const { io, stderr } = fakeIo();
      const { deps } = fakeDeps({ status: 'TIMED_OUT' });

      const code = await main(['drill', '--tags', 'DR-Wave=1'], io, deps);

      expect(code).toBe(4);
      expect(stderr.text).toContain('execution timed out');
    });

    it('exits 70 with one line and no stack for anything unexpected, and still closes the session', async () => {
      const { io, stderr } = fakeIo();
      const { deps, calls } = fakeDeps(new TypeError('cannot read properties of undefined'));

      const code = await main(['drill', '--tags', 'DR-Wave=1', '--quiet'], io, deps);

      expect(code).toBe(70);
      expect(stderr.text.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr.text).toMatch(
        /^drs-orch: unexpected error: TypeError: cannot read properties of undefined/,
      );
      expect(calls.closed).toBe(1);
    });

    it('prints the stack of an unexpected error when DRS_ORCH_DEBUG=1', async () => {
      const { io, stderr } = fakeIo({ env: { DRS_ORCH_DEBUG: '1' } });
      const { deps } = fakeDeps(new TypeError('kaput'));

      const code = await main(['drill', '--tags', 'DR-Wave=1', '--quiet'], io, deps);

      expect(code).toBe(70);
      expect(stderr.text).toMatch(/TypeError: kaput\n\s+at /);
    });

    it('exits 0 and prints help on --help', async () => {
      const { io, stdout } = fakeIo();
      const { deps, calls } = fakeDeps();

      const code = await main(['--help'], io, deps);

      expect(code).toBe(0);
      expect(stdout.text).toMatch(/Usage: drs-orch/);
      expect(stdout.text).toMatch(/Exit codes: 0 success, 2 partial, 3 failed, 4 timeout, 64/);
      expect(calls.opened).toHaveLength(0);
    });

    it('documents every input flag in the help of run, which takes any action', async () => {
      const { io, stdout } = fakeIo();

      const code = await main(['run', '--help'], io, fakeDeps().deps);

      expect(code).toBe(0);
      for (const flag of [
        '--tags',
        '--input',
        '--max-wait',
        '--continue-on-failure',
        '--parallelism',
        '--snapshot',
        '--notification-arn',
        '--next-phase-threshold',
        '--terminate-non-drill',
        '--older-than-minutes',
        '--is-drill',
        '--correlation-id',
        '--parent-execution-id',
        '--ticket',
        '--initiated-by',
        '--target',
        '--fleet',
        '--time-scale',
        '--state-file',
        '--reset',
        '--endpoint',
        '--results-bucket',
        '--state-machine-arn',
        '--format',
        '--output',
        '--quiet',
      ]) {
        expect(stdout.text).toContain(flag);
      }
    });

    it('prints the version on --version', async () => {
      const { io, stdout } = fakeIo();

      const code = await main(['--version'], io, fakeDeps().deps);

      expect(code).toBe(0);
      expect(stdout.text).toMatch(/^\d+\.\d+\.\d+\n$/);
    });
  });

  describe('output', () => {
    it('writes the JSON output to --output FILE and nothing to stdout', async () => {
      const dir = await tempDir();
      const { io, stdout, stderr } = fakeIo({ cwd: dir });
      const { deps } = fakeDeps({ status: 'SUCCEEDED', output: sampleOutput('partial') });

      const code = await main(['drill', '--tags', 'DR-Wave=1', '--output', 'out/result.json'], io, deps);

      expect(code).toBe(2);
      expect(stdout.text).toBe('');
      expect(JSON.parse(await readFile(join(dir, 'out/result.json'), 'utf8'))).toEqual(
        sampleOutput('partial'),
      );
      expect(stderr.text).toContain('result written to out/result.json');
    });

    it('renders --format table on stdout', async () => {
      const { io, stdout } = fakeIo();
      const { deps } = fakeDeps({ status: 'SUCCEEDED', output: sampleOutput('partial') });

      await main(['drill', '--tags', 'DR-Wave=1', '--format', 'table'], io, deps);

      expect(stdout.text).toMatch(/^status\s+partial$/m);
      expect(stdout.text).toMatch(/^222222222222\s+us-east-2\s+partial\s+1\s+0\s+1/m);
      expect(stdout.text).toMatch(/^s-00000000000000003\s+hrp-db-03\s+222222222222\s+LaunchFailed/m);
    });

    it('prints progress lines on stderr when not a TTY, and none with --quiet', async () => {
      const main1 = {
        arn: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:exec-1',
        machine: 'main',
      };
      const executor = { arn: `${main1.arn}-111111111111`, machine: 'executor', accountId: '111111111111' };
      const run = (launched: number) => ({
        type: 'TaskStateExited',
        details: {
          name: 'MonitorRecovery',
          output: JSON.stringify({
            run: {
              kind: 'recovery',
              jobs: [
                {
                  jobId: 'drsjob-1',
                  serverIds: ['s-1', 's-2'],
                  ...(launched > 0 && { finished: true, launched }),
                },
              ],
              failed: [],
            },
          }),
        },
      });
      // The run's history events, as the target hands them over.
      const events: [ExecutionRef, HistoryEventLike][] = [
        [main1, { type: 'ExecutionStarted', details: {} }],
        [main1, { type: 'TaskStateEntered', details: { name: 'DiscoverServers' } }],
        [
          executor,
          {
            type: 'ExecutionStarted',
            details: { input: JSON.stringify({ account: { serverIds: ['s-1', 's-2'] } }) },
          },
        ],
        [executor, run(0)],
        [executor, run(2)],
      ];
      const loud = fakeIo();
      const quiet = fakeIo();

      await main(
        ['drill', '--tags', 'DR-Wave=1'],
        loud.io,
        fakeDeps(undefined, { events: [...events] }).deps,
      );
      await main(
        ['drill', '--tags', 'DR-Wave=1', '-q'],
        quiet.io,
        fakeDeps(undefined, { events: [...events] }).deps,
      );

      expect(loud.stderr.text.split('\n').filter((l) => l.startsWith('['))).toHaveLength(5);
      expect(loud.stderr.text).toContain('111111111111 discovered 2 launching 0 launched 2 failed 0');
      expect(quiet.stderr.text).toBe('');
      expect(JSON.parse(quiet.stdout.text)).toEqual(sampleOutput());
    });

    it('prints the plan as JSON or as a table', async () => {
      const plan = {
        action: 'drill',
        tags: { 'DR-Wave': '1' },
        totalServers: 3,
        accounts: [
          {
            accountId: '111111111111',
            region: 'us-east-2',
            servers: 3,
            ready: 2,
            notReady: [{ sourceServerId: 's-00000000000000009', replicationState: 'STALLED' }],
            batches: [2],
            batchSize: 50,
            maxInFlight: 50,
            maxConcurrentJobs: 1,
            quotaSource: 'service-quotas',
          },
        ],
        issues: [],
      };
      const json = fakeIo();
      const table = fakeIo();
      const j = fakeDeps(undefined, { plan });

      const jsonCode = await main(['plan', '--tags', 'DR-Wave=1'], json.io, j.deps);
      await main(
        ['plan', 'failover', '--tags', 'DR-Wave=1', '--format', 'table'],
        table.io,
        fakeDeps(undefined, { plan }).deps,
      );

      expect(jsonCode).toBe(0);
      expect(JSON.parse(json.stdout.text)).toEqual(plan);
      expect(j.calls.plans[0]).toEqual({ action: 'drill', tags: { 'DR-Wave': '1' } });
      expect(j.calls.runs).toHaveLength(0);
      expect(table.stdout.text).toMatch(/^111111111111\s+us-east-2\s+3\s+2\s+1\s+50\s+1 \(2\)/m);
      expect(table.stdout.text).toMatch(/^s-00000000000000009\s+111111111111\s+STALLED/m);
    });
  });
});

describe('Function: main (strict inputs: what should be refused is refused before anything opens)', () => {
  async function refused(argv: string[], stdin?: string): Promise<string> {
    const { io, stderr, stdout } = fakeIo(stdin === undefined ? {} : { stdin });
    const { deps, calls } = fakeDeps();
    const code = await main(argv, io, deps);
    expect(code).toBe(64);
    expect(calls.opened).toHaveLength(0);
    expect(stdout.text).toBe('');
    expect(stderr.text).not.toMatch(/\n\s+at /);
    return stderr.text;
  }

  for (const [field, value] of [
    ['options', '"fast"'],
    ['options', 'true'],
    ['options', '[]'],
    ['metadata', '"x"'],
    ['metadata', '[1]'],
  ] as const) {
    it(`refuses ${field} of the wrong type (${value}) instead of running with {}`, async () => {
      const text = await refused(
        ['run', '--input', '-'],
        `{"action":"drill","tags":{"DR-Wave":"1"},"${field}":${value}}`,
      );
      expect(text).toMatch(new RegExp(`/${field} must be object`));
    });
  }

  it('refuses a document that gives "action" twice (it could say drill and run a failover)', async () => {
    const text = await refused(
      ['run', '--input', '-'],
      '{"action":"drill","tags":{"DR-Wave":"1"},"action":"failover"}',
    );
    expect(text).toMatch(/^drs-orch: --input stdin: duplicate key "action" at \/action \(line 1\)$/m);
  });

  it('refuses 25 KB of nested arrays with exit 64, not an internal error', async () => {
    const nested = `${'['.repeat(12_500)}${']'.repeat(12_500)}`;
    const text = await refused(
      ['run', '--input', '-'],
      `{"action":"drill","tags":{"DR-Wave":"1"},"metadata":{"x":${nested}}}`,
    );
    expect(text).toMatch(
      /--input stdin: nests deeper than 32 levels of objects and arrays at \/metadata\/x\/0\/0/,
    );
  });

  it('refuses drill --terminate-non-drill, saying the option is for terminate', async () => {
    const text = await refused(['drill', '--tags', 'DR-Wave=1', '--terminate-non-drill']);
    expect(text).toMatch(/\/options\/terminateNonDrill \(--terminate-non-drill\) does not apply to drill/);
    expect(text).toMatch(/applies only to terminate/);
  });

  it('refuses status --continue-on-failure, saying status changes nothing', async () => {
    const text = await refused(['status', '--tags', 'DR-Wave=1', '--continue-on-failure']);
    expect(text).toMatch(/\/options\/continueOnFailure \(--continue-on-failure\) does not apply to status/);
  });

  it('lists in each action help only the options that apply to it', async () => {
    const help = async (action: string): Promise<string> => {
      const { io, stdout } = fakeIo();
      expect(await main([action, '--help'], io, fakeDeps().deps)).toBe(0);
      return stdout.text;
    };
    const drill = await help('drill');
    expect(drill).toContain('--parallelism');
    expect(drill).not.toContain('--terminate-non-drill');
    expect(drill).not.toContain('--older-than-minutes');
    expect(drill).not.toContain('--is-drill');
    const status = await help('status');
    for (const flag of ['--max-wait', '--continue-on-failure', '--parallelism', '--snapshot', '--is-drill']) {
      expect(status).not.toContain(flag);
    }
    expect(status).toContain('--tags');
    const terminate = await help('terminate');
    expect(terminate).toContain('--terminate-non-drill');
    expect(terminate).toContain('--older-than-minutes');
    expect(terminate).not.toContain('--snapshot');
  });
});

describe('Function: main (the result always arrives)', () => {
  it('refuses --output that is a directory before anything runs', async () => {
    const dir = await tempDir();
    const { io, stderr } = fakeIo({ cwd: dir });
    const { deps, calls } = fakeDeps();

    const code = await main(['drill', '--tags', 'DR-Wave=1', '--output', '.'], io, deps);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(/--output "\." is a directory/);
    expect(calls.opened).toHaveLength(0);
  });

  it('refuses --output under a path that cannot be a directory, before anything runs', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    const { io, stderr } = fakeIo({ cwd: dir });
    const { deps, calls } = fakeDeps();

    const code = await main(['drill', '--tags', 'DR-Wave=1', '--output', 'file/out.json'], io, deps);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(/--output "file\/out.json" cannot be written/);
    expect(calls.opened).toHaveLength(0);
  });
});

describe('Function: main (fleet generate)', () => {
  it('prints a fleet that passes the fleet schema, the same for the same seed', async () => {
    const { checkFleet } = await import('../../../src/emulator/fleet/load.js');
    const gen = async (seed: string): Promise<string> => {
      const { io, stdout } = fakeIo();
      const argv = ['fleet', 'generate', '--accounts', '3', '--servers-per-account', '7', '--seed', seed];
      expect(await main(argv, io, fakeDeps().deps)).toBe(0);
      return stdout.text;
    };
    const one = await gen('5');
    const fleet = checkFleet(JSON.parse(one));
    const staging = fleet.accounts.filter((a) => (a.sourceServers ?? []).length > 0);
    expect(staging).toHaveLength(3);
    for (const a of staging) expect(a.sourceServers).toHaveLength(7);
    expect(await gen('5')).toBe(one);
    expect(await gen('6')).not.toBe(one);
  });

  it('keeps examples/fleet.json what the documented command makes', async () => {
    const { io, stdout } = fakeIo();
    const argv = ['fleet', 'generate', '--accounts', '2', '--servers-per-account', '12', '--seed', '7'];
    expect(await main(argv, io, fakeDeps().deps)).toBe(0);
    expect(stdout.text).toBe(
      await readFile(new URL('../../../examples/fleet.json', import.meta.url), 'utf8'),
    );
  });

  it('refuses counts out of range with exit 64', async () => {
    for (const argv of [
      ['--accounts', '0', '--servers-per-account', '5'],
      ['--accounts', '2', '--servers-per-account', '3001'],
      ['--accounts', 'two', '--servers-per-account', '5'],
      ['--servers-per-account', '5'],
    ]) {
      const { io, stderr } = fakeIo();
      expect(await main(['fleet', 'generate', ...argv], io, fakeDeps().deps)).toBe(64);
      expect(stderr.text).toMatch(/^drs-orch: /);
    }
  });
});
