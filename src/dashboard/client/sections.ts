/**
 * A fleet's card: built once per fleet, so that typed input, an open log and the chosen chart
 * window survive the refreshes that fill it.
 * @module
 */
import { buildActions } from "./actions";
import type { ChartMemory } from "./chart";
import { $, fill, h } from "./dom";
import { isAdmin, session } from "./session";

export type ChartWindow = "24h" | "7d";

export interface Section {
  name: string;
  /** The fleet's GPU models for the up form, once GET /fleets/{fleet} said. */
  gpus: string[] | null;
  root: HTMLElement;
  head: HTMLDivElement;
  state: HTMLDivElement;
  totals: HTMLDivElement;
  money: HTMLDivElement;
  credit: HTMLDivElement;
  learner: HTMLDivElement;
  workers: HTMLDivElement;
  logs: HTMLElement;
  chartWindow: ChartWindow;
  chartMemory: ChartMemory;
  chartsTitle: HTMLHeadingElement;
  charts: HTMLDivElement;
  value: HTMLDivElement;
  events: HTMLUListElement;
  eventsLimit: number;
  hosts: HTMLDivElement;
  msg: HTMLParagraphElement;
  /** The scale form's target. */
  n: HTMLInputElement;
  /** The up form's GPU model. */
  gpu: HTMLSelectElement;
  /** The down form's fleet name. */
  confirm: HTMLInputElement;
  /** Starts a roll, or cancels the one under way (data-cancel). */
  roll: HTMLButtonElement;
  rollNote: HTMLSpanElement;
  /** The block form's machine, filled by a worker row's "block host". */
  blockId: HTMLInputElement;
  blockWhy: HTMLInputElement;
}

export const EVENTS_PAGE = 12;

const sections = new Map<string, Section>();

export function forgetSections(): void {
  for (const s of sections.values()) s.root.remove();
  sections.clear();
}

/** Removes the cards of fleets the API no longer lists. */
export function keepOnly(names: string[]): void {
  for (const [name, s] of sections) {
    if (names.includes(name)) continue;
    s.root.remove();
    sections.delete(name);
  }
}

export function sectionFor(name: string): Section {
  return sections.get(name) ?? buildSection(name);
}

function buildSection(name: string): Section {
  const disabled = !isAdmin();
  const windowSwitch = h("div", { class: "switch", role: "group", "aria-label": "chart window" });
  const s: Section = {
    name,
    gpus: null,
    root: h("section", { class: "card fleet", "data-fleet": name }),
    head: h("div", { class: "fleet-head" }),
    state: h("div"),
    totals: h("div", { class: "stats" }),
    money: h("div", { class: "panel money", "aria-label": "money and output" }),
    credit: h("div", { class: "panel credit", "aria-label": "credit and runway" }),
    learner: h("div", { class: "panel learner", "aria-label": "the learner" }),
    workers: h("div", { class: "scroll" }),
    logs: h("section", { class: "logs", "aria-label": "worker logs", hidden: true }),
    chartWindow: "24h",
    chartMemory: new Map(),
    chartsTitle: h("h3", { text: "Last 24 hours" }),
    charts: h("div", { class: "charts" }),
    value: h("div", { class: "scroll" }),
    events: h("ul", { class: "events" }),
    eventsLimit: EVENTS_PAGE,
    hosts: h("div", { class: "scroll" }),
    msg: h("p", { class: "msg", role: "status", "aria-live": "polite" }),
    n: h("input", { type: "number", min: 0, max: 1000, step: 1, required: true, name: "n", "aria-label": "target workers", disabled }),
    gpu: h("select", { name: "gpu", "aria-label": "GPU model", disabled }, h("option", { value: "", text: "any GPU" })),
    confirm: h("input", {
      type: "text",
      name: "confirm",
      placeholder: `type ${name} to confirm`,
      "aria-label": "fleet name to confirm down",
      autocomplete: "off",
      spellcheck: "false",
      disabled,
    }),
    roll: h("button", { type: "submit", class: "secondary", "data-action": "roll", disabled, text: "Roll" }),
    rollNote: h("span", { class: "muted", text: "new instances for all, one at a time" }),
    blockId: h("input", {
      type: "number",
      min: 1,
      step: 1,
      required: true,
      name: "machineId",
      placeholder: "machine",
      "aria-label": "machine to block",
      disabled,
    }),
    blockWhy: h("input", {
      type: "text",
      required: true,
      maxlength: 200,
      name: "reason",
      placeholder: "why",
      "aria-label": "why block it",
      disabled,
    }),
  };
  for (const w of ["24h", "7d"] as const) {
    const b = h("button", { type: "button", class: "secondary", "data-window": w, "aria-pressed": w === s.chartWindow, text: w });
    b.addEventListener("click", () => {
      s.chartWindow = w;
      for (const other of windowSwitch.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === b));
      void session.refresh();
    });
    windowSwitch.appendChild(b);
  }
  const more = h("button", { type: "button", class: "link", "data-action": "more-events", text: "more" });
  more.addEventListener("click", () => {
    s.eventsLimit = Math.min(1000, s.eventsLimit * 4);
    void session.refresh();
  });
  fill(
    s.root,
    s.head,
    s.state,
    s.totals,
    h("div", { class: "panels" }, s.money, s.credit, s.learner),
    h("h3", { text: "Workers" }),
    s.workers,
    s.logs,
    h("div", { class: "section-head" }, s.chartsTitle, windowSwitch),
    s.charts,
    h(
      "div",
      { class: "cols" },
      h("div", null, h("h3", { text: "GPU value" }), s.value),
      h("div", null, h("h3", { text: "Hosts with strikes" }), s.hosts),
    ),
    h("h3", { text: "Recent events" }),
    s.events,
    h("p", { class: "more" }, more),
    h("h3", { text: "Actions" }),
    buildActions(s),
    s.msg,
  );
  $("fleets").appendChild(s.root);
  sections.set(name, s);
  return s;
}
