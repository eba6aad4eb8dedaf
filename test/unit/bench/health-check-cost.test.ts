import { describe, expect, it } from 'vitest';
import type { DrillMeasurement } from '../../../bench/drill.js';
import { healthCheckCosts } from '../../../bench/report.js';

function drill(
  scenario: string,
  seed: number,
  endToEndSeconds: number,
  statusCalls?: number,
): DrillMeasurement {
  return {
    scenario,
    strategy: 'ours',
    variant: 'scenario',
    seed,
    servers: 150,
    endToEndSeconds,
    drsCallsTotal: 46,
    otherCalls: statusCalls === undefined ? {} : { 'ec2:DescribeInstanceStatus': statusCalls },
  } as unknown as DrillMeasurement;
}

describe('bench: what the EC2 health check costs (issue 10)', () => {
  it('compares each health-check run with the same seed of the scenario it repeats: calls per server and extra time', () => {
    const costs = healthCheckCosts([
      drill('health-150', 1, 3120, 60),
      drill('health-150', 2, 3060, 45),
      drill('health-150', 3, 3000, 51),
      drill('headline-150', 1, 2760),
      drill('headline-150', 2, 2700),
      drill('headline-150', 3, 2760),
    ]);

    expect(costs).toEqual([
      expect.objectContaining({
        scenario: 'health-150',
        comparedWith: 'headline-150',
        runs: 3,
        describeInstanceStatusCalls: 51,
        describeInstanceStatusPerServer: 0.34,
        extraSeconds: 360,
        extraDrsCallsPerServer: 0,
      }),
    ]);
  });

  it('reports nothing without the runs to compare', () => {
    expect(healthCheckCosts([drill('health-150', 1, 3120, 60)])).toEqual([]);
  });
});
