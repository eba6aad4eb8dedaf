/**
 * The names the CLI gives the executions it starts, on every target: readable in a console
 * listing and as report file names, unique enough to never collide (Step Functions refuses a
 * name reused within 90 days).
 */
import { randomBytes } from 'node:crypto';

/**
 * A readable, unique execution name: `drs-orch-drill-20250106T090000Z-1a2b` (at most 80
 * characters, the Step Functions limit, for any action or `runbook`).
 *
 * @param what the action, or `runbook`
 * @param now the target's clock (virtual on sim)
 */
export function executionName(what: unknown, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `drs-orch-${String(what)}-${stamp}-${randomBytes(2).toString('hex')}`;
}
