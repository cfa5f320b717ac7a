/**
 * What `npx vastfleet` prints for each command's JSON answer: the fields a person reads, as tables
 * laid out like `/status?format=text` (src/format.ts textTable). Each answer is checked first with
 * the schema the API declares for it (src/api/responses/): a body that is not the route's is an
 * error, not a half-printed table.
 * @module
 */

import type { z } from "zod";
import { DownBody, PauseBody, ScaleBody, UpBody } from "../api/responses/actions";
import { EventsBody, type FleetEvent } from "../api/responses/events";
import { LogsBody } from "../api/responses/fleets";
import type { ActionRecord, PassReport } from "../api/responses/report";
import { HostsBody, type HostRow } from "../api/responses/stats";
import { type TextColumn, textTable } from "../format";
import { formatPreflight, readAnswer } from "../preflight/cli";
import type { Command, CommandName } from "./args";

type Action = z.infer<typeof ActionRecord>;
type Listed = Extract<z.infer<typeof DownBody>, { confirmed: false }>["wouldDestroy"][number];
type Event = z.infer<typeof FleetEvent>;
type Host = z.infer<typeof HostRow>;

const ACTION_COLUMNS: TextColumn<Action>[] = [
  { title: "Action", cell: (a) => (a.ok ? a.kind : `${a.kind} FAILED`) },
  { title: "Label", cell: (a) => a.label },
  { title: "ID", right: true, cell: (a) => (a.instanceId === null ? "-" : String(a.instanceId)) },
  { title: "Reason", cell: (a) => (a.error ? `${a.reason}: ${a.error}` : a.reason) },
];

const LISTED_COLUMNS: TextColumn<Listed>[] = [
  { title: "Label", cell: (i) => i.label },
  { title: "GPU", cell: (i) => (i.gpu ?? "-").replace(/ /g, "_") },
  { title: "Status", cell: (i) => i.status ?? "-" },
  { title: "ID", right: true, cell: (i) => String(i.id) },
];

const EVENT_COLUMNS: TextColumn<Event>[] = [
  { title: "Time (UTC)", cell: (e) => new Date(e.at).toISOString().slice(0, 19).replace("T", " ") },
  { title: "Action", cell: (e) => (e.ok ? e.action : `${e.action} FAILED`) },
  { title: "Label", cell: (e) => e.label ?? "-" },
  { title: "Phase", cell: (e) => e.phase ?? "-" },
  { title: "Reason", cell: (e) => e.reason },
];

const HOST_COLUMNS: TextColumn<Host>[] = [
  { title: "Machine", right: true, cell: (h) => String(h.machineId) },
  { title: "GPU", cell: (h) => (h.gpu ?? "-").replace(/ /g, "_") },
  { title: "games/s", right: true, cell: (h) => (h.gamesPerSec === null ? "-" : h.gamesPerSec.toFixed(1)) },
  { title: "Strikes", right: true, cell: (h) => h.strikes.toFixed(1) },
  { title: "Blocked", cell: (h) => (h.blocked ? (h.sharedFrom ? `yes (${h.sharedFrom})` : "yes") : "no") },
  { title: "Reason", cell: (h) => h.reason ?? "-" },
];

/** A pass's actions, then what held it back and what failed. */
function report(r: z.infer<typeof PassReport>): string[] {
  const lines = r.actions.length > 0 ? textTable(ACTION_COLUMNS, r.actions) : ["no action"];
  return [...lines, ...r.held.map((h) => `held: ${h}`), ...r.errors.map((e) => `error: ${e}`)];
}

export type Rendered = { ok: true; text: string; failed: boolean } | { ok: false; error: string };

/** The text for a 2xx JSON answer; `failed` when the answer says the thing asked for did not hold (a failed preflight). */
export function renderAnswer(command: Command, body: string): Rendered {
  if (command.command === "preflight") {
    const answer = readAnswer(200, body);
    return answer.ok ? { ok: true, text: formatPreflight(answer.value), failed: !answer.value.ok } : answer;
  }
  if (command.command === "status") return { ok: true, text: body.trimEnd(), failed: false };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: `not JSON: ${body.slice(0, 200)}` };
  }
  const lines = linesFor(command.command, json);
  return lines.ok ? { ok: true, text: lines.value.join("\n"), failed: false } : lines;
}

type Lines = { ok: true; value: string[] } | { ok: false; error: string };

function parsed<T>(schema: z.ZodType<T>, json: unknown, view: (value: T) => string[]): Lines {
  const got = schema.safeParse(json);
  if (got.success) return { ok: true, value: view(got.data) };
  const issue = got.error.issues[0];
  return { ok: false, error: `not the answer expected: ${issue?.path.join(".") || "body"}: ${issue?.message}` };
}

function linesFor(command: Exclude<CommandName, "status" | "preflight">, json: unknown): Lines {
  switch (command) {
    case "scale":
      return parsed(ScaleBody, json, (a) => [`${a.fleet}: target ${a.target}`, ...report(a.report)]);
    case "up":
      return parsed(UpBody, json, (a) => [`${a.fleet}: ${a.added} added${a.gpu ? ` on ${a.gpu}` : ""}`, ...report(a.report)]);
    case "down":
      return parsed(DownBody, json, (a) =>
        a.confirmed
          ? [
              `${a.fleet}: target 0, ${a.destroyed.length} instance(s) destroyed${a.destroyed.length ? `: ${a.destroyed.join(", ")}` : ""}`,
              ...a.errors.map((e) => `error: ${e}`),
            ]
          : [...(a.wouldDestroy.length ? textTable(LISTED_COLUMNS, a.wouldDestroy) : []), a.message.replace(/confirm=/, "--confirm ")],
      );
    case "pause":
    case "resume":
      return parsed(PauseBody, json, (a) => [`${a.fleet}: ${a.paused ? "paused (no autonomous actions)" : "resumed"}`]);
    case "events":
      return parsed(EventsBody, json, (a) => (a.events.length ? textTable(EVENT_COLUMNS, a.events) : [`${a.fleet}: no events`]));
    case "logs":
      return parsed(LogsBody, json, (a) => [a.text?.trimEnd() ?? `${a.label} (${a.id}): no logs yet`]);
    case "hosts":
      return parsed(HostsBody, json, (a) => (a.hosts.length ? textTable(HOST_COLUMNS, a.hosts) : [`${a.fleet}: no host learned yet`]));
  }
}
