/**
 * The CLI fuzz in the suite: the command lines the issue found exit 70 on, then a few hundred
 * generated command lines and documents (fixed seed) through `main()` in-process on the sim
 * target. None may end in an internal error, an exception or an undocumented exit code, and no
 * document the published schema refuses may be accepted. `scripts/cli-fuzz.ts` runs 3,000 in CI.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FuzzCase, fuzzCases, runFuzzCase, showCase } from '../../_helpers/cli-fuzz.js';

const SIM = ['--fleet', '{dir}/tiny-fleet.json', '--state-file', '{dir}/w.json', '--quiet'];
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:w1';

/** Command lines that exited 70 (issue 25, item 10). */
const KNOWN: FuzzCase[] = [
  ['drill', '--tags', 'DR-Wave=1', '--time-scale', '1e9', ...SIM],
  ['status', '--tags', 'DR-Wave=1', '--state-file', '.', '--reset'],
  ['fleet', 'generate', '--accounts', '1', '--servers-per-account', '301'],
  ['approve', EXECUTION, '--endpoint', 'http://127.0.0.1:1'],
  ['approve', EXECUTION, '--endpoint', ''],
  ['approve', EXECUTION, '--endpoint', 'notaurl'],
  ['approve', EXECUTION, '--region', 'xx'],
  [
    'drill',
    '--tags',
    'DR-Wave=1',
    '--target',
    'sfn',
    '--state-machine-arn',
    EXECUTION.replace('execution', 'stateMachine').replace(/:w1$/, '').replace('waves', 'main'),
  ],
].map((argv) => ({ argv, files: {} }));

beforeEach(() => {
  // The SDK's default credential chain must find nothing and ask no metadata service.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/drs-orch-fuzz-credentials');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/drs-orch-fuzz-config');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('drs-orch command lines and documents, fuzzed', () => {
  it('refuses the command lines that exited 70 with exit 64', async () => {
    const codes: string[] = [];
    for (const c of KNOWN) codes.push(`${(await runFuzzCase(c)).code} ${showCase(c)}`);

    expect(codes.filter((line) => !line.startsWith('64 '))).toEqual([]);
  }, 120_000);

  it('ends 300 generated cases (seed 25) without an internal error, and refuses every document the schema refuses', async () => {
    const problems: string[] = [];
    const codes = new Set<number>();
    for (const c of fc.sample(fuzzCases(), { seed: 25, numRuns: 300 })) {
      const result = await runFuzzCase(c);
      codes.add(result.code);
      if (result.problem !== undefined) problems.push(`${result.problem}: ${showCase(c)}`);
    }

    expect(problems).toEqual([]);
    // The sample reaches real runs, not only refusals.
    expect(codes).toContain(0);
    expect(codes).toContain(64);
  }, 300_000);
});
