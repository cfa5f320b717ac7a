/**
 * The fleet object's SQLite storage: named JSON documents (config overrides, state, lease, last
 * pass) and a bounded event log. A document is written only when its JSON changed, so a quiet
 * fleet writes almost nothing (Free plan: 100,000 rows written a day).
 * @module
 */

import type { z } from "zod";

export const MAX_EVENTS = 5000;

export interface FleetEvent {
  seq: number;
  at: number;
  fleet: string;
  instanceId: number | null;
  label: string | null;
  phase: string | null;
  action: string;
  reason: string;
  ok: boolean;
}

export type NewEvent = Omit<FleetEvent, "seq">;

type Row = Record<string, SqlStorageValue>;

export class FleetStore {
  private readonly cache = new Map<string, string>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS doc (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, fleet TEXT NOT NULL, instance_id INTEGER, label TEXT, phase TEXT, action TEXT NOT NULL, reason TEXT NOT NULL, ok INTEGER NOT NULL)",
    );
    sql.exec("CREATE INDEX IF NOT EXISTS events_at ON events (at)");
  }

  private raw(name: string): string | null {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM doc WHERE name = ?", name).toArray()[0];
    if (row) this.cache.set(name, row.value);
    return row?.value ?? null;
  }

  /** The stored document, or null when absent or no longer fitting its schema (the caller says why). */
  get<S extends z.ZodType>(name: string, schema: S): z.infer<S> | null {
    const read = this.read(name, schema);
    return read.kind === "ok" ? read.value : null;
  }

  /** The stored document with the reason it does not fit its schema, for documents too precious to drop. */
  read<S extends z.ZodType>(
    name: string,
    schema: S,
  ): { kind: "absent" } | { kind: "ok"; value: z.infer<S> } | { kind: "damaged"; text: string; problem: string } {
    const text = this.raw(name);
    if (text === null) return { kind: "absent" };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: "damaged", text, problem: "not JSON" };
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return { kind: "ok", value: parsed.data };
    const issue = parsed.error.issues[0];
    return { kind: "damaged", text, problem: `${issue?.path.map(String).join(".") || "(root)"}: ${issue?.message ?? "invalid"}` };
  }

  has(name: string): boolean {
    return this.raw(name) !== null;
  }

  put(name: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (this.raw(name) === text) return;
    this.sql.exec("INSERT INTO doc (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, text);
    this.cache.set(name, text);
  }

  delete(name: string): void {
    this.sql.exec("DELETE FROM doc WHERE name = ?", name);
    this.cache.delete(name);
  }

  append(events: NewEvent[]): void {
    for (const e of events) {
      this.sql.exec(
        "INSERT INTO events (at, fleet, instance_id, label, phase, action, reason, ok) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        e.at,
        e.fleet,
        e.instanceId,
        e.label,
        e.phase,
        e.action,
        e.reason.slice(0, 1000),
        e.ok ? 1 : 0,
      );
    }
    if (events.length > 0) this.sql.exec("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", MAX_EVENTS);
  }

  /** Newest first. */
  events(limit: number, since: number | null): FleetEvent[] {
    const rows = this.sql.exec<Row>("SELECT * FROM events WHERE at >= ? ORDER BY seq DESC LIMIT ?", since ?? 0, limit).toArray();
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      fleet: String(r.fleet),
      instanceId: r.instance_id === null ? null : Number(r.instance_id),
      label: r.label === null ? null : String(r.label),
      phase: r.phase === null ? null : String(r.phase),
      action: String(r.action),
      reason: String(r.reason),
      ok: Number(r.ok) === 1,
    }));
  }

  clear(): void {
    this.sql.exec("DELETE FROM doc");
    this.sql.exec("DELETE FROM events");
    this.cache.clear();
  }
}
