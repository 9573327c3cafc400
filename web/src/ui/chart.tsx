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

/** Ticks every this many days, the fewest that leave each label its room. */
const DAY_STEPS = [1, 2, 7, 14, 28, 56, 91];
const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
/** A day's label ("Nov 2"): the UTC day it is, whatever the reader's time zone. */
const dayLabel = (day: string | undefined) => (day ? shortDay.format(new Date(`${day}T00:00:00Z`)) : "–");

/**
 * Each part's tops: its counts on top of those of the parts below it; none on a day it counts
 * nothing, so an empty day draws no sliver of a bar.
 */
function stackedTops(parts: readonly DailyPart[]): (number | null)[][] {
  let below: readonly number[] = parts[0]?.counts.map(() => 0) ?? [];
  return parts.map((part) => {
    const tops = part.counts.map((n, i) => n + below[i]!);
    below = tops;
    return tops.map((top, i) => (part.counts[i] === 0 ? null : top));
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
        // The x scale counts days from the first (not time: the days are UTC days, which a time
        // scale would place by the reader's time zone); half a day either side draws the end bars whole.
        scales: {
          x: { time: false, range: () => [-0.5, series.days.length - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          { incrs: DAY_STEPS, space: 56, values: (_u, ticks) => ticks.map((i) => dayLabel(series.days[i])) },
          { label: series.label, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        ],
        series: [
          { label: "Day", value: (_u: uPlot, i: number | null) => (i === null ? "–" : dayLabel(series.days[i])) },
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
      [series.days.map((_day, i) => i), ...stackedTops(series.parts).reverse()],
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
