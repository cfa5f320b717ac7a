/**
 * The fleet's charts over the chosen window (GET /history?window=24h|7d): games/s, $/h, and games
 * per dollar, overall (the API's figure) and by GPU model.
 * @module
 */
import { chart, type Series, type Span } from "./chart";
import { fill } from "./dom";
import { int, num, usd } from "./format";
import type { Section } from "./sections";
import type { HistoryBody, HistoryPoint } from "./types";

const HOUR = 3_600_000;
const WINDOW_MS = { "24h": 24 * HOUR, "7d": 7 * 24 * HOUR } as const;

export function renderCharts(s: Section, hist: HistoryBody): void {
  const windowMs = WINDOW_MS[s.chartWindow];
  const end = hist.now;
  const points = hist.points.filter((p) => p.at >= end - windowMs);
  // A fleet younger than the window: from its first sample (at least an hour), not a sliver at the right.
  const start = Math.max(end - windowMs, Math.min(end - HOUR, points[0]?.at ?? end));
  const span: Span = { start, end, bucketMs: hist.bucketMs, windowMs };
  const at = points.map((p) => p.at);
  s.chartsTitle.textContent = s.chartWindow === "24h" ? "Last 24 hours" : "Last 7 days";
  fill(
    s.charts,
    chart(
      {
        key: "gps",
        title: "games / s",
        at,
        series: [{ name: "games/s", values: points.map((p) => p.gamesPerSec) }],
        fmt: (v) => num(v, 1),
      },
      span,
      s.chartMemory,
    ),
    chart(
      { key: "dph", title: "$ / hour", at, series: [{ name: "$/h", values: points.map((p) => p.dph) }], fmt: usd },
      span,
      s.chartMemory,
    ),
    chart(
      {
        key: "gpd",
        title: "games per $",
        at,
        series: [{ name: "games/$", values: points.map((p) => p.gamesPerDollar) }],
        fmt: int,
      },
      span,
      s.chartMemory,
    ),
    chart({ key: "gpd-gpu", title: "games per $ by GPU model", at, series: byGpu(points), fmt: int, legend: true }, span, s.chartMemory),
  );
}

/**
 * One series per GPU model. The API gives each model's games/s and $/h per sample; games per dollar
 * is their ratio, the one figure here not read as is.
 */
function byGpu(points: HistoryPoint[]): Series[] {
  const models = [...new Set(points.flatMap((p) => p.byGpu.map((g) => g.gpu)))].sort();
  return models.map((gpu) => ({
    name: gpu,
    values: points.map((p) => {
      const g = p.byGpu.find((x) => x.gpu === gpu);
      return g && g.dph > 0 ? Math.round((g.gamesPerSec * 3600) / g.dph) : null;
    }),
  }));
}
