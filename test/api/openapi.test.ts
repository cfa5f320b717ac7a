import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { SHELL_PATHS } from "../../src/dashboard/routes";
import { callJson } from "./helpers";

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: unknown } }> };
      }
    >
  >;
}

describe("/openapi.json", () => {
  it("is OpenAPI 3.x and lists every route the app serves", async () => {
    const doc = await callJson<OpenApiDoc>("/openapi.json", { token: "test-read-token-SECRET" });
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    // The dashboard's page and static assets are not API: left out of the document on purpose.
    const api = app.routes.filter(
      (r) => r.method !== "ALL" && r.path !== "/openapi.json" && r.path !== "/docs" && !SHELL_PATHS.includes(r.path),
    );
    const served = [...new Set(api.map((r) => `${r.method} ${r.path}`))];
    expect(documented.sort()).toEqual(served.sort());
  });

  it("is generated from the validation schemas: parameters and the strict config body", async () => {
    const doc = await callJson<OpenApiDoc>("/openapi.json");
    const scale = doc.paths["/scale"]?.post;
    expect(scale?.parameters?.map((p) => p.name).sort()).toEqual(["fleet", "n"]);
    const body = doc.paths["/fleets/{fleet}"]?.put?.requestBody?.content["application/json"]?.schema;
    expect(Object.keys(body?.properties ?? {})).toEqual(expect.arrayContaining(["workers", "maxDph", "gpus", "uploadInterval"]));
    expect(body?.additionalProperties).toBe(false);
  });
});
