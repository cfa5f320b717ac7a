/**
 * What `npx vastfleet` prints for each command's JSON answer: the fields a person reads, as tables
 * laid out like `/status?format=text` (src/format.ts textTable). Each answer is checked with zod
 * first: a body that is not the route's is an error, not a half-printed table.
 * @module
 */

import { z } from "zod";
import { type TextColumn, textTable } from "../format";
import { formatPreflight, readAnswer } from "../preflight/cli";
import type { Command, CommandName } from "./args";

const Action = z.looseObject({
  kind: z.string(),
  label: z.string(),
  instanceId: z.number().nullable(),
  ok: z.boolean(),
  reason: z.string(),
  error: z.string().nullable(),
});
type Action = z.infer<typeof Action>;
const Report = z.looseObject({ actions: z.array(Action), held: z.array(z.string()), errors: z.array(z.string()) });
const Listed = z.looseObject({ id: z.number(), label: z.string(), gpu: z.string().nullable(), status: z.string().nullable() });
type Listed = z.infer<typeof Listed>;
const Event = z.looseObject({
  at: z.number(),
  action: z.string(),
  label: z.string().nullable(),
  phase: z.string().nullable(),
  ok: z.boolean(),
  reason: z.string(),
});
type Event = z.infer<typeof Event>;
const Host = z.looseObject({
  machineId: z.number(),
  gpu: z.string().nullable(),
  gamesPerSec: z.number().nullable(),
  strikes: z.number(),
  blocked: z.boolean(),
  reason: z.string().nullable(),
  sharedFrom: z.string().nullable(),
});
type Host = z.infer<typeof Host>;

const ANSWERS = {
  scale: z.looseObject({ fleet: z.string(), target: z.number(), report: Report }),
  up: z.looseObject({ fleet: z.string(), added: z.number(), gpu: z.string().nullable(), report: Report }),
  down: z.discriminatedUnion("confirmed", [
    z.looseObject({ fleet: z.string(), confirmed: z.literal(true), destroyed: z.array(z.number()), errors: z.array(z.string()) }),
    z.looseObject({ fleet: z.string(), confirmed: z.literal(false), wouldDestroy: z.array(Listed), message: z.string() }),
  ]),
  pause: z.looseObject({ fleet: z.string(), paused: z.boolean() }),
  resume: z.looseObject({ fleet: z.string(), paused: z.boolean() }),
  events: z.looseObject({ fleet: z.string(), events: z.array(Event) }),
  logs: z.looseObject({ id: z.number(), label: z.string(), text: z.string().nullable() }),
  hosts: z.looseObject({ fleet: z.string(), hosts: z.array(Host) }),
} satisfies Partial<Record<CommandName, z.ZodType>>;

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
function report(r: z.infer<typeof Report>): string[] {
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
      return parsed(ANSWERS.scale, json, (a) => [`${a.fleet}: target ${a.target}`, ...report(a.report)]);
    case "up":
      return parsed(ANSWERS.up, json, (a) => [`${a.fleet}: ${a.added} added${a.gpu ? ` on ${a.gpu}` : ""}`, ...report(a.report)]);
    case "down":
      return parsed(ANSWERS.down, json, (a) =>
        a.confirmed
          ? [
              `${a.fleet}: target 0, ${a.destroyed.length} instance(s) destroyed${a.destroyed.length ? `: ${a.destroyed.join(", ")}` : ""}`,
              ...a.errors.map((e) => `error: ${e}`),
            ]
          : [...(a.wouldDestroy.length ? textTable(LISTED_COLUMNS, a.wouldDestroy) : []), a.message.replace(/confirm=/, "--confirm ")],
      );
    case "pause":
    case "resume":
      return parsed(ANSWERS[command], json, (a) => [`${a.fleet}: ${a.paused ? "paused (no autonomous actions)" : "resumed"}`]);
    case "events":
      return parsed(ANSWERS.events, json, (a) => (a.events.length ? textTable(EVENT_COLUMNS, a.events) : [`${a.fleet}: no events`]));
    case "logs":
      return parsed(ANSWERS.logs, json, (a) => [a.text?.trimEnd() ?? `${a.label} (${a.id}): no logs yet`]);
    case "hosts":
      return parsed(ANSWERS.hosts, json, (a) => (a.hosts.length ? textTable(HOST_COLUMNS, a.hosts) : [`${a.fleet}: no host learned yet`]));
  }
}
