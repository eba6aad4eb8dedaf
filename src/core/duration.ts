/**
 * ISO-8601 durations for the output's `timing.durationFormatted`.
 */

/**
 * Formats whole seconds as an ISO-8601 duration with hours, minutes and seconds (`PT45M30S`).
 * Zero parts are left out; zero itself is `PT0S`. Hours are not folded into days, so the value
 * reads the same way at any length (`PT26H`).
 *
 * @throws {RangeError} when `seconds` is negative or not finite.
 * @example
 * ```ts
 * formatIsoDuration(2730); // 'PT45M30S'
 * formatIsoDuration(3600); // 'PT1H'
 * ```
 */
export function formatIsoDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`duration must be a finite number of seconds >= 0, got ${seconds}`);
  }
  const total = Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const parts = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs ? `${secs}S` : ''}`;
  return `PT${parts || '0S'}`;
}

/**
 * Whole seconds from `start` to `end` (ISO strings or Dates), never negative.
 */
export function secondsBetween(start: string | Date, end: string | Date): number {
  const ms = new Date(end).getTime() - new Date(start).getTime();
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
}

/**
 * Adds minutes to an ISO time and returns the ISO result.
 */
export function addMinutes(iso: string, minutes: number): string {
  return new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();
}

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Seconds of an ISO-8601 duration with days, hours, minutes and seconds (DRS `lagDuration`,
 * e.g. `PT15M5S`, `P1DT2H`); `undefined` when the value is absent or not such a duration.
 *
 * @example
 * ```ts
 * parseIsoDurationSeconds('PT15M5S'); // 905
 * ```
 */
export function parseIsoDurationSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value === 'P' || value.endsWith('T')) return undefined;
  const m = ISO_DURATION.exec(value);
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return (d ?? 0) * 86_400 + (h ?? 0) * 3600 + (min ?? 0) * 60 + (s ?? 0);
}
