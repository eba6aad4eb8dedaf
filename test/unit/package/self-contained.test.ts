/**
 * A fresh clone has everything its tests need: the AWS model subsets the response-shape checks
 * read live in the repository (complete for the operations the emulator serves), and nothing
 * tracked points at files outside it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODEL_FOLDERS } from '../../../scripts/extract-aws-models.mjs';
import { loadModel } from '../../_helpers/aws-model-shape.js';
import { SERVED_OPERATIONS } from '../emulator/service-operations.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Shape {
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}

/** Shapes a model refers to that it does not define. */
function dangling(model: {
  operations: Record<string, Record<string, unknown>>;
  shapes: Record<string, Shape>;
}) {
  const refs = new Set<string>();
  for (const op of Object.values(model.operations)) {
    for (const k of ['input', 'output']) {
      const ref = op[k] as { shape: string } | undefined;
      if (ref) refs.add(ref.shape);
    }
    for (const e of (op.errors as { shape: string }[] | undefined) ?? []) refs.add(e.shape);
  }
  for (const s of Object.values(model.shapes)) {
    for (const m of Object.values(s.members ?? {})) refs.add(m.shape);
    for (const r of [s.member, s.key, s.value]) if (r) refs.add(r.shape);
  }
  return [...refs].filter((r) => model.shapes[r] === undefined);
}

describe('the repository is self-contained', () => {
  it.each(MODEL_FOLDERS)(
    'keeps the %s model subset with exactly the operations the emulator serves and every shape they reach',
    (folder) => {
      const model = loadModel(folder) as unknown as Parameters<typeof dangling>[0];
      const served =
        SERVED_OPERATIONS[
          ({ stepfunctions: 'states', 'service-quotas': 'servicequotas' } as Record<string, string>)[
            folder
          ] ?? folder
        ] ?? {};

      expect(Object.keys(model.operations).sort()).toEqual(Object.keys(served).sort());
      expect(dangling(model)).toEqual([]);
    },
  );

  it('checks DRS against the model subset the emulator itself serves from', () => {
    const model = loadModel('drs') as unknown as Parameters<typeof dangling>[0];
    const served = JSON.parse(
      readFileSync(`${ROOT}src/emulator/services/drs/model.json`, 'utf8'),
    ) as typeof model;

    expect(model).toEqual(served);
    expect(Object.keys(model.operations).sort()).toEqual(Object.keys(SERVED_OPERATIONS.drs ?? {}).sort());
    expect(dangling(model)).toEqual([]);
  });

  it('checks EC2 against the model subset the emulator itself decodes and renders by', () => {
    const model = loadModel('ec2') as unknown as Parameters<typeof dangling>[0];

    expect(Object.keys(model.operations).sort()).toEqual(Object.keys(SERVED_OPERATIONS.ec2 ?? {}).sort());
    expect(dangling(model)).toEqual([]);
  });

  it('has no tracked file that refers to the machine-local shared folder outside the repository', () => {
    // Spelled in parts so this file does not match itself.
    const needle = ['', 'work', 'shared', ''].join('/');
    let hits = '';
    try {
      hits = execFileSync('git', ['grep', '-l', '-I', '-F', '-e', needle], { cwd: ROOT, encoding: 'utf8' });
    } catch (err) {
      // git grep exits 1 when nothing matches; anything else is a real failure.
      if ((err as { status?: number }).status !== 1) throw err;
    }
    expect(hits.split('\n').filter(Boolean)).toEqual([]);
  });
});
