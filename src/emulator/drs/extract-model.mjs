// Regenerates model.json: the subset of the official DRS service model (Apache-2.0, botocore
// data) that the emulator serves, without documentation strings.
// Usage: node src/emulator/drs/extract-model.mjs <path to aws-models/drs/service-2.json>
import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2];
if (!source) throw new Error('usage: extract-model.mjs <service-2.json>');
const model = JSON.parse(readFileSync(source, 'utf8'));
const operations = [
  'DescribeSourceServers',
  'StartRecovery',
  'DescribeJobs',
  'DescribeJobLogItems',
  'DescribeRecoveryInstances',
  'TerminateRecoveryInstances',
  'StartFailbackLaunch',
  'ReverseReplication',
  'DescribeRecoverySnapshots',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  'GetLaunchConfiguration',
  'UpdateLaunchConfiguration',
  'DescribeLaunchConfigurationTemplates',
  'CreateLaunchConfigurationTemplate',
  'UpdateLaunchConfigurationTemplate',
  'PutLaunchAction',
  'ListLaunchActions',
  'DeleteLaunchAction',
];
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
  const { documentation: _d, ...op } = model.operations[name];
  ops[name] = op;
  if (op.input) visit(op.input.shape);
  if (op.output) visit(op.output.shape);
  for (const e of op.errors) visit(e.shape);
}
const out = { metadata: model.metadata, operations: ops, shapes };
writeFileSync(new URL('./model.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
