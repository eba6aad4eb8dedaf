import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { parseStagingAccounts } from '../../../src/contract/staging-accounts.js';
import { designStagingAccounts } from '../../_fixtures/design/inputs.js';
import { fakeDeps, fakeIo } from './fakes.js';

async function file(name: string, content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-registry-'));
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { io, stdout, stderr } = fakeIo();
  const code = await main(argv, io, fakeDeps().deps);
  return { code, out: stdout.text, err: stderr.text };
}

describe('Command: drs-orch registry', () => {
  it('converts the design 6.1 document to one parameter per account and back, unchanged', async () => {
    const document = await file('registry.json', designStagingAccounts);
    const toParameters = await run(['registry', 'convert', document, '--to', 'parameters']);
    expect(toParameters.code).toBe(0);
    const parameters = JSON.parse(toParameters.out) as { Parameters: { Name: string; Value: string }[] };
    expect(parameters.Parameters.map((p) => p.Name)).toEqual([
      '/drs-orchestration/staging-accounts/111111111111',
      '/drs-orchestration/staging-accounts/222222222222',
      '/drs-orchestration/staging-accounts/333333333333',
    ]);
    const back = await run(['registry', 'convert', await file('p.json', parameters), '--to', 'document']);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.out)).toEqual({ stagingAccounts: parseStagingAccounts(designStagingAccounts) });
  });

  it('prints one aws ssm put-parameter command per account', async () => {
    const document = await file('registry.json', designStagingAccounts);
    const { code, out } = await run(['registry', 'convert', document, '--to', 'commands']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^aws ssm put-parameter --name '\/drs-orchestration\/staging-accounts\/111111111111' --type String --overwrite --value '\{"accountId":"111111111111",/,
    );
  });

  it('shows a registry file of either form with its accounts and form', async () => {
    const { code, out } = await run(['registry', 'show', await file('r.json', designStagingAccounts)]);
    expect(code).toBe(0);
    expect(out).toContain(
      '3 staging account(s), one document (design 6.1) at /drs-orchestration/staging-accounts',
    );
    expect(out).toContain(
      '222222222222  us-east-2  maxServers 300  arn:aws:iam::222222222222:role/DRS-Orchestration-Role',
    );
  });

  it('refuses, with exit 64 and the field named, a file that breaks the contract or is neither form', async () => {
    const bad = {
      stagingAccounts: [
        { accountId: '111111111111', region: 'us-east-2', roleArn: 'arn:aws:iam::222222222222:role/X' },
      ],
    };
    const invalid = await run(['registry', 'show', await file('bad.json', bad)]);
    expect(invalid.code).toBe(64);
    expect(invalid.err).toContain('must name account 111111111111');
    const neither = await run([
      'registry',
      'convert',
      await file('x.json', { hello: 1 }),
      '--to',
      'document',
    ]);
    expect(neither.code).toBe(64);
    expect(neither.err).toContain('is neither form');
    const wrongTo = await run([
      'registry',
      'convert',
      await file('y.json', designStagingAccounts),
      '--to',
      'xml',
    ]);
    expect(wrongTo.code).toBe(64);
    expect(wrongTo.err).toContain('--to must be one of document, parameters, commands, got "xml"');
  });

  it('refuses a registry file that gives a key twice, naming it (exit 64), and one over 1 MiB by its size', async () => {
    const twice = await file(
      'p.json',
      '{"Parameters":[{"Name":"/drs-orchestration/staging-accounts/111111111111","Value":"{}",\n"Value":"{}"}]}',
    );
    const refused = await run(['registry', 'show', twice]);
    expect(refused.code).toBe(64);
    expect(refused.err).toBe(`drs-orch: ${twice}: duplicate key "Value" at /Parameters/0/Value (line 2)\n`);

    const big = await file('big.json', `{"stagingAccounts":[],"pad":"${'x'.repeat(1024 * 1024)}"}`);
    const tooBig = await run(['registry', 'show', big]);
    expect(tooBig.code).toBe(64);
    expect(tooBig.err).toBe(
      `drs-orch: ${big}: too large: 1048607 bytes, over the limit of 1048576 bytes (1 MiB)\n`,
    );
  });
});
