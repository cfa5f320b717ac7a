/**
 * The workers table: one row per instance (its capacity, on demand or its bid), trade-up pairs
 * marked, with its actions (logs, replace, block host, copy ssh). At phone width each row becomes a
 * labelled card (style.ts).
 * @module
 */
import { passLine, say } from "./actions";
import { api, expired, why } from "./api";
import { fill, h } from "./dom";
import { dur, num, perHour } from "./format";
import { openLogs } from "./logs";
import type { Section } from "./sections";
import { isAdmin, session } from "./session";
import type { TradeRole } from "./trades";
import type { FleetStatus } from "./types";

type Instance = FleetStatus["instances"][number];

const COLS = ["Worker", "Phase", "GPU", "$/h", "capacity", "games/s", "batch", "step", "age", "ssh", ""];
const NUMERIC = new Set(["$/h", "games/s", "batch", "step", "age"]);
const MARK: Record<TradeRole, { text: string; title: string }> = {
  trial: { text: "trial", title: "a trade-up's new instance: it takes the slot once it runs" },
  leaving: { text: "leaving after upload", title: "a trade-up's old instance: it leaves once its games are uploaded" },
};

export function renderWorkers(s: Section, f: FleetStatus, roles: Map<number, TradeRole>): void {
  if (!f.instances.length) {
    fill(s.workers, h("p", { class: "muted", text: `No workers.${f.target ? ` Launching toward ${f.target}.` : ""}` }));
    return;
  }
  const head = h(
    "tr",
    null,
    COLS.map((c) => h("th", { class: NUMERIC.has(c) ? "num" : null, text: c })),
  );
  fill(
    s.workers,
    h(
      "table",
      { class: "cards workers" },
      h("thead", null, head),
      h(
        "tbody",
        null,
        f.instances.map((i) => row(s, i, roles.get(i.id))),
      ),
    ),
  );
}

function row(s: Section, i: Instance, role: TradeRole | undefined): HTMLTableRowElement {
  const cell = (k: number, ...kids: (Node | string | null)[]) =>
    h("td", { class: NUMERIC.has(COLS[k] ?? "") ? "num" : k === COLS.length - 1 ? "acts" : null, "data-label": COLS[k] }, kids);
  return h(
    "tr",
    { "data-id": i.id, "data-phase": i.phase, "data-trade": role ?? null },
    cell(
      0,
      h("span", { class: "label", text: i.label }),
      role ? h("span", { class: `badge trade ${role}`, title: MARK[role].title, text: MARK[role].text }) : null,
      h("span", { class: "muted id", text: ` #${i.id}${i.machineId === null ? "" : ` · machine ${i.machineId}`}` }),
    ),
    cell(1, h("span", { class: `phase phase-${i.phase}`, title: `${i.detail} (for ${dur(i.phaseForS)})`, text: i.phase })),
    cell(2, h("span", { class: "gpu", text: i.gpu ?? "—" })),
    cell(3, perHour(i.dph)),
    // Interruptible workers show the fleet's bid ($/h, without storage): Vast pauses them when outbid.
    cell(4, i.capacity === "interruptible" ? `bid ${i.bid == null ? "—" : `$${i.bid.toFixed(4)}`}` : "on demand"),
    cell(5, num(i.gamesPerSec, 2)),
    cell(6, i.batch === null ? "—" : String(i.batch)),
    cell(7, i.step === null ? "—" : String(i.step)),
    cell(8, dur(i.ageS)),
    cell(9, i.ssh ? sshCell(i.ssh) : "—"),
    cell(10, logsButton(s, i), replaceButton(s, i), i.machineId === null ? null : blockHostButton(s, i.machineId)),
  );
}

/** Open to the read token too: the API redacts the logs and lets any token read them. */
function logsButton(s: Section, i: Instance): HTMLButtonElement {
  const b = h("button", {
    type: "button",
    class: "secondary",
    "data-action": "logs",
    title: "show this worker's recent log lines",
    text: "logs",
  });
  b.addEventListener("click", () => void openLogs(s, i.id, i.label));
  return b;
}

/** The runbook's "destroy it, then vast_up.sh 1" for one worker, after a confirmation: its unsent games are lost. */
function replaceButton(s: Section, i: Instance): HTMLButtonElement {
  const b = h("button", {
    type: "button",
    class: "secondary",
    "data-action": "replace",
    disabled: !isAdmin(),
    title: "destroy this worker now and launch a replacement",
    text: "replace",
  });
  b.addEventListener("click", async () => {
    if (!confirm(`Replace ${i.label} (#${i.id})? It is destroyed now, with the games it has not uploaded, and its slot refilled.`)) return;
    b.disabled = true;
    const r = await api("POST /instances/{id}/replace", { id: i.id, fleet: s.name });
    if (expired(r)) return;
    if (!r.ok) {
      say(s, "bad", `replace refused: ${why(r)}`);
      b.disabled = !isAdmin();
      return;
    }
    say(s, "good", passLine(r.body, `${i.label} (#${r.body.replaced}) replaced`));
    await session.refresh();
  });
  return b;
}

/** Fills the block form with the row's machine and asks for the reason: the scope and reason stay the operator's. */
function blockHostButton(s: Section, machineId: number): HTMLButtonElement {
  const b = h("button", {
    type: "button",
    class: "secondary",
    "data-action": "block-host",
    disabled: !isAdmin(),
    title: `fill the Block host form with machine ${machineId}`,
    text: "block host",
  });
  b.addEventListener("click", () => {
    s.blockId.value = String(machineId);
    s.blockWhy.scrollIntoView({ block: "center" });
    s.blockWhy.focus();
  });
  return b;
}

function sshCell(cmd: string): HTMLSpanElement {
  const code = h("code", { title: cmd, text: cmd });
  const b = h("button", { type: "button", class: "secondary", title: "copy the ssh command", text: "copy" });
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(cmd);
      b.textContent = "copied";
    } catch {
      b.textContent = "select";
      getSelection()?.selectAllChildren(code);
    }
    setTimeout(() => {
      b.textContent = "copy";
    }, 1500);
  });
  return h("span", { class: "ssh" }, code, b);
}
