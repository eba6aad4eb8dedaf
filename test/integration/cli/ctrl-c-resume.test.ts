/**
 * Resume is visible (issue 20, item 6): Ctrl-C during a drill says which correlation id resumes
 * it and leaves a report of what ran; the re-run with that id takes the interrupted run's DRS job
 * over (listed in adoptedJobs, and on stderr) instead of launching again.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCliDeps, main } from '../../../src/cli/main.js';
import type { OrchestrationOutput } from '../../../src/contract/index.js';
import type { ReportSource } from '../../../src/report/index.js';
import { ctrlCAt, terminal } from '../../_helpers/terminal.js';
import { fakeIo } from '../../unit/cli/fakes.js';

async function reports(dir: string): Promise<ReportSource[]> {
  const folder = join(dir, '.drs-orch/reports');
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  return Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(folder, n), 'utf8')) as ReportSource),
  );
}

describe('Ctrl-C during a drill', () => {
  it('stops the run, writes its report, names the correlation id to resume with; the re-run takes the job over (exit 130, then 0)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-ctrl-c-'));
    const t = terminal(dir, {});
    // The operator presses Ctrl-C once the executor has started its DRS job and waits for it.
    const interceptInterrupt = ctrlCAt(t, 'WaitBeforePoll');

    const code = await main(['drill', '--tags', 'DR-Test=single', '--state-file', 'sim.json'], t.io, {
      ...defaultCliDeps,
      async openSession(invocation, io, say) {
        const session = await defaultCliDeps.openSession(invocation, io, say);
        return { ...session, interceptInterrupt };
      },
    });

    expect(code).toBe(130);
    const said = /re-run with --correlation-id (\S+): it takes over the DRS jobs already started/.exec(
      t.stderr.text,
    );
    expect(said).not.toBeNull();
    const correlationId = (said?.[1] ?? '').replace(/:$/, '');
    expect(t.stderr.text).toContain(`drs-orch: execution ${correlationId} stopped (Ctrl-C); to resume`);
    const [report] = await reports(dir);
    expect(report?.execution.outcome).toBe('aborted');
    expect(report?.notes.map((n) => n.text)).toContain('cancelled (Ctrl-C)');

    const again = fakeIo({ cwd: dir });
    const rerun = await main(
      ['drill', '--tags', 'DR-Test=single', '--correlation-id', correlationId, '--state-file', 'sim.json'],
      again.io,
    );
    const out = JSON.parse(again.stdout.text) as OrchestrationOutput;

    expect(rerun).toBe(0);
    expect(out.summary.succeeded).toBe(1);
    expect(out.adoptedJobs).toEqual([
      expect.objectContaining({ servers: 1, correlationId, jobId: out.recoveryInstances[0]?.jobId }),
    ]);
    expect(again.stderr.text).toContain(
      `adopted: DRS job ${out.recoveryInstances[0]?.jobId ?? ''} (1 server, account 111111111111) was taken over from run ${correlationId}`,
    );
    const world = JSON.parse(await readFile(join(dir, 'sim.json'), 'utf8')) as {
      calls: { operation: string; count: number }[];
    };
    const launches = world.calls
      .filter((c) => c.operation === 'StartRecovery')
      .reduce((n, c) => n + c.count, 0);
    expect(launches).toBe(1);
  });
});
