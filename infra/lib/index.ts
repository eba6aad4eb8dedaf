/**
 * The construct library: embed drs-orchestration in your own CDK app.
 *
 * - {@link DrsOrchestrator}: the orchestrator account (main and observability stacks).
 * - {@link DrsStagingAccount}: the staging accounts (roles and executor), per DR Region.
 *
 * Schedules are off unless enabled; see examples/cdk-app/ for an app with non-default props.
 */

export type { RunbookStepAccess } from '../step-permissions.js';
export { applyBoundary, DrsOrchestrator, type DrsOrchestratorProps } from './drs-orchestrator.js';
export {
  DrsStagingAccount,
  type DrsStagingAccountProps,
  type DrsStagingRegion,
} from './drs-staging-account.js';
export type { DrsCommonProps, DrsScheduleProps, DrsStagingAccountEntry } from './props.js';
export {
  parentWorkflowDefinition,
  RunbookLaunchers,
  type RunbookLaunchersProps,
  runbookAutomationDocument,
} from './runbook-launchers.js';
export { RunbookRegionSwitchPlan, type RunbookRegionSwitchPlanProps } from './runbook-region-switch-plan.js';
