/**
 * The fleet's three figure panels, as /status reports them: money and output (spent, games
 * delivered and games per dollar today, over 24 hours and in total), credit and runway, and the
 * learner (its step, the examples repo's last commit, Hugging Face holds and alerts).
 * @module
 */
import { h, fill } from "./dom";
import { ago, int, num, perHour, usd, when } from "./format";
import type { Section } from "./sections";
import type { FleetStatus } from "./types";

type Figures = Pick<FleetStatus, "money" | "credit" | "learner">;

export function renderPanels(s: Section, f: Figures & { now: number }): void {
  renderMoney(s, f.money);
  renderCredit(s, f.credit, f.now);
  renderLearner(s, f.learner, f.now);
}

function renderMoney(s: Section, m: Figures["money"]): void {
  const windows = ["today", "last24h", "total"] as const;
  const row = (name: string, key: string, text: (w: (typeof windows)[number]) => string) =>
    h(
      "tr",
      null,
      h("th", { scope: "row", text: name }),
      windows.map((w) => h("td", { class: "num", "data-figure": `${key}-${w}`, text: text(w) })),
    );
  fill(
    s.money,
    h("h4", { text: "Money and output" }),
    h(
      "table",
      null,
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th"),
          h("th", { class: "num", text: "today" }),
          h("th", { class: "num", text: "24 h" }),
          h("th", { class: "num", title: `since ${when(m.since)}`, text: "total" }),
        ),
      ),
      h(
        "tbody",
        null,
        row("spent", "spent", (w) => usd(m.spent[w])),
        row("games", "games", (w) => int(m.games[w])),
        row("games per $", "gpd", (w) => int(m.gamesPerDollar[w])),
      ),
    ),
  );
}

function renderCredit(s: Section, c: Figures["credit"], now: number): void {
  const low = c.runwayHours !== null && c.alertBelowHours !== null && c.runwayHours < c.alertBelowHours;
  s.credit.classList.toggle("bad", low);
  fill(
    s.credit,
    h("h4", { text: "Credit and runway" }),
    h(
      "dl",
      null,
      h("dt", { text: "balance" }),
      h("dd", { "data-figure": "balance", title: c.at === null ? null : `read ${when(c.at)}`, text: usd(c.balance) }),
      h("dt", { text: "burning" }),
      h("dd", { "data-figure": "burn", text: perHour(c.burnPerHour) }),
      h("dt", { text: "runway" }),
      h("dd", {
        "data-figure": "runway",
        class: low ? "bad" : null,
        text: c.runwayHours === null ? "—" : `${num(c.runwayHours, 1)} h at this burn`,
      }),
      h("dt", { text: "alert below" }),
      h("dd", { "data-figure": "alert-below", text: c.alertBelowHours === null ? "no alert" : `${num(c.alertBelowHours, 0)} h` }),
      h("dt", { text: "read" }),
      h("dd", { text: c.at === null ? "never" : ago(c.at, now) }),
    ),
  );
}

function renderLearner(s: Section, l: Figures["learner"], now: number): void {
  const moved = l.stepMovedAt;
  const commit = l.examplesCommitAt;
  fill(
    s.learner,
    h("h4", { text: "The learner" }),
    h(
      "dl",
      null,
      h("dt", { text: "step" }),
      h("dd", { "data-figure": "step", text: l.step === null ? "—" : String(l.step) }),
      h("dt", { text: "last moved" }),
      h("dd", { "data-figure": "step-moved", title: moved === null ? null : when(moved), text: moved === null ? "—" : ago(moved, now) }),
      h("dt", { text: "examples commit" }),
      h(
        "dd",
        { "data-figure": "examples-commit", title: commit === null ? null : when(commit) },
        commit === null ? "—" : ago(commit, now),
        l.examplesCommit ? h("code", { class: "commit", text: ` ${l.examplesCommit.slice(0, 8)}` }) : null,
      ),
      h("dt", { text: "HF hold" }),
      h("dd", { "data-figure": "hold", class: l.hold ? "bad" : null, text: l.hold ?? "none" }),
    ),
    l.alerts.length
      ? h(
          "ul",
          { class: "alerts" },
          l.alerts.map((a) => h("li", { text: a })),
        )
      : null,
  );
}
