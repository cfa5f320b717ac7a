/**
 * A fleet's head: its badges, its state in a line, what needs attention, and its headline figures.
 * @module
 */
import { fill, h, stat } from "./dom";
import { dur, int, num, perDay, perHour } from "./format";
import type { Section } from "./sections";
import { headline, type TradeRole } from "./trades";
import type { FleetStatus } from "./types";

export function renderHead(s: Section, f: FleetStatus, roles: Map<number, TradeRole>): void {
  const firing = f.alerts.firing;
  fill(
    s.head,
    h("h2", { text: f.fleet }),
    f.paused ? h("span", { class: "badge warn", text: "paused" }) : h("span", { class: "badge ok", text: "active" }),
    f.breaker.open
      ? h("span", { class: "badge bad", text: "circuit breaker open" })
      : h("span", { class: "badge ok", text: "breaker closed" }),
    f.launchHold ? h("span", { class: "badge bad", text: "launches held" }) : null,
    f.creditPausedUntil ? h("span", { class: "badge bad", text: "credit low" }) : null,
    firing.length
      ? h("span", { class: "badge bad", text: `${firing.length} alert(s)` })
      : h("span", { class: "badge ok", text: "no alerts" }),
  );

  const lines: string[] = [];
  if (f.breaker.open)
    lines.push(`Circuit breaker open${f.breaker.reason ? `: ${f.breaker.reason}` : ""} (${f.breaker.failures} failed launches in a row).`);
  if (f.launchHold) lines.push(`Launches held: ${f.launchHold}`);
  if (f.creditPausedUntil) lines.push(`Launches paused for low credit for ${dur((f.creditPausedUntil - f.now) / 1000)}.`);
  for (const e of f.configErrors) lines.push(`Config error: ${e}`);
  for (const a of firing) lines.push(`Alert: ${a.title} (for ${dur((f.now - a.since) / 1000)})`);
  if (f.alerts.slackError) lines.push(f.alerts.slackError);
  for (const e of f.lastPass?.errors ?? []) lines.push(`Last pass: ${e}`);
  const p = f.pending;
  const facts = [
    f.lastPass ? `Last pass ${dur((f.now - f.lastPass.at) / 1000)} ago, ${f.lastPass.actions.length} action(s).` : "No pass has run yet.",
    p.launches + p.destroys + p.upgrades ? `Pending: ${p.launches} launch, ${p.destroys} destroy, ${p.upgrades} upgrade.` : "",
    f.blockedHosts ? `${f.blockedHosts} host(s) blocked.` : "",
    f.roll ? `Rolling: ${f.roll.remaining} worker(s) started before it left.` : "",
    !f.breaker.open && f.breaker.failures ? `Breaker closed, ${f.breaker.failures} failed launch(es) in a row.` : "",
  ];
  fill(
    s.state,
    h("p", { class: "muted", text: facts.filter(Boolean).join(" ") }),
    lines.length
      ? h(
          "ul",
          { class: "alerts" },
          lines.map((l) => h("li", { text: l })),
        )
      : null,
  );

  const t = f.totals;
  fill(
    s.totals,
    stat(headline(f, roles), "workers", `${t.instances} instance(s) billed`, true),
    stat(perHour(t.dph), "spending now"),
    stat(perDay(t.dpd), "at this rate"),
    stat(num(t.gamesPerSec, 1), "games / s"),
    stat(int(t.gamesPerDollar), "games per $ now"),
  );
  if (document.activeElement !== s.n && !s.n.value) s.n.value = f.target === null ? "" : String(f.target);
  s.roll.textContent = f.roll ? "Cancel roll" : "Roll";
  s.roll.setAttribute("data-cancel", f.roll ? "1" : "");
  s.rollNote.textContent = f.roll ? `${f.roll.remaining} worker(s) left to roll` : "new instances for all, one at a time";
}
