/**
 * The evidence report: one evidence model built from a run's Step Functions histories and outputs
 * (`evidence.ts`), rendered as a self-contained HTML page (`render.ts`). Pure: the CLI and the
 * report task read the histories and write the files.
 */
export {
  buildEvidence,
  type DeclaredWave,
  type EvidenceInput,
  type ExecutionEnd,
  objectivesOf,
  serversOfOutput,
  targetOfExecution,
  timelineOfOutput,
  totalsOf,
  truncatedResults,
  warningsOfOutput,
} from './evidence.js';
export * from './history.js';
export * from './model.js';
export { escapeHtml, formatSeconds, printedDigest, renderReportHtml, sourceDigest } from './render.js';
export { type RunbookStepEntry, runbookStepEntries } from './runbook-steps.js';
