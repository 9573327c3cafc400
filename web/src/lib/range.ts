/**
 * The days a card's stats cover, as `GET /v1/profiles/{id}/stats` takes them: UTC days
 * (`YYYY-MM-DD`), both ends included, at most 366. The console checks a range by the API's rules
 * before asking.
 */

export interface DayRange {
  from: string;
  to: string;
}

/** The ranges offered in one press: the last 7, 30 or 90 days, today included. */
export const PRESETS = [7, 30, 90] as const;
export type Preset = (typeof PRESETS)[number];
export const DEFAULT_PRESET: Preset = 30;
/** The API's most days in one answer. */
export const MAX_DAYS = 366;

/** A preset (which moves with the days: "the last 7 days" is another week tomorrow) or two chosen days. */
export type RangeChoice = { preset: Preset } | { custom: DayRange };

export interface RangeProblem {
  field: keyof DayRange;
  message: string;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dayMs = (day: string) => Date.parse(`${day}T00:00:00.000Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Today as a UTC day: the API's days are UTC days. */
export const todayUtc = () => dayOf(Date.now());

/** A real date written `YYYY-MM-DD` (not 2026-02-30). */
export const isDay = (text: string) => DATE.test(text) && dayOf(dayMs(text)) === text;

/** How many days the range covers, both ends included. */
export const daysIn = ({ from, to }: DayRange) => Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;

/** The last `days` days up to `today`, today included. */
export const presetRange = (days: Preset, today = todayUtc()): DayRange => ({ from: dayOf(dayMs(today) - (days - 1) * DAY_MS), to: today });

export const rangeOf = (choice: RangeChoice): DayRange => ("preset" in choice ? presetRange(choice.preset) : choice.custom);

/** What the API would refuse in the range (its rules, in the form's words), or null. */
export function rangeProblem({ from, to }: DayRange): RangeProblem | null {
  if (!isDay(from)) return { field: "from", message: "From must be a date" };
  if (!isDay(to)) return { field: "to", message: "To must be a date" };
  const days = daysIn({ from, to });
  if (days < 1) return { field: "from", message: "From must not be after To" };
  if (days > MAX_DAYS) return { field: "from", message: `A range is at most ${MAX_DAYS} days, From and To included` };
  return null;
}

const isPreset = (n: number): n is Preset => (PRESETS as readonly number[]).includes(n);

/**
 * The range an address names: `days=7|30|90`, or `from` and `to` (kept even when the API would
 * refuse them, so the page can say why); the default preset without either.
 */
export function rangeFromSearch(params: URLSearchParams): RangeChoice {
  const from = params.get("from");
  const to = params.get("to");
  if (from !== null || to !== null) return { custom: { from: from ?? "", to: to ?? "" } };
  const days = Number(params.get("days"));
  return { preset: isPreset(days) ? days : DEFAULT_PRESET };
}

/** The range's parameters for the address (the default preset left out). */
export function rangeToSearch(choice: RangeChoice): Record<string, string> {
  if ("custom" in choice) return { ...choice.custom };
  return choice.preset === DEFAULT_PRESET ? {} : { days: String(choice.preset) };
}
