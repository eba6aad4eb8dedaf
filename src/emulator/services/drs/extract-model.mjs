// Regenerates model.json: the subset of the official DRS service model (Apache-2.0, botocore
// data) that the emulator serves, without documentation strings.
// Usage: node src/emulator/drs/extract-model.mjs <path to aws-models/drs/service-2.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { subsetModel } from '../../../../scripts/extract-aws-models.mjs';

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
const out = subsetModel(model, operations);
writeFileSync(new URL('./model.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
