/**
 * The CLI fuzz: command lines generated from the real commander program (its commands, options,
 * arguments and choices) with hostile values, and input documents and runbooks of the wrong
 * shape, run in-process through `main()` with fake streams on the sim target (a tiny fleet, a
 * fresh folder per case). What must hold for every case:
 *
 * - never exit 70 (internal error), never an exception out of `main`, never an unhandled rejection;
 * - every exit code is one the README documents (0, 2, 3, 4, 64);
 * - every document the published JSON Schema refuses (checked by a separate ajv, the oracle) is
 *   refused by the CLI with exit 64 before anything runs.
 *
 * Shared by the vitest suite (a few hundred cases) and `scripts/cli-fuzz.ts` (3,000+, in CI).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Command, Option } from 'commander';
import fc from 'fast-check';
import orchestrationInputSchema from '../../schemas/orchestration-input.schema.json' with { type: 'json' };
import runbookSchema from '../../schemas/runbook.schema.json' with { type: 'json' };
import { type CliDeps, defaultCliDeps, main } from '../../src/cli/main.js';
import { buildProgram } from '../../src/cli/program.js';
import { runServe } from '../../src/cli/targets/serve.js';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import { fakeIo } from '../unit/cli/fakes.js';

/** The exit codes the README documents. */
export const DOCUMENTED_EXIT_CODES: readonly number[] = [0, 2, 3, 4, 64];

/** One generated case. */
export interface FuzzCase {
  /** The command line, with `{dir}` standing for the case's folder. */
  readonly argv: readonly string[];
  /** Files to write into the case's folder first (name -> text). */
  readonly files: Readonly<Record<string, string>>;
  /** The document under test and the schema it must pass, when the case is about a document. */
  readonly document?: { readonly schema: 'input' | 'runbook'; readonly value: unknown };
}

/** What a case did. */
export interface FuzzResult {
  readonly code: number;
  readonly stderr: string;
  /** Why the case breaks a rule, or undefined. */
  readonly problem?: string;
}

interface CommandSpec {
  readonly path: readonly string[];
  readonly options: readonly Option[];
  readonly args: readonly { readonly required: boolean }[];
}

/** Every runnable command of the real program, with its options and arguments. */
export function commandSpecs(): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      const here = [...path, sub.name()];
      if (sub.commands.length > 0) walk(sub, here);
      else
        specs.push({
          path: here,
          options: sub.options,
          args: sub.registeredArguments.map((a) => ({ required: a.required })),
        });
    }
  };
  walk(
    buildProgram(() => {}, '0.0.0'),
    [],
  );
  return specs;
}

/** Numbers no option accepts, or only some: out of range, not finite, not numbers at all. */
const HOSTILE_NUMBERS = [
  '-1',
  '0',
  '-0',
  '1',
  '1.5',
  '300',
  '301',
  '3001',
  '65536',
  '1e9',
  '1e308',
  '1e-9',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '99999999999999999999',
  '',
  ' ',
  'abc',
  'max',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '/',
  '{dir}',
  '{dir}/missing.json',
  '{dir}/folder',
  '{dir}/folder/',
  '{dir}/bad.json',
  '{dir}/empty.json',
  '{dir}/tiny-fleet.json',
  '{dir}/input.json',
  '{dir}/runbook.json',
  '/dev/null',
  'x'.repeat(5000),
  '\u0000',
  '--',
  '-',
  'demo',
  'K=V',
  'DR-Wave=1',
  '=',
  'a=b=c',
];
const HOSTILE_URLS = [
  'http://127.0.0.1:1',
  'http://127.0.0.1:1/',
  'https://127.0.0.1:1',
  'notaurl',
  'ftp://127.0.0.1:4566',
  'http://',
  '',
  'http://[::1',
];
const HOSTILE_REGIONS = ['xx', 'us-east-1', 'US-EAST-1', 'us east 1', '', 'eu-central-2', 'a-b-1'];
const ARNS = [
  'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main',
  'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves',
  'arn:aws:states:x:1:stateMachine:y',
  'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:w1',
  'arn:aws:states:x:123456789012:execution:drs-orchestration-waves:w1',
  'arn:aws:sns:us-east-1:123456789012:dr-notifications',
  'arn:aws:sns:us-east-1:999999999999:elsewhere',
  'not-an-arn',
];

/** Values for one option, by what it takes. */
function valuesFor(option: Option): fc.Arbitrary<string> {
  const name = option.attributeName();
  const choices = option.argChoices ?? [];
  const pool: string[] = [...HOSTILE_STRINGS, ...choices, ...choices, 'bogus'];
  if (/scale|port|wait|parallel|threshold|minutes|interval|check|loss|accounts|servers|seed/i.test(name))
    pool.push(...HOSTILE_NUMBERS, ...HOSTILE_NUMBERS);
  if (/endpoint/i.test(name)) pool.push(...HOSTILE_URLS, ...HOSTILE_URLS);
  if (/region/i.test(name)) pool.push(...HOSTILE_REGIONS, ...HOSTILE_REGIONS);
  if (/arn/i.test(name)) pool.push(...ARNS, ...ARNS);
  if (/tags/i.test(name)) pool.push('DR-Nothing=none', 'DR-Test=single', 'DR-Wave=1,DR-Tier=x', 'K', 'K=');
  if (/approve/i.test(name)) pool.push('all', '1', 'first', '0', '99', ',');
  return fc.constantFrom(...pool);
}

const JUNK_VALUE = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}, [1, 'a'], { a: 1 }),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);

/** An orchestration input document: mostly valid-shaped, with fields of the wrong type or range. */
const INPUT_DOCUMENT: fc.Arbitrary<unknown> = fc.oneof(
  JUNK_VALUE,
  // Valid ones too (over servers that do not exist, so a run is short): they must not be refused for nothing.
  fc.record(
    {
      action: fc.constantFrom('drill', 'status', 'terminate', 'failover'),
      tags: fc.constant({ 'DR-Nothing': 'none' }),
      options: fc.record({ maxWaitMinutes: fc.integer({ min: 1, max: 1440 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['action', 'tags'] },
  ),
  fc.record(
    {
      action: fc.oneof(
        fc.constantFrom('drill', 'status', 'terminate', 'failover', 'failback', 'nope'),
        JUNK_VALUE,
      ),
      tags: fc.oneof(
        fc.constant({ 'DR-Nothing': 'none' }),
        fc.dictionary(
          fc.constantFrom('DR-Nothing', '', 'k', 'DR-Test'),
          fc.oneof(fc.string({ maxLength: 4 }), JUNK_VALUE),
          {
            maxKeys: 3,
          },
        ),
        JUNK_VALUE,
      ),
      options: fc.oneof(
        fc.record(
          {
            maxWaitMinutes: fc.oneof(fc.integer({ min: -5, max: 2000 }), JUNK_VALUE),
            parallelism: fc.oneof(fc.integer({ min: -5, max: 600 }), fc.constant('max'), JUNK_VALUE),
            continueOnFailure: fc.oneof(fc.boolean(), JUNK_VALUE),
            nextPhaseThreshold: fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), JUNK_VALUE),
            healthCheckMinutes: fc.oneof(fc.integer({ min: -1, max: 200 }), JUNK_VALUE),
            bogus: JUNK_VALUE,
          },
          { requiredKeys: [] },
        ),
        JUNK_VALUE,
      ),
      metadata: fc.oneof(
        fc.record(
          { correlationId: fc.oneof(fc.string({ maxLength: 70 }), JUNK_VALUE) },
          { requiredKeys: [] },
        ),
        JUNK_VALUE,
      ),
      extra: JUNK_VALUE,
    },
    { requiredKeys: [] },
  ),
);

/** A runbook: mostly runbook-shaped, with waves, approvals and options of the wrong type. */
const RUNBOOK_DOCUMENT: fc.Arbitrary<unknown> = fc.oneof(
  JUNK_VALUE,
  fc.record({
    action: fc.constantFrom('drill', 'status'),
    approval: fc.record({ timeoutSeconds: fc.integer({ min: 1, max: 86_400 }) }),
    waves: fc.array(
      fc.record({
        name: fc.constantFrom('one', 'two'),
        tags: fc.constant({ 'DR-Nothing': 'none' }),
        approval: fc.boolean(),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 10 }), JUNK_VALUE),
      action: fc.oneof(fc.constantFrom('drill', 'status', 'terminate', 'nope'), JUNK_VALUE),
      options: fc.oneof(
        fc.record({ maxWaitMinutes: fc.oneof(fc.integer({ min: -1, max: 2000 }), JUNK_VALUE) }),
        JUNK_VALUE,
      ),
      approval: fc.oneof(
        fc.record(
          {
            topicArn: fc.oneof(fc.constantFrom(...ARNS), JUNK_VALUE),
            timeoutSeconds: fc.oneof(fc.integer({ min: -1, max: 700_000 }), JUNK_VALUE),
          },
          { requiredKeys: [] },
        ),
        JUNK_VALUE,
      ),
      waves: fc.oneof(
        fc.array(
          fc.record(
            {
              name: fc.oneof(fc.constantFrom('one', 'two', ''), JUNK_VALUE),
              tags: fc.oneof(fc.constant({ 'DR-Nothing': 'none' }), JUNK_VALUE),
              approval: fc.oneof(fc.boolean(), JUNK_VALUE),
              options: fc.oneof(
                fc.record({ parallelism: fc.oneof(fc.integer({ min: -1, max: 600 }), JUNK_VALUE) }),
                JUNK_VALUE,
              ),
            },
            { requiredKeys: ['tags'] },
          ),
          { maxLength: 3 },
        ),
        JUNK_VALUE,
      ),
    },
    { requiredKeys: [] },
  ),
);

/** Every case runs with these first: a tiny world in the case's folder (later flags win). */
const SIM_BASE = ['--fleet', '{dir}/tiny-fleet.json', '--state-file', '{dir}/w.json', '--quiet'];

/** The generator of cases: command lines from the real program, and documents. */
export function fuzzCases(): fc.Arbitrary<FuzzCase> {
  const specs = commandSpecs();
  const commandLine = fc.constantFrom(...specs).chain((spec) => {
    const option = fc.constantFrom(...spec.options).chain((o) => {
      const flag = fc.constantFrom(...[o.long, o.short].filter((f): f is string => f !== undefined));
      if (!o.required && !o.optional) return flag.map((f) => [f]);
      return fc.tuple(flag, valuesFor(o)).map(([f, v]) => [f, v]);
    });
    const unknown = fc.constantFrom(['--nope'], ['-z'], ['--tags'], ['--'], ['extra-arg']);
    const positional = fc.constantFrom(...ARNS, ...HOSTILE_STRINGS, 'drill', 'status', 'nope');
    return fc
      .record({
        base: fc.boolean(),
        tags: fc.boolean(),
        args: fc.array(positional, { maxLength: spec.args.length + (spec.args.length > 0 ? 1 : 0) }),
        options: fc.array(fc.oneof({ weight: 9, arbitrary: option }, { weight: 1, arbitrary: unknown }), {
          maxLength: 5,
        }),
      })
      .map(({ base, tags, args, options }): FuzzCase => {
        const usesWorld = spec.options.some((o) => o.long === '--state-file') && spec.path[0] !== 'serve';
        // serve starts on a free port unless the case gives one (which then wins).
        const serveBase = spec.path[0] === 'serve' ? ['--port', '0'] : [];
        return {
          argv: [
            ...spec.path,
            ...args,
            ...(usesWorld && base ? SIM_BASE : []),
            ...(tags && spec.options.some((o) => o.long === '--tags') ? ['--tags', 'DR-Nothing=none'] : []),
            ...serveBase,
            ...options.flat(),
          ],
          files: {},
        };
      });
  });
  const inputCase = fc
    .tuple(INPUT_DOCUMENT, fc.constantFrom('run', 'drill', 'status', 'plan'))
    .map(([value, command]): FuzzCase => {
      const text = JSON.stringify(value);
      return {
        argv: [command, '--input', '{dir}/input.json', ...SIM_BASE],
        files: { 'input.json': text },
        document: { schema: 'input', value },
      };
    });
  const runbookCase = fc.tuple(RUNBOOK_DOCUMENT, fc.boolean()).map(([value, plan]): FuzzCase => {
    const text = JSON.stringify(value);
    return {
      argv: plan
        ? ['plan', '--runbook', '{dir}/runbook.json', ...SIM_BASE]
        : ['runbook', '{dir}/runbook.json', '--approve', 'all', ...SIM_BASE],
      files: { 'runbook.json': text },
      document: { schema: 'runbook', value },
    };
  });
  return fc.oneof(
    { weight: 6, arbitrary: commandLine },
    { weight: 2, arbitrary: inputCase },
    { weight: 2, arbitrary: runbookCase },
  );
}

// ajv-formats ships CommonJS with a default export; under NodeNext the namespace object is what we get.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const VALIDATORS = {
  input: ajv.compile(orchestrationInputSchema),
  runbook: ajv.compile(runbookSchema),
};

const TINY_FLEET = JSON.stringify(
  generateFleet({ accounts: 1, serversPerAccount: 2, seed: 3, singleTestServer: true }),
);

/** `serve` cases stop at once: the case checks how it starts, not that it serves. */
const DEPS: Partial<CliDeps> = {
  serve: (invocation, io) => runServe(invocation, io, Promise.resolve()),
};

let unhandled: unknown[] = [];
let listening = false;
function listen(): void {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (reason) => {
    unhandled.push(reason);
  });
}

/**
 * Runs one case in a fresh folder and says whether it broke a rule.
 *
 * @param timeoutMs a case still running after this long is a failure (a hang)
 */
export async function runFuzzCase(c: FuzzCase, timeoutMs = 60_000): Promise<FuzzResult> {
  listen();
  unhandled = [];
  const dir = mkdtempSync(join(tmpdir(), 'drs-orch-fuzz-'));
  try {
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'tiny-fleet.json'), TINY_FLEET);
    writeFileSync(join(dir, 'bad.json'), '{"not": json');
    writeFileSync(join(dir, 'empty.json'), '');
    for (const f of ['input.json', 'runbook.json']) writeFileSync(join(dir, f), '{}');
    for (const [name, text] of Object.entries(c.files)) writeFileSync(join(dir, name), text);
    const argv = c.argv.map((a) => a.replaceAll('{dir}', dir));
    const { io, stderr } = fakeIo({ cwd: dir, env: {} });
    let timer: NodeJS.Timeout | undefined;
    let code: number;
    try {
      code = await Promise.race([
        main(argv, io, { ...defaultCliDeps, ...DEPS }),
        new Promise<number>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      return { code: -1, stderr: stderr.text, problem: `main threw or hung: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
    // Late rejections of the run surface within a few turns of the event loop.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    const problem = judge(c, code, stderr.text);
    return { code, stderr: stderr.text, ...(problem !== undefined && { problem }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function judge(c: FuzzCase, code: number, stderr: string): string | undefined {
  if (unhandled.length > 0) return `unhandled rejection: ${String(unhandled[0])}`;
  if (code === 70) return `internal error: ${stderr.trim().split('\n').pop()}`;
  if (!DOCUMENTED_EXIT_CODES.includes(code)) return `undocumented exit code ${code}`;
  if (c.document !== undefined && !VALIDATORS[c.document.schema](c.document.value) && code !== 64) {
    return `accepted a ${c.document.schema} the schema refuses (exit ${code})`;
  }
  return undefined;
}

/** Renders a case for a failure message. */
export function showCase(c: FuzzCase): string {
  const files = Object.entries(c.files).map(([n, t]) => `${n}=${t.slice(0, 300)}`);
  return `drs-orch ${c.argv.map((a) => JSON.stringify(a)).join(' ')}${files.length ? ` with ${files.join(', ')}` : ''}`;
}
