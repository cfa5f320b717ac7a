/**
 * A worker's recent log lines (GET /instances/{id}/logs, redacted by the API), one click from its
 * row, with refresh. The lines are untrusted text: they go in with textContent only.
 * @module
 */
import { api, expired, why } from "./api";
import { fill, h } from "./dom";
import type { Section } from "./sections";

const TAIL = 200;

export async function openLogs(s: Section, id: number, label: string): Promise<void> {
  const body = h("pre", { class: "log", tabindex: 0, text: "loading…" });
  const refresh = h("button", { type: "button", class: "secondary", "data-action": "logs-refresh", text: "refresh" });
  const close = h("button", { type: "button", class: "secondary", "data-action": "logs-close", text: "close" });
  const status = h("span", { class: "muted" });
  s.logs.hidden = false;
  s.logs.setAttribute("data-id", String(id));
  fill(s.logs, h("div", { class: "section-head" }, h("h3", { text: `Logs: ${label} #${id}` }), status, refresh, close), body);
  const load = async (): Promise<void> => {
    refresh.disabled = true;
    const r = await api("GET /instances/{id}/logs", { id, fleet: s.name, tail: TAIL });
    refresh.disabled = false;
    if (expired(r)) return;
    if (!r.ok) {
      body.textContent = `could not read the logs: ${why(r)}`;
      return;
    }
    body.textContent = r.body.text ?? "Vast has no logs for this instance yet.";
    status.textContent = `last ${TAIL} lines, read ${new Date().toLocaleTimeString()}`;
    body.scrollTop = body.scrollHeight;
  };
  refresh.addEventListener("click", () => void load());
  close.addEventListener("click", () => {
    s.logs.hidden = true;
    s.logs.removeAttribute("data-id");
    fill(s.logs);
  });
  s.logs.scrollIntoView({ block: "nearest" });
  await load();
}
