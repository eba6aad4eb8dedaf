/**
 * The orchestration contract: schema-derived types, validators and the error hierarchy.
 * Pure: no I/O.
 */
export {
  checkDocumentSize,
  DOCUMENT_LIMITS,
  type DocumentFormat,
  type DocumentKind,
  type DocumentLimits,
  documentFormatOf,
  type ReadDocumentOptions,
  readDocument,
} from './document-reader.js';
export * from './errors.js';
export type * from './generated/orchestration-input.js';
export type * from './generated/orchestration-output.js';
export type * from './generated/runbook.js';
export type * from './generated/staging-accounts.js';
export {
  MAX_INPUT_BYTES,
  OPTION_ACTIONS,
  type OrchestrationRequest,
  optionApplies,
  type ParseInputOptions,
  parseOrchestrationInput,
  type ResolvedOptions,
} from './input.js';
export { assertOrchestrationOutput, isOrchestrationOutput } from './output.js';
export {
  DEFAULT_TARGET_MAX_SOURCE_SERVERS,
  type RecoveryTarget,
  type ResolvedRecoveryAccount,
  recoveryTargets,
  topologyProblems,
} from './recovery-topology.js';
export {
  approvalWaves,
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  type ParsedRunbook,
  parseRunbook,
  runbookSteps,
  type WavesInput,
  wavesInput,
} from './runbook.js';
export {
  DEFAULT_DNS_TTL,
  DEFAULT_STEP_POLL_SECONDS,
  DEFAULT_STEP_RETRY_INTERVAL_SECONDS,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  DNS_CHANGES_PATH,
  type ResolvedStep,
  STEP_KINDS,
  type StepInstance,
  type StepKind,
  type StepPhase,
} from './runbook-steps.js';
export {
  approvalDecisionSchema,
  orchestrationInputSchema,
  orchestrationOutputSchema,
  reportSchema,
  runbookSchema,
  stagingAccountsSchema,
} from './schemas.js';
export {
  DEFAULT_STAGING_ACCOUNTS_PATH,
  parseStagingAccountRegistry,
  parseStagingAccounts,
  type RegistryParameter,
  type ResolvedStagingAccount,
  registryParameters,
} from './staging-accounts.js';
