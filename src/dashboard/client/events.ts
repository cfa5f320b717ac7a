/**
 * The fleet's recent events: relative times, the absolute one on hover, and a "more" link that asks
 * GET /events for a longer list.
 * @module
 */
import { fill, h } from "./dom";
import { ago, when } from "./format";
import type { Section } from "./sections";
import type { FleetEvent } from "./types";

export function renderEvents(s: Section, events: FleetEvent[], now: number): void {
  fill(
    s.events,
    events.length
      ? events.map((e) =>
          h(
            "li",
            { class: e.ok ? null : "failed" },
            h("time", { class: "when", datetime: new Date(e.at).toISOString(), title: when(e.at), text: ago(e.at, now) }),
            h("span", { class: "act", text: e.action + (e.ok ? "" : " ✗") }),
            h("span", { class: "why", text: (e.label ? `${e.label}: ` : "") + e.reason }),
          ),
        )
      : h("li", { class: "muted", text: "No events yet." }),
  );
  // No "more" once the list is shorter than asked: there is nothing older.
  const more = s.root.querySelector<HTMLElement>("p.more");
  if (more) more.hidden = events.length < s.eventsLimit || s.eventsLimit >= 1000;
}
