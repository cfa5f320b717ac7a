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
        responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

/** A schema with its reference to components/schemas followed. */
function resolved(doc: OpenApiDoc, schema: JsonSchema): JsonSchema {
  const name = schema.$ref?.replace("#/components/schemas/", "");
  return name === undefined ? schema : (doc.components?.schemas?.[name] ?? {});
}

/** Whether a JSON schema names fields: properties, or alternatives that each do. */
function namesFields(doc: OpenApiDoc, schema: JsonSchema): boolean {
  const s = resolved(doc, schema);
  const options = s.oneOf ?? s.anyOf;
  if (options) return options.length > 0 && options.every((o) => namesFields(doc, o));
  return Object.keys(s.properties ?? {}).length > 0;
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

  it("describes every success answer: JSON ones by a schema that names their fields, text ones as strings", async () => {
    const doc = await callJson<OpenApiDoc>("/openapi.json");
    const answers = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.responses ?? {})
          .filter(([status]) => status.startsWith("2"))
          .flatMap(([status, r]) =>
            Object.entries(r.content ?? {}).map(([type, media]) => ({ at: `${method} ${path} ${status} ${type}`, type, media })),
          ),
      ),
    );
    expect(answers.length).toBeGreaterThan(25);
    const vague = answers.filter(({ type, media }) =>
      type === "application/json" ? !namesFields(doc, media.schema) : resolved(doc, media.schema).type !== "string",
    );
    expect(vague.map((a) => a.at)).toEqual([]);
    // Every route with a 2xx answer has one (no route answers 2xx with an undocumented body).
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(routes.filter((r) => !answers.some((a) => a.at.startsWith(`${r} 2`)))).toEqual([]);
  });
});
