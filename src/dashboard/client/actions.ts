/**
 * A fleet's action forms (scale, up, pause, resume, roll, down, block host) and the one-line
 * answers they show. Disabled for the read token; the API refuses it anyway.
 * @module
 */
import { api, expired, type Params, why } from "./api";
import { fill, h, type Kids } from "./dom";
import type { Section } from "./sections";
import { isAdmin, session } from "./session";
import type { DashboardRoutes, PauseBody, ReplaceBody, ScaleBody, UpBody } from "./types";

export function buildActions(s: Section): HTMLDivElement {
  const fleet = s.name;
  const disabled = !isAdmin();
  const upN = h("input", {
    type: "number",
    min: 1,
    max: 1000,
    step: 1,
    value: 1,
    required: true,
    name: "n",
    "aria-label": "workers to add",
    disabled,
  });
  const downBtn = h("button", { type: "submit", class: "danger", disabled: true, "data-action": "down", text: "Down" });
  const blockMine = h("input", { type: "checkbox", name: "fleetOnly", disabled });
  s.confirm.addEventListener("input", () => {
    downBtn.disabled = s.confirm.value !== fleet || !isAdmin();
  });

  /** A form that calls `route` with `params()` (null sends nothing) and says what `done` makes of the answer. */
  function form<R extends keyof DashboardRoutes>(
    route: R,
    kids: Kids[],
    params: () => Params | null,
    done: (b: DashboardRoutes[R]) => string,
    json?: () => Record<string, unknown>,
  ): HTMLFormElement {
    const f = h("form", null, kids);
    const button = f.querySelector("button");
    // The submit button names the action: the route's path would not ("hosts/{machineId}").
    const action = button?.getAttribute("data-action") ?? route;
    f.setAttribute("data-action", action);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const q = params();
      if (!q) return;
      if (button) button.disabled = true;
      say(s, "", `${action}: working…`);
      const r = await api(route, q, json?.());
      if (button && isAdmin() && action !== "down") button.disabled = false;
      if (expired(r)) return;
      if (!r.ok) return say(s, "bad", `${action} refused: ${why(r)}`);
      say(s, "good", done(r.body));
      if (action === "down") s.confirm.value = "";
      await session.refresh();
    });
    return f;
  }

  const box = h(
    "div",
    { class: "actions" },
    form(
      "POST /scale",
      [h("label", { text: "Target" }), s.n, h("button", { type: "submit", "data-action": "scale", disabled, text: "Scale" })],
      () => ({ fleet, n: s.n.value }),
      (b) => passLine(b, `target set to ${b.target}`),
    ),
    form(
      "POST /up",
      [h("label", { text: "Add" }), upN, s.gpu, h("button", { type: "submit", "data-action": "up", disabled, text: "Up" })],
      () => ({ fleet, n: upN.value, gpu: s.gpu.value }),
      (b) => passLine(b, `added ${b.added}${b.gpu ? ` on ${b.gpu}` : ""}`),
    ),
    form(
      "POST /pause",
      [
        h("button", { type: "submit", class: "secondary", "data-action": "pause", disabled, text: "Pause" }),
        h("span", { class: "muted", text: "autonomous actions" }),
      ],
      () => ({ fleet }),
      paused,
    ),
    form(
      "POST /resume",
      [h("button", { type: "submit", class: "secondary", "data-action": "resume", disabled, text: "Resume" })],
      () => ({ fleet }),
      paused,
    ),
    form(
      "POST /roll",
      [s.roll, s.rollNote],
      () => ({ fleet, cancel: s.roll.getAttribute("data-cancel") }),
      (b) => {
        if (b.rolling)
          return `Fleet ${b.fleet} rolling: ${b.remaining} worker(s) to replace, one at a time, each after its replacement runs.`;
        // A cancel answers with no pass; a start that found nothing to roll answers with one.
        return b.report === null
          ? `Fleet ${b.fleet}: roll cancelled; workers already replaced stay, the others keep running.`
          : `Fleet ${b.fleet}: no worker to roll.`;
      },
    ),
    form(
      "POST /down",
      [s.confirm, downBtn],
      () => (s.confirm.value === fleet ? { fleet, confirm: s.confirm.value } : null),
      (b) =>
        b.confirmed
          ? `Fleet ${b.fleet} down: destroyed ${b.destroyed.length} instance(s)${b.errors.length ? `; errors: ${b.errors.join("; ")}` : "."}`
          : b.message,
    ),
    form(
      "PUT /hosts/{machineId}",
      [
        h("label", { text: "Block host" }),
        s.blockId,
        s.blockWhy,
        h("label", null, blockMine, " this fleet only"),
        h("button", { type: "submit", class: "secondary", "data-action": "block", disabled, text: "Block" }),
      ],
      () => ({ fleet, machineId: s.blockId.value }),
      (b) => {
        s.blockId.value = "";
        s.blockWhy.value = "";
        const scope = b.scope === "account" ? "for every fleet" : `for fleet ${b.fleet}`;
        return `Host ${b.blocked} blocked ${scope} until forgotten; a worker running there stays.`;
      },
      () => ({ reason: s.blockWhy.value, scope: blockMine.checked ? "fleet" : "account" }),
    ),
  );
  if (!isAdmin())
    box.appendChild(h("p", { class: "muted", text: "Signed in with the read token: actions need the admin token (API_TOKEN)." }));
  return box;
}

/** Shows the outcome of an action under the fleet's card. */
export function say(s: Section, tone: "" | "good" | "bad", text: string): void {
  s.msg.className = tone ? `msg ${tone}` : "msg";
  fill(s.msg, text);
}

/** What a pass that an action ran did, in one line. */
export function passLine(b: ScaleBody | UpBody | ReplaceBody, head: string): string {
  const counts = new Map<string, number>();
  for (const a of b.report.actions) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  const did = [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "nothing to do yet";
  const held = b.report.held;
  return `Fleet ${b.fleet}: ${head}; this pass: ${did}${held.length ? `; held: ${held.join("; ")}` : ""}.`;
}

function paused(b: PauseBody): string {
  return `Fleet ${b.fleet}${b.paused ? " paused: no autonomous actions until resumed." : " resumed."}`;
}
