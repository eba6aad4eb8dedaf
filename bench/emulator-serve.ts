/**
 * The emulator of the throughput figures, in its own process: one staging account of 300 servers
 * with 20 drill jobs of 5 servers started. Prints the endpoint, then serves until killed.
 */
import { DrsClient, StartRecoveryCommand } from '@aws-sdk/client-drs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulator } from '../src/emulator/index.js';
import { benchFleet } from './world.js';

const emu = await startEmulator({
  fleet: benchFleet({ accounts: 1, serversPerAccount: 300, seed: 1 }),
  timeScale: 1,
});
const sts = new STSClient({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials });
const role = await sts.send(
  new AssumeRoleCommand({
    RoleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
    RoleSessionName: 'setup',
  }),
);
const c = role.Credentials;
const drs = new DrsClient({
  region: 'us-east-2',
  endpoint: emu.endpoint,
  credentials: {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    ...(c?.SessionToken ? { sessionToken: c.SessionToken } : {}),
  },
});
const ids = (emu.drs.account('111111111111')?.servers() ?? []).map((s) => s.sourceServerID);
for (let j = 0; j < 20; j += 1) {
  await drs.send(
    new StartRecoveryCommand({
      sourceServers: ids.slice(j * 5, j * 5 + 5).map((sourceServerID) => ({ sourceServerID })),
      isDrill: true,
    }),
  );
}
process.stdout.write(`${emu.endpoint}\n`);
