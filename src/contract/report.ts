/**
 * The evidence report file contract: a report's JSON source (`src/report/model.ts`) is checked
 * against `schemas/report.schema.json` before anything renders it, so a file edited by hand or
 * damaged (a total that is a string, a wave number holding markup, a missing execution) is refused
 * naming the field, never rendered and never a crash. Pure.
 */
import { ValidationError } from './errors.js';
import { reportSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

const validateReport = compileSchema<unknown>(reportSchema);

/**
 * Checks a parsed report file against the report schema.
 *
 * @throws {ValidationError} (subject `report`) naming every problem, e.g.
 *   `/totals/servers must be integer, got string "<script>"`.
 * @example assertReportSource(JSON.parse(text))
 */
export function assertReportSource(value: unknown): void {
  if (!validateReport(value)) {
    throw new ValidationError(problemsFrom(validateReport.errors, value), 'report');
  }
}
