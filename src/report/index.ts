/**
 * The evidence report: a JSON source built from an execution's events and outputs, rendered as a
 * self-contained HTML page. Pure: the CLI and the report task write the files.
 */
export {
  type DeclaredWave,
  type RecordedEvent,
  type ReportContext,
  ReportRecorder,
  serversOfOutput,
  timelineOfOutput,
  totalsOf,
} from './collect.js';
export { eventsOfWavesHistory, type HistoryEventLike } from './history.js';
export * from './model.js';
export { escapeHtml, formatSeconds, printedDigest, renderReportHtml, sourceDigest } from './render.js';
export { type RunbookStepEntry, runbookStepEntries } from './runbook-steps.js';
