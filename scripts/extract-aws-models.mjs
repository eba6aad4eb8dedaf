// Vendors the parts of the official AWS service models (Apache-2.0, botocore data) that the
// tests check emulator responses against: for each JSON-protocol service the emulator serves, the
// operations it serves and the shapes they reach, without documentation strings. A fresh clone
// then needs nothing outside the repository. (DRS's subset lives in src/emulator/services/drs/model.json,
// written by src/emulator/services/drs/extract-model.mjs with the same subsetModel.)
// Usage: node scripts/extract-aws-models.mjs <models folder> [<folder>:<Operation> ...]
//        (holding <service>/service-2.json, as botocore's data files name them). The operations
//        kept are those of the current subset plus any named; the emulator's operations table is
//        the list of what it serves, and a test checks the subset against it (no list here).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The model folders whose subset the tests check emulator responses against. */
export const MODEL_FOLDERS = ['stepfunctions', 'ssm', 'service-quotas', 'sns', 's3'];

/**
 * The subset of a service model that `operations` reach (inputs, outputs, errors and every shape
 * under them), documentation removed.
 */
export function subsetModel(model, operations) {
  const shapes = {};
  const visit = (name) => {
    if (shapes[name]) return;
    const { documentation: _d, ...shape } = model.shapes[name];
    if (shape.members) {
      shape.members = Object.fromEntries(
        Object.entries(shape.members).map(([k, { documentation: _m, ...v }]) => [k, v]),
      );
    }
    shapes[name] = shape;
    for (const m of Object.values(shape.members ?? {})) visit(m.shape);
    if (shape.member) visit(shape.member.shape);
    if (shape.key) visit(shape.key.shape);
    if (shape.value) visit(shape.value.shape);
  };
  const ops = {};
  for (const name of operations) {
    const op = model.operations[name];
    if (!op) throw new Error(`operation ${name} is not in the ${model.metadata.serviceId} model`);
    const { documentation: _d, ...rest } = op;
    ops[name] = rest;
    if (rest.input) visit(rest.input.shape);
    if (rest.output) visit(rest.output.shape);
    for (const e of rest.errors ?? []) visit(e.shape);
  }
  return { metadata: model.metadata, operations: ops, shapes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2];
  if (!root)
    throw new Error(
      'usage: extract-aws-models.mjs <folder with <service>/service-2.json> [<folder>:<Operation> ...]',
    );
  const added = process.argv.slice(3).map((a) => a.split(':'));
  for (const service of MODEL_FOLDERS) {
    const model = JSON.parse(readFileSync(`${root}/${service}/service-2.json`, 'utf8'));
    const target = new URL(`../test/_fixtures/aws-models/${service}.json`, import.meta.url);
    const current = Object.keys(JSON.parse(readFileSync(target, 'utf8')).operations);
    const operations = [
      ...new Set([...current, ...added.filter(([f]) => f === service).map(([, op]) => op)]),
    ];
    writeFileSync(target, `${JSON.stringify(subsetModel(model, operations), null, 1)}\n`);
    process.stdout.write(`${fileURLToPath(target)}: ${operations.length} operations\n`);
  }
}
