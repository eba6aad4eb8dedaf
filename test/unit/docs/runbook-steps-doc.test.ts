import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../infra/config.js';
import { parseRunbook, wavesInput } from '../../../src/contract/index.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'runbook-steps.md'), 'utf8');
const blocks = (lang: string) =>
  [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: unknown,
) => { isValid: boolean; errorsText: (sep?: string) => string };

describe('docs/runbook-steps.md: a runbook in other DR plans', () => {
  it('shows a parent Step Functions state that is valid ASL and starts the waves machine with a runbook', () => {
    const [state] = blocks('json').map((b) => JSON.parse(b) as Record<string, unknown>);
    const definition = { StartAt: 'RunRunbook', States: { RunRunbook: state } };
    const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(state).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: expect.stringMatching(/:stateMachine:drs-orchestration-waves$/) },
    });
    // The Input has the waves input's fields.
    const input = (state?.Parameters as { Input: Record<string, unknown> } | undefined)?.Input ?? {};
    const fields = Object.keys(input).map((k) => k.replace(/\.\$$/, ''));
    const made = wavesInput(
      parseRunbook({ action: 'drill', waves: [{ name: 'db', tags: { 'DR-Wave': '1' } }] }),
    );
    for (const f of Object.keys(made)) expect(fields).toContain(f);
  });

  it('shows an SSM Automation step that executes the waves machine with the runbook input', () => {
    const steps = blocks('yaml')
      .map((b) => parse(b) as unknown)
      .filter(Array.isArray);
    const step = steps
      .flat()
      .find((s) => (s as { action?: string }).action === 'aws:executeStateMachine') as {
      inputs: { stateMachineArn: string; input: string };
    };
    expect(step.inputs.stateMachineArn).toMatch(/:stateMachine:drs-orchestration-waves$/);
    expect(step.inputs.input).toBe('{{RunbookInput}}');
  });
});
