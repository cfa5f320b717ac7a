import { describe, expect, it } from "vitest";
import { CSP } from "../../src/api/secure";
import { ADMIN, call, callJson } from "./helpers";

interface OpenApiDoc {
  paths: Record<string, Record<string, { summary?: string; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
}

/** GET /docs: the OpenAPI document as a page, open, with the dashboard's CSP and nothing from elsewhere. */
describe("GET /docs", () => {
  it("shows every documented route with its summary, parameters and answers, without a token", async () => {
    const doc = await callJson<OpenApiDoc>("/openapi.json", { token: null });
    const res = await call("/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = res.text;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(page).toContain(`${method.toUpperCase()} ${path}`);
        if (op.summary)
          expect(page).toContain(
            op.summary.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;"),
          );
      }
    }
    // /scale's query parameter with its bounds, and the config body's fields, uploadInterval's `auto` among them.
    expect(page).toMatch(/<code>n<\/code><\/td><td>query<\/td><td>integer/);
    expect(page).toMatch(/<code>uploadInterval<\/code><\/td><td>&quot;auto&quot; \| integer 60-86400/);
  });

  it("lists the fields of every success answer in JSON", async () => {
    const doc = await callJson<OpenApiDoc>("/openapi.json", { token: null });
    const page = (await call("/docs", { token: null })).text;
    const bare: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const json = Object.entries(op.responses ?? {}).some(([status, r]) => status.startsWith("2") && r.content?.["application/json"]);
        if (!json) continue;
        const id = `${method}-${path.replace(/[^a-z0-9]+/gi, "-")}`;
        const answers =
          page
            .slice(page.indexOf(`<section id="${id}">`))
            .split("</section>")[0]!
            .split("<h3>answers</h3>")[1] ?? "";
        if (!answers.includes("<th>field</th>")) bare.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(bare).toEqual([]);
    // Named schemas are shown by name: /status's fleets are FleetStatus objects.
    expect(page).toMatch(/<code>fleets<\/code><\/td><td>FleetStatus\[\]<\/td>/);
  });

  it("keeps the dashboard's strict CSP: no script, no style, nothing loaded from another origin", async () => {
    const res = await call("/docs", { token: null });
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text).not.toMatch(/<script|<style|<link|style=/i);
    expect(res.text).not.toMatch(/(src|href)="https?:/);
    // The same page with or without a token: it depends on no one's data.
    expect((await call("/docs", { token: ADMIN })).text).toBe(res.text);
  });
});
