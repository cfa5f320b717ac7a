/**
 * bench/grid-cells.ts: which cells `npm run bench:grid -- --cells …` runs, and the verdicts on
 * issue 19's targets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CellFigures, cellsOf, PRESETS, verdicts } from "../../bench/grid-cells";

describe("cellsOf", () => {
  it("runs every cell by default: the two targets and duds × bounce × signal × hours", () => {
    assert.equal(cellsOf("all").length, 34);
    assert.deepEqual(
      cellsOf("targets").map((c) => c.name),
      ["24h", "8h-cold"],
    );
    assert.equal(PRESETS.grid?.length, 32);
  });

  it("filters a preset, or every cell, by key=value", () => {
    assert.deepEqual(
      cellsOf("grid,hours=8,duds=0.35,signal=none").map((c) => c.name),
      ["grid-8h-duds0.35-bounce-on-signal-none", "grid-8h-duds0.35-bounce-off-signal-none"],
    );
    assert.deepEqual(
      cellsOf("hours=24").map((c) => c.name),
      ["24h"],
    );
    assert.deepEqual(
      cellsOf("bounce=off,duds=0.05,signal=strong").map((c) => [c.hours, c.bounce, c.reliabilitySignal]),
      [
        [8, false, "strong"],
        [72, false, "strong"],
      ],
    );
  });

  it("refuses an unknown preset or key, two presets, and a filter that selects nothing", () => {
    assert.throws(() => cellsOf("nightly"), /not one of all, targets, grid/);
    assert.throws(() => cellsOf("hours=8,gpu=3060"), /unknown filter gpu=3060/);
    assert.throws(() => cellsOf("grid,targets"), /one preset at most/);
    assert.throws(() => cellsOf("targets,duds=0.35"), /selects no cell/);
  });
});

describe("verdicts", () => {
  const figures = (over: Partial<CellFigures["vastfleet"]> = {}, originalGpd: number | null = 200_000): CellFigures => ({
    vastfleet: { gamesPerDollar: 230_000, ofOracle: 0.97, ofBound: 0.9, producingShare: 0.95, ...over },
    original: originalGpd === null ? null : { gamesPerDollar: originalGpd },
  });
  const day = cellsOf("name=24h")[0];
  const grid = cellsOf("name=grid-72h-duds0.2-bounce-off-signal-none")[0];
  assert.ok(day && grid);

  it("passes at exactly the targets, and fails just under each", () => {
    assert.deepEqual(
      verdicts(day, figures()).map((v) => [v.check, v.ok]),
      [
        ["oracle", true],
        ["bound", true],
        ["delivery", true],
      ],
    );
    assert.deepEqual(
      verdicts(day, figures({ ofOracle: 0.969, ofBound: 0.899, producingShare: 0.949 })).map((v) => v.ok),
      [false, false, false],
    );
  });

  it("judges the grid on beating the original, and a missing figure fails", () => {
    assert.deepEqual(
      verdicts(grid, figures({}, 231_000)).map((v) => [v.check, v.ok, v.value?.toFixed(4)]),
      [
        ["original", false, "0.9957"],
        ["delivery", true, "0.9500"],
      ],
    );
    assert.equal(verdicts(grid, figures({}, null))[0]?.ok, false);
    assert.equal(verdicts(day, figures({ ofOracle: null }))[0]?.ok, false);
  });
});
