// The API first: its schemas extend zod when loaded, before any other module builds a schema.
import { api } from "../../src/api/app";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { advance, resetMarket, tick } from "../fleet/harness";
import { ADMIN, call, READ } from "./helpers";

/**
 * Every route's real answer, on the simulator, against the schema its route declares (the one
 * /openapi.json is generated from): it must parse, and hold no key the schema does not name, at any
 * depth. So a field the fleet shell adds without the API's schema fails here (a field it removes or
 * retypes fails tsc, src/api/responses/describes.ts). A last test checks that every documented answer
 * was seen.
 */

type Declared = { schema: z.ZodType | null; text: boolean };

/** "GET /instances/{id}/logs" → status → content type → the declared schema. */
const DECLARED = new Map<string, { pattern: RegExp; responses: Map<string, Map<string, z.ZodType>> }>();
for (const def of api.openAPIRegistry.definitions) {
  if (def.type !== "route") continue;
  const { method, path, responses } = def.route;
  const byStatus = new Map<string, Map<string, z.ZodType>>();
  for (const [status, response] of Object.entries(responses)) {
    const content = "content" in response ? (response.content ?? {}) : {};
    byStatus.set(
      status,
      new Map(
        Object.entries(content).flatMap(([type, media]) =>
          media && "schema" in media && media.schema ? [[type, media.schema as z.ZodType] as const] : [],
        ),
      ),
    );
  }
  const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`);
  DECLARED.set(`${method.toUpperCase()} ${path}`, { pattern, responses: byStatus });
}

/** Answers seen, as "GET /status 200 application/json". */
const seen = new Set<string>();

/** Keys of `sent` that `parsed` (the schema's output, which drops unknown keys) lacks, as paths. */
function unknownKeys(sent: unknown, parsed: unknown, path = "$"): string[] {
  if (Array.isArray(sent)) return sent.flatMap((v, i) => unknownKeys(v, Array.isArray(parsed) ? parsed[i] : undefined, `${path}[${i}]`));
  if (typeof sent !== "object" || sent === null) return [];
  const kept = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return Object.entries(sent).flatMap(([k, v]) =>
    k in kept ? unknownKeys(v, kept[k], `${path}.${k}`) : [`${path}.${k} is not in the schema`],
  );
}

function declared(method: string, path: string, status: number, type: string): Declared {
  const route = [...DECLARED.entries()].find(([name, r]) => name.startsWith(`${method} `) && r.pattern.test(path));
  expect(route, `${method} ${path} is a documented route`).toBeDefined();
  const [name, { responses }] = route!;
  const media = responses.get(String(status));
  expect(media, `${name} documents status ${status}`).toBeDefined();
  const schema = media!.get(type);
  expect(schema, `${name} ${status} documents ${type}`).toBeDefined();
  seen.add(`${name} ${status} ${type}`);
  return { schema: schema ?? null, text: type === "text/plain" };
}

/** Calls a route and holds its answer to the schema declared for its status and content type. */
async function checked<T = Record<string, unknown>>(
  target: string,
  { method = "GET", token = ADMIN, body, status = 200 }: { method?: string; token?: string; body?: unknown; status?: number } = {},
): Promise<T> {
  const res = await call(target, { method, token, body });
  expect(res.status, `${method} ${target}: ${res.text.slice(0, 300)}`).toBe(status);
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
  const path = target.split("?")[0]!;
  const { schema, text } = declared(method, path, status, type);
  if (text) {
    expect(schema?.safeParse(res.text).success, `${method} ${target}: a string`).toBe(true);
    return res.text as T;
  }
  const sent = res.json();
  const parsed = schema!.safeParse(sent);
  expect(parsed.error?.issues ?? [], `${method} ${target}: parses with its declared schema`).toEqual([]);
  expect(unknownKeys(sent, parsed.data), `${method} ${target}: keys the schema does not declare`).toEqual([]);
  return sent as T;
}

interface Status {
  fleets: { instances: { id: number; machineId: number | null; phase: string }[] }[];
}

const FLEET = "resp";

describe("every answer against its declared schema", () => {
  it("creates a fleet and runs it until its workers run, reading it all the way", async () => {
    await resetMarket(7);
    const zeb = await checked<{ config: Record<string, unknown> }>("/fleets/zeb");
    await checked(`/fleets/${FLEET}`, { method: "PUT", body: { ...zeb.config, workers: 0, bounceWindowS: 0, maxConcurrentUpgrades: 0 } });
    await checked(`/scale?fleet=${FLEET}&n=2`, { method: "POST" });
    await checked(`/reconcile?fleet=${FLEET}&dry_run=1`, { method: "POST" });
    for (let minute = 0; minute < 20; minute++) {
      await advance(60);
      await tick();
      const status = await checked<Status>(`/status?fleet=${FLEET}`);
      if (status.fleets[0]!.instances.filter((i) => i.phase === "RUNNING").length === 2) break;
    }
    const status = await checked<Status>("/status");
    expect(status.fleets.find((f) => f.instances.length === 2)?.instances.every((i) => i.phase === "RUNNING")).toBe(true);
    await checked(`/reconcile?fleet=${FLEET}`, { method: "POST" });
    await checked("/status?format=text");
    await checked(`/stats?fleet=${FLEET}`);
    await checked(`/stats?fleet=${FLEET}&format=text`);
    await checked("/metrics", { token: READ });
    await checked("/healthz");
    await checked("/fleets");
    await checked(`/fleets/${FLEET}`);
    await checked(`/history?fleet=${FLEET}`);
    await checked("/whoami");
    await checked("/whoami", { token: READ });
    await checked(`/preflight?fleet=${FLEET}`);
    const { id } = status.fleets.flatMap((f) => f.instances)[0]!;
    await checked(`/instances/${id}/logs?fleet=${FLEET}&tail=5`);
  });

  it("acts on hosts and workers", async () => {
    const [first, second] = (await checked<Status>(`/status?fleet=${FLEET}`)).fleets[0]!.instances;
    const machine = first!.machineId!;
    await checked(`/hosts/${machine}?fleet=${FLEET}`, { method: "PUT", body: { reason: "throttles under load", scope: "fleet" } });
    const hosts = await checked<{ hosts: unknown[] }>(`/hosts?fleet=${FLEET}`);
    expect(hosts.hosts.length).toBeGreaterThan(0);
    await checked(`/hosts/${machine}?fleet=${FLEET}`, { method: "DELETE" });
    await checked(`/pause?fleet=${FLEET}`, { method: "POST" });
    await checked(`/resume?fleet=${FLEET}`, { method: "POST" });
    await advance(60);
    await checked(`/up?fleet=${FLEET}&n=1`, { method: "POST" });
    await checked(`/scale?fleet=${FLEET}&n=2`, { method: "POST" });
    const rolled = await checked<{ rolling: boolean }>(`/roll?fleet=${FLEET}`, { method: "POST" });
    expect(rolled.rolling).toBe(true);
    const cancelled = await checked<{ report: unknown }>(`/roll?fleet=${FLEET}&cancel=1`, { method: "POST" });
    expect(cancelled.report).toBeNull();
    await checked(`/instances/${second!.id}/replace?fleet=${FLEET}`, { method: "POST" });
    await checked(`/events?fleet=${FLEET}&limit=1000`);
  });

  it("takes the fleet down and forgets another", async () => {
    const listed = await checked<{ confirmed: boolean }>(`/down?fleet=${FLEET}`, { method: "POST" });
    expect(listed.confirmed).toBe(false);
    const down = await checked<{ confirmed: boolean }>(`/down?fleet=${FLEET}&confirm=${FLEET}`, { method: "POST" });
    expect(down.confirmed).toBe(true);
    const zeb = await checked<{ config: Record<string, unknown> }>("/fleets/zeb");
    await checked("/fleets/resp-gone", { method: "PUT", body: { ...zeb.config, workers: 0 } });
    await checked("/fleets/resp-gone", { method: "DELETE" });
  });

  it("answers errors in the declared shape too", async () => {
    await checked("/status?fleet=nowhere", { status: 404 });
    await checked("/scale?fleet=zeb&n=-1", { method: "POST", status: 400 });
  });

  it("saw every documented success answer", () => {
    const documented = [...DECLARED.entries()].flatMap(([name, r]) =>
      [...r.responses.entries()].flatMap(([status, media]) =>
        status.startsWith("2") ? [...media.keys()].map((type) => `${name} ${status} ${type}`) : [],
      ),
    );
    expect(documented.length).toBeGreaterThan(25);
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
  });
});
