/** The UTC days a profile's stats cover, `YYYY-MM-DD`, both included. */
export interface StatsRange {
  from: string;
  to: string;
}

/** Days in the range when the caller names none: the last 30, today included. */
export const DEFAULT_STATS_DAYS = 30;
/** The most days one answer covers: a leap year. */
export const MAX_STATS_DAYS = 366;

const DAY_MS = 86_400_000;
const dayMs = (day: string) => Date.parse(`${day}T00:00:00.000Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The range asked for, its missing ends filled in: `to` today (UTC), `from` 29 days before `to`. */
export function statsRange(asked: Partial<StatsRange>, now: string): StatsRange {
  const to = asked.to ?? now.slice(0, 10);
  return { from: asked.from ?? dayOf(dayMs(to) - (DEFAULT_STATS_DAYS - 1) * DAY_MS), to };
}

/** How many days the range covers (0 or less when `from` is after `to`). */
export const daysIn = ({ from, to }: StatsRange) => Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;

/** Every day of the range, oldest first. */
export const daysOf = (range: StatsRange) =>
  Array.from({ length: Math.max(0, daysIn(range)) }, (_, i) => dayOf(dayMs(range.from) + i * DAY_MS));
