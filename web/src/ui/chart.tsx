import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** One part of each day's bar: its counts, oldest day first. */
export interface DailyPart {
  label: string;
  counts: readonly number[];
  /** An opaque colour: the parts are drawn over each other. */
  color: string;
}

export interface DailySeries {
  /** Days as UTC dates (YYYY-MM-DD), oldest first. */
  days: readonly string[];
  /** What the bars count, for the axis. */
  label: string;
  /** Stacked bottom up, in this order. */
  parts: readonly DailyPart[];
}

const DAY = 24 * 60 * 60;
const HALF_DAY = DAY / 2;
/** The x axis ticks whole days only (a week's bars would otherwise get noon ticks). */
const DAY_STEPS = [1, 2, 7, 14, 28, 56, 91].map((days) => days * DAY);
const toSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
/** A tick's day ("Nov 2"), whatever the step: a month's name alone would repeat across a quarter's ticks. */
const dayTicks = (_u: uPlot, seconds: number[]) => seconds.map((s) => shortDay.format(s * 1000));

/** Each part's tops: its counts on top of those of the parts below it. */
function stackedTops(parts: readonly DailyPart[]) {
  let below: readonly number[] = parts[0]?.counts.map(() => 0) ?? [];
  return parts.map((part) => {
    below = part.counts.map((n, i) => n + below[i]!);
    return below;
  });
}

/**
 * Counts per day as bars stacked by part, drawn by uPlot into a canvas (sized to its box, redrawn
 * when that changes): each part is a bar from the ground to its top, drawn from the top part down
 * so each covers the one above it only where it is. The legend shows each part's own count. The
 * canvas is an image to a screen reader, so `summary` says what it shows in words.
 */
export function DailyBarChart({ series, summary }: { series: DailySeries; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        legend: { show: true },
        // The days are UTC days: shown as such whatever the reader's time zone.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
        // Half a day either side, so the first and the last day's bars are drawn whole.
        scales: {
          x: { time: true, range: (_u, min, max) => [min - HALF_DAY, max + HALF_DAY] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          { incrs: DAY_STEPS, values: dayTicks },
          { label: series.label, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        ],
        series: [
          {},
          ...[...series.parts].reverse().map((part) => ({
            label: part.label,
            stroke: part.color,
            fill: part.color,
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            points: { show: false },
            value: (_u: uPlot, _top: number | null, _series: number, day: number | null) =>
              day === null ? "–" : String(part.counts[day] ?? 0),
          })),
        ],
      },
      [
        series.days.map(toSeconds),
        ...stackedTops(series.parts)
          .reverse()
          .map((tops) => [...tops]),
      ],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={summary} />
      <figcaption class="muted">{summary}</figcaption>
    </figure>
  );
}
