/**
 * The fleet's market knowledge as GET /stats says it: games per dollar per GPU model (the runbook's
 * GPU table) and the hosts that failed the fleet, which an admin can forget.
 * @module
 */
import { say } from "./actions";
import { api, expired, why } from "./api";
import { fill, h } from "./dom";
import { ago, int, num, perHour, when } from "./format";
import type { Section } from "./sections";
import { isAdmin, session } from "./session";
import type { FleetStatus, StatsBody } from "./types";

/** Measured (or expected) throughput per GPU model against what the fleet pays for it; the API ranks them. */
export function renderValue(s: Section, stats: StatsBody, f: FleetStatus): void {
  const rows = stats.gpus.filter((g) => g.samples > 0 || g.dph !== null || f.instances.some((i) => i.gpu === g.gpu));
  if (!rows.length) {
    fill(s.value, h("p", { class: "muted", text: "No throughput measured yet." }));
    return;
  }
  const cols = ["GPU", "games/s per worker", "$/h", "games per $", "workers"];
  fill(
    s.value,
    h(
      "table",
      { class: "cards value" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          cols.map((c, k) => h("th", { class: k ? "num" : null, text: c })),
        ),
      ),
      h(
        "tbody",
        null,
        rows.map((g, k) => {
          const measured = g.samples > 0 && g.gamesPerSec !== null;
          return h(
            "tr",
            { class: k === 0 && g.gamesPerDollar ? "best" : null, "data-gpu": g.gpu },
            h("td", { "data-label": cols[0] }, h("span", { class: "gpu", text: g.gpu })),
            h("td", {
              class: "num",
              "data-label": cols[1],
              title: measured ? `${g.samples} samples` : "expected (no measurement yet)",
              text: measured ? num(g.gamesPerSec, 2) : `${num(g.expected, 2)} est.`,
            }),
            h("td", { class: "num", "data-label": cols[2], text: perHour(g.dph) }),
            h("td", { class: "num", "data-label": cols[3], text: int(g.gamesPerDollar) }),
            h("td", { class: "num", "data-label": cols[4], text: String(f.instances.filter((i) => i.gpu === g.gpu).length) }),
          );
        }),
      ),
    ),
  );
}

/** The hosts this fleet has struck or blocked, and why. */
export function renderHosts(s: Section, hosts: StatsBody["hosts"], now: number): void {
  const struck = hosts.filter((x) => x.blocked || x.strikes > 0);
  if (!struck.length) {
    fill(s.hosts, h("p", { class: "muted", text: "No host has failed this fleet." }));
    return;
  }
  const cols = ["Host", "GPU", "strikes", "", "last", "why", ""];
  fill(
    s.hosts,
    h(
      "table",
      { class: "cards hosts" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          cols.map((c, k) => h("th", { class: k === 2 || k === 4 ? "num" : null, text: c })),
        ),
      ),
      h(
        "tbody",
        null,
        struck.map((x) => {
          const forget = h("button", {
            type: "button",
            class: "secondary",
            "data-action": "forget",
            disabled: !isAdmin(),
            title: "forget this host's record",
            text: "forget",
          });
          forget.addEventListener("click", () => void forgetHost(s, x.machineId, forget));
          return h(
            "tr",
            { "data-machine": x.machineId },
            h("td", { "data-label": "machine_id", text: String(x.machineId) }),
            h("td", { "data-label": cols[1] }, h("span", { class: "gpu", text: x.gpu ?? "—" })),
            h("td", { class: "num", "data-label": cols[2], text: num(x.strikes, 2) }),
            h(
              "td",
              { "data-label": "status" },
              x.blocked ? h("span", { class: "badge bad", text: "blocked" }) : h("span", { class: "badge warn", text: "struck" }),
            ),
            h("td", {
              class: "num",
              "data-label": cols[4],
              title: x.lastStrikeAt ? when(x.lastStrikeAt) : null,
              text: x.lastStrikeAt ? ago(x.lastStrikeAt, now) : "—",
            }),
            h("td", { "data-label": cols[5], text: x.reason ?? "—" }),
            h("td", { "data-label": "" }, forget),
          );
        }),
      ),
    ),
  );
}

async function forgetHost(s: Section, machineId: number, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const r = await api("DELETE /hosts/{machineId}", { machineId, fleet: s.name });
  if (expired(r)) return;
  if (!r.ok) {
    say(s, "bad", `forget refused: ${why(r)}`);
    button.disabled = !isAdmin();
    return;
  }
  say(s, "good", `Host ${machineId} forgotten: it may be rented again.`);
  await session.refresh();
}
