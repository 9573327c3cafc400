import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface DailySeries {
  /** Days as UTC dates (YYYY-MM-DD), oldest first. */
  days: readonly string[];
  label: string;
  counts: readonly number[];
}

const HALF_DAY = 12 * 60 * 60;
const toSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * Counts per day as bars, drawn by uPlot into a canvas (sized to its box, redrawn when that
 * changes). The canvas is an image to a screen reader, so `summary` says what it shows in words.
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
        // Half a day either side, so the first and the last day's bars are drawn whole.
        scales: {
          x: { time: true, range: (_u, min, max) => [min - HALF_DAY, max + HALF_DAY] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [{}, { label: series.label, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
        series: [
          {},
          {
            label: series.label,
            stroke: "#1d4ed8",
            fill: "rgba(29, 78, 216, 0.35)",
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            points: { show: false },
          },
        ],
      },
      [series.days.map(toSeconds), [...series.counts]],
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
