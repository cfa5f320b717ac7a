/**
 * The cells of issue 19's "Done when" and the verdicts on them (bench/grid.ts runs them): pure,
 * so that which cells run and what passes are tested without running a market.
 * @module
 */

import type { ReliabilitySignal } from "../src/sim/signal";

/** What a cell is judged on, for vastfleet: its share of the ceiling oracle and of the bound, beating the original, delivery. */
export type Check = "oracle" | "bound" | "original" | "delivery";

export interface GridCell {
  name: string;
  hours: number;
  duds: number;
  bounce: boolean;
  warmH: number;
  reliabilitySignal: ReliabilitySignal;
  checks: Check[];
}

/** The targets: 24 h ≥ 97% of the oracle and ≥ 90% of the bound; 8 h cold ≥ 97% of the oracle; never below the original; delivery ≥ 95%. */
export const TARGETS: Record<Check, number> = { oracle: 0.97, bound: 0.9, original: 1, delivery: 0.95 };

const targets: GridCell[] = [
  { name: "24h", hours: 24, duds: 0.2, bounce: true, warmH: 0, reliabilitySignal: "none", checks: ["oracle", "bound", "delivery"] },
  { name: "8h-cold", hours: 8, duds: 0.2, bounce: true, warmH: 0, reliabilitySignal: "none", checks: ["oracle", "delivery"] },
];

/** duds × bounce × reliability signal × hours, vastfleet never below the original. */
const grid: GridCell[] = [8, 72].flatMap((hours) =>
  [0.05, 0.1, 0.2, 0.35].flatMap((duds) =>
    [true, false].flatMap((bounce) =>
      (["none", "strong"] as const).map((reliabilitySignal) => ({
        name: `grid-${hours}h-duds${duds}-bounce-${bounce ? "on" : "off"}-signal-${reliabilitySignal}`,
        hours,
        duds,
        bounce,
        warmH: 0,
        reliabilitySignal,
        checks: ["original", "delivery"] as Check[],
      })),
    ),
  ),
);

export const PRESETS: Record<string, GridCell[]> = { all: [...targets, ...grid], targets, grid };

/**
 * `--cells`: a preset (all, targets, grid) and/or filters `key=value` (name, hours, duds, bounce
 * on|off, warm, signal none|strong), comma-separated: `grid,hours=8,duds=0.35`, or just `hours=8` (on all).
 */
export function cellsOf(spec: string): GridCell[] {
  const parts = spec
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const presets = parts.filter((p) => !p.includes("="));
  if (presets.length > 1) throw new Error(`--cells: one preset at most (${presets.join(", ")})`);
  const preset = presets[0] ?? "all";
  const base = PRESETS[preset];
  if (!base) throw new Error(`--cells: ${preset} is not one of ${Object.keys(PRESETS).join(", ")}`);
  const filters = parts
    .filter((p) => p.includes("="))
    .map((p) => {
      const [key = "", value = ""] = p.split("=");
      const test = matcher(key, value);
      if (!test) throw new Error(`--cells: unknown filter ${p} (name, hours, duds, bounce, warm, signal)`);
      return test;
    });
  const cells = base.filter((c) => filters.every((f) => f(c)));
  if (cells.length === 0) throw new Error(`--cells: ${spec} selects no cell`);
  return cells;
}

function matcher(key: string, value: string): ((c: GridCell) => boolean) | null {
  switch (key) {
    case "name":
      return (c) => c.name === value;
    case "hours":
      return (c) => c.hours === Number(value);
    case "duds":
      return (c) => c.duds === Number(value);
    case "bounce":
      return (c) => c.bounce === (value === "on");
    case "warm":
      return (c) => c.warmH === Number(value);
    case "signal":
      return (c) => c.reliabilitySignal === value;
    default:
      return null;
  }
}

/** vastfleet's and the original's means over the seeds, as the grid reads them. */
export interface CellFigures {
  vastfleet: { gamesPerDollar: number; ofOracle: number | null; ofBound: number; producingShare: number };
  original: { gamesPerDollar: number } | null;
}

export interface Verdict {
  check: Check;
  /** What was measured: a share, or vastfleet's games per dollar over the original's. */
  value: number | null;
  target: number;
  ok: boolean;
}

/** Each of the cell's checks against its target; a figure that is missing (no oracle, no original run) fails. */
export function verdicts(cell: GridCell, f: CellFigures): Verdict[] {
  return cell.checks.map((check) => {
    const value =
      check === "oracle"
        ? f.vastfleet.ofOracle
        : check === "bound"
          ? f.vastfleet.ofBound
          : check === "delivery"
            ? f.vastfleet.producingShare
            : f.original
              ? f.vastfleet.gamesPerDollar / f.original.gamesPerDollar
              : null;
    return { check, value, target: TARGETS[check], ok: value !== null && value >= TARGETS[check] };
  });
}
