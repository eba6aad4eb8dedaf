/**
 * Every input example of the design document (sections 8.1, 8.2 with its template filled in, 8.3,
 * the literal parts of 8.4, 14.1, 14.2 and 15.1), as callers would send them.
 */
export const designInputExamples: Record<string, unknown> = {
  '8.1 aws cli drill': {
    action: 'drill',
    tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' },
    options: {
      isDrill: true,
      maxWaitMinutes: 90,
      notificationArn: 'arn:aws:sns:us-east-1:123456789012:dr-notifications',
    },
    metadata: { correlationId: 'drill-2024-12-12-001', initiatedBy: 'jsmith' },
  },
  '8.2 ssm automation (template filled in)': {
    action: 'failover',
    tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' },
    options: { isDrill: true, maxWaitMinutes: 120 },
    metadata: {
      correlationId: '4f7c2d1e-9b3a-4c5d-8e6f-0a1b2c3d4e5f',
      parentExecutionId: '4f7c2d1e-9b3a-4c5d-8e6f-0a1b2c3d4e5f',
    },
  },
  '8.3 eventbridge weekly drill': {
    action: 'drill',
    tags: { 'DR-Wave': '1' },
    options: {
      isDrill: true,
      maxWaitMinutes: 120,
      notificationArn: 'arn:aws:sns:us-east-1:123456789012:dr-notifications',
    },
    metadata: { correlationId: 'scheduled-drill', initiatedBy: 'eventbridge-schedule' },
  },
  '8.4 parent wave 1': {
    action: 'failover',
    tags: { 'DR-Wave': '1' },
    options: { isDrill: true, maxWaitMinutes: 90 },
    metadata: {
      correlationId: 'arn:aws:states:us-east-1:123456789012:execution:dr-parent:run-42',
      parentExecutionId: 'arn:aws:states:us-east-1:123456789012:execution:dr-parent:run-42',
    },
  },
  '8.4 parent wave 2': {
    action: 'failover',
    tags: { 'DR-Wave': '2' },
    options: { isDrill: false, maxWaitMinutes: 90 },
    metadata: {
      correlationId: 'arn:aws:states:us-east-1:123456789012:execution:dr-parent:run-42',
      wave1Instances: [
        {
          sourceServerId: 's-1234567890abcdef0',
          recoveryInstanceId: 'i-0123456789abcdef0',
          stagingAccountId: '111111111111',
          status: 'launched',
        },
      ],
    },
  },
  '14.1 single server drill': { action: 'drill', tags: { 'DR-Test': 'single' } },
  '14.1 wave 1 drill': { action: 'drill', tags: { 'DR-Wave': '1' } },
  '14.1 terminate drill': { action: 'terminate', tags: { 'DR-Test': 'single' } },
  '14.2 status check': { action: 'status', tags: { 'DR-Wave': '1' } },
  '14.2 single server drill': { action: 'drill', tags: { 'DR-Test': 'single' }, options: { isDrill: true } },
  '15.1 complete input': {
    action: 'failover',
    tags: { 'DR-Wave': '1', 'DR-Application': 'HRP', 'DR-Enabled': 'true' },
    options: {
      isDrill: false,
      maxWaitMinutes: 120,
      continueOnFailure: true,
      parallelism: 50,
      notificationArn: 'arn:aws:sns:us-east-1:123456789012:dr-notifications',
    },
    metadata: {
      correlationId: 'DR-2024-12-12-PROD-001',
      parentExecutionId: 'arn:aws:states:us-east-1:123456789012:execution:dr-master:exec-123',
      ticketId: 'INC0012345',
      initiatedBy: 'jsmith@company.com',
    },
  },
};

/** The design's complete output example (15.2), verbatim. */
export const designOutputExample = {
  status: 'success',
  action: 'failover',
  summary: { totalServers: 150, succeeded: 150, failed: 0, skipped: 0 },
  timing: {
    startTime: '2024-12-12T14:00:00Z',
    endTime: '2024-12-12T14:45:30Z',
    durationSeconds: 2730,
    durationFormatted: 'PT45M30S',
  },
  recoveryInstances: [
    {
      sourceServerId: 's-abc123',
      sourceServerHostname: 'web-server-01',
      recoveryInstanceId: 'i-xyz789',
      ec2InstanceId: 'i-xyz789',
      stagingAccountId: '111111111111',
      status: 'launched',
      privateIp: '10.0.1.50',
      launchTime: '2024-12-12T14:15:00Z',
      tags: { 'DR-Wave': '1', 'DR-Application': 'HRP', Role: 'WebServer' },
    },
  ],
  failedServers: [],
  stagingAccountResults: [
    {
      accountId: '111111111111',
      region: 'us-east-2',
      serversProcessed: 75,
      succeeded: 75,
      failed: 0,
      jobId: 'drsjob-111-abc',
    },
    {
      accountId: '222222222222',
      region: 'us-east-2',
      serversProcessed: 75,
      succeeded: 75,
      failed: 0,
      jobId: 'drsjob-222-def',
    },
  ],
  metadata: {
    correlationId: 'DR-2024-12-12-PROD-001',
    parentExecutionId: 'arn:aws:states:us-east-1:123456789012:execution:dr-master:exec-123',
    ticketId: 'INC0012345',
  },
  nextPhaseReady: true,
};

/** The staging-accounts document of design 6.1, verbatim. */
export const designStagingAccounts = {
  stagingAccounts: [
    {
      accountId: '111111111111',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      maxServers: 300,
      priority: 1,
    },
    {
      accountId: '222222222222',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::222222222222:role/DRS-Orchestration-Role',
      maxServers: 300,
      priority: 2,
    },
    {
      accountId: '333333333333',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::333333333333:role/DRS-Orchestration-Role',
      maxServers: 300,
      priority: 3,
    },
  ],
};
