/**
 * What the screen says is what happened: for a multi-batch run the progress counts never go
 * backwards, the last count of every account equals the output's, and the last line names the
 * status and the exit code.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { fakeIo } from '../../unit/cli/fakes.js';

describe('drs-orch progress (multi-batch drill)', () => {
  it('counts from the same records as the result and ends with the status and exit code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-progress-'));
    const { io, stderr, stdout } = fakeIo({ cwd: dir });

    // parallelism 10 over 29-41 servers per account: three to five launch batches each.
    const code = await main(
      ['drill', '--tags', 'DR-Wave=1', '--parallelism', '10', '--state-file', 'sim.json'],
      io,
    );

    expect(code).toBe(0);
    const out = JSON.parse(stdout.text) as unknown;
    assertOrchestrationOutput(out);
    const lines = stderr.text.trim().split('\n');
    const last = new Map<string, { launched: number; failed: number; discovered: number }>();
    const backwards: string[] = [];
    for (const line of lines) {
      const m = /\] (\d{12}) discovered (\d+) launching (\d+) launched (\d+) failed (\d+)$/.exec(line);
      if (!m) continue;
      const [, account, discovered, , launched, failed] = m as unknown as string[];
      const before = last.get(account as string);
      if (before && Number(launched) < before.launched) backwards.push(line);
      last.set(account as string, {
        discovered: Number(discovered),
        launched: Number(launched),
        failed: Number(failed),
      });
    }
    expect(backwards).toEqual([]);
    expect(out.stagingAccountResults.length).toBe(3);
    for (const account of out.stagingAccountResults) {
      expect(account.jobIds?.length ?? 0).toBeGreaterThan(1);
      expect(last.get(account.accountId)).toEqual({
        discovered: account.serversProcessed,
        launched: account.succeeded,
        failed: account.failed + (account.timedOut ?? 0),
      });
    }
    expect(lines.at(-1)).toBe(
      `drill success: ${out.summary.succeeded} of ${out.summary.totalServers} succeeded, 0 failed · exit 0`,
    );
  });
});
