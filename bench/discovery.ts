/**
 * Discovery alone: the discover task (every account at once) against the same scan done one
 * account after the other, with emulated latency on every call.
 */
import { performance } from 'node:perf_hooks';
import { parseStagingAccountRegistry } from '../src/contract/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { createTaskDeps, discover } from '../src/tasks/index.js';
import { listAllSourceServers } from '../src/tasks/shared.js';
import { benchFleet, ORCHESTRATOR, ORCHESTRATOR_REGION } from './world.js';

/** One discovery measurement (medians over the repetitions). */
export interface DiscoveryMeasurement {
  readonly accounts: number;
  readonly servers: number;
  readonly latencyMs: number;
  readonly parallelMs: readonly number[];
  readonly sequentialMs: readonly number[];
  /** API calls of one parallel scan, all services. */
  readonly callsPerScan: number;
}

/**
 * Scans `accounts` staging accounts of 300 servers each, `runs` times each way.
 *
 * @example
 * const m = await measureDiscovery(3, 100, 3);
 */
export async function measureDiscovery(
  accounts: number,
  latencyMs: number,
  runs: number,
): Promise<DiscoveryMeasurement> {
  const fleet = benchFleet({ accounts, serversPerAccount: 300, seed: 1 });
  const latency = ['drs', 'sts', 'ssm'].map((service) => ({ service, ms: latencyMs }));
  const emu = await startEmulator({ fleet, timeScale: 0, faults: { latency } });
  try {
    const deps = () =>
      createTaskDeps({
        endpoint: emu.endpoint,
        credentials: emu.credentials,
        region: ORCHESTRATOR_REGION,
        ambientAccountId: ORCHESTRATOR,
        now: () => emu.clock.now(),
        env: {},
      });
    const request = { action: 'drill', tags: { 'DR-Wave': '1' }, options: {}, metadata: {} };
    const execution = { id: 'bench', name: 'bench', startTime: emu.clock.now().toISOString() };
    const parallelMs: number[] = [];
    const sequentialMs: number[] = [];
    let callsPerScan = 0;
    let servers = 0;
    for (let i = 0; i < runs; i += 1) {
      // Fresh deps each time: no cached role sessions from the previous scan.
      const before = emu.state.callTotal();
      let t = performance.now();
      const found = await discover({ request, execution } as never, deps());
      parallelMs.push(performance.now() - t);
      callsPerScan = emu.state.callTotal() - before;
      servers = found.totalServers;

      const d = deps();
      t = performance.now();
      const configured = parseStagingAccountRegistry(
        await d.aws.orchestrator.ssm.getParametersByPath(d.env.stagingAccountsPath),
      );
      for (const c of configured) {
        const ports = d.aws.account({ accountId: c.accountId, region: c.region, roleArn: c.roleArn });
        await ports.connect();
        await listAllSourceServers(ports.drs);
      }
      sequentialMs.push(performance.now() - t);
    }
    return { accounts, servers, latencyMs, parallelMs, sequentialMs, callsPerScan };
  } finally {
    await emu.stop();
  }
}
