/**
 * The operator's terminal cannot be forged by data: a fleet whose source-server hostnames and
 * tags hold terminal controls (`ESC[2J ESC[H` clears the screen, an OSC sets the window title,
 * a C1 CSI, a right-to-left override) is driven to the approval prompt (a terminal, live view on)
 * and to `--format table`; every one of them is shown as its `\uXXXX` escape, never sent raw. The
 * JSON output keeps the exact hostnames (the escape is JSON's own).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import { terminal } from '../../_helpers/terminal.js';
import { Capture } from '../../unit/cli/fakes.js';

const FORGED = '\u001b[2J\u001b[H\u001b[32mALL SERVERS HEALTHY - approve\u001b[0m';
const OTHERS = ['\u001b]0;pwned\u0007', '\u009b2J', '\u202eevil', '\r\nfake line'];

/** Every control the data carries, as it must never reach the terminal. */
const RAW = ['\u001b[2J', '\u001b[H', '\u001b[32m', '\u001b]0;', '\u0007', '\u009b', '\u202e', '\r'];

/** The cursor controls of our own live view (log-update), the only ESC sequences we send. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: our own cursor controls are what it matches.
const OWN_CONTROLS = /\u001b\[(?:2K|1A|G|\?25[lh])/g;

async function forgedWorld(): Promise<{ dir: string; hostnames: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-forgery-'));
  const fleet = generateFleet({ accounts: 1, serversPerAccount: 4, seed: 3 });
  const hostnames: string[] = [];
  for (const account of fleet.accounts) {
    for (const [i, server] of (account.sourceServers ?? []).entries()) {
      const hostname = `web-${i}${FORGED}${OTHERS[i % OTHERS.length]}`;
      hostnames.push(hostname);
      Object.assign(server, {
        hostname,
        tags: { ...server.tags, 'DR-Test': 'forged', Owner: `ops${FORGED}${OTHERS.join('')}` },
      });
    }
  }
  await writeFile(join(dir, 'fleet.json'), JSON.stringify(fleet));
  await writeFile(
    join(dir, 'runbook.yaml'),
    'name: forged\naction: drill\napproval: { timeoutSeconds: 3600 }\nwaves:\n  - name: web\n    tags: { DR-Test: forged }\n    approval: true\n',
  );
  return { dir, hostnames };
}

function expectInert(text: string, what: string): void {
  for (const raw of RAW) expect(text.includes(raw), `${what} holds ${JSON.stringify(raw)}`).toBe(false);
}

describe('drs-orch: hostnames and tags from AWS are inert on the terminal', () => {
  it('shows the approval prompt with the forged hostnames escaped, and sends no ESC of the data to the live view', async () => {
    const { dir } = await forgedWorld();
    const t = terminal(dir, { 'Approve this wave?': ['r'], 'Reason for the rejection:': ['no'] });

    const code = await main(
      ['runbook', 'runbook.yaml', '--fleet', 'fleet.json', '--state-file', 'sim.json'],
      t.io,
    );

    expect(code).toBe(3);
    // The prompt named the servers: the data is there, visibly escaped (the local interpreter's
    // States.Format drops backslashes from what it builds, AWS keeps them: either is inert).
    expect(t.stderr.text).toMatch(/web-0\\?u001b\[2J\\?u001b\[H\\?u001b\[32mALL SERVERS HEALTHY - approve/);
    expect(t.stderr.text).toMatch(/\\?u202eevil/);
    // "\r\nfake line" in a hostname cannot start a line of the prompt.
    expect(t.stderr.text).not.toMatch(/^fake line/m);
    expectInert(t.stderr.text, 'stderr');
    expectInert(t.stdout.text, 'stdout');
    // Whatever ESC is left is the live view's own cursor control.
    expect(t.stderr.text.replace(OWN_CONTROLS, '')).not.toContain('\u001b');
  }, 120_000);

  it('prints --format table with the forged hostnames escaped, one row each; the JSON keeps them exactly', async () => {
    const { dir, hostnames } = await forgedWorld();
    const run = async (format: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await main(
        [
          'status',
          '--tags',
          'DR-Test=forged',
          '--fleet',
          'fleet.json',
          '--state-file',
          'sim.json',
          ...format,
        ],
        { stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: false, cwd: dir },
      );
      return { code, stdout: stdout.text, stderr: stderr.text };
    };

    const table = await run(['--format', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('\\u001b[2J\\u001b[H\\u001b[32mALL SERVERS HEALTHY - approve');
    for (const out of [table.stdout, table.stderr]) {
      expectInert(out, 'table run');
      expect(out).not.toContain('\u001b');
    }
    // "\r\nfake line" in a hostname cannot start a row: one line per server under the header.
    const rows = table.stdout.split('\n').filter((l) => l.startsWith('s-'));
    expect(rows).toHaveLength(4);
    expect(table.stdout).not.toMatch(/^fake line/m);

    const json = await run([]);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain('\u001b');
    expectInert(json.stdout, 'json');
    const out = JSON.parse(json.stdout) as { servers: { sourceServerHostname?: string }[] };
    expect(out.servers.map((s) => s.sourceServerHostname).sort()).toEqual([...hostnames].sort());
  }, 120_000);
});
