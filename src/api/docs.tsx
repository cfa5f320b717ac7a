/**
 * `GET /docs`: the API described for a browser, rendered on the server from the same OpenAPI
 * document `/openapi.json` serves. No script at all, so it keeps the dashboard's strict CSP
 * (`default-src 'none'`) with nothing fetched from a CDN: Swagger UI and Scalar are client-side
 * apps of 1-3 MB that `@hono/swagger-ui` and `@scalar/hono-api-reference` load from jsDelivr.
 * @module
 */

import { z } from "zod";

const Schema = z.record(z.string(), z.unknown());
const Parameter = z
  .object({
    name: z.string(),
    in: z.string(),
    required: z.boolean().optional(),
    description: z.string().optional(),
    schema: Schema.optional(),
  })
  .loose();
const Operation = z
  .object({
    summary: z.string().optional(),
    description: z.string().optional(),
    security: z.array(z.unknown()).optional(),
    parameters: z.array(Parameter).optional(),
    requestBody: z
      .object({ content: z.record(z.string(), z.object({ schema: Schema.optional() }).loose()).optional() })
      .loose()
      .optional(),
    responses: z
      .record(
        z.string(),
        z
          .object({
            description: z.string().optional(),
            content: z.record(z.string(), z.object({ schema: Schema.optional() }).loose()).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();
const METHODS = ["get", "put", "post", "delete", "patch"] as const;
const Doc = z
  .object({
    info: z.object({ title: z.string(), description: z.string().optional() }).loose(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z
      .object({ schemas: z.record(z.string(), Schema).optional() })
      .loose()
      .optional(),
  })
  .loose();

/** A JSON Schema's type in a few words: `integer 1-1000`, `"auto" | integer`, `one of json, text`. */
function typeOf(s: Record<string, unknown> | undefined): string {
  if (!s) return "";
  if (Array.isArray(s.enum)) return s.enum.length === 1 ? JSON.stringify(s.enum[0]) : `one of ${s.enum.map(String).join(", ")}`;
  if ("const" in s) return JSON.stringify(s.const);
  for (const key of ["anyOf", "oneOf"]) {
    const options = s[key];
    if (Array.isArray(options)) return options.map((o) => typeOf(Schema.safeParse(o).data)).join(" | ");
  }
  if (typeof s.$ref === "string") return refName(s.$ref);
  const items = Schema.safeParse(s.items).data;
  if (s.type === "array" && items) {
    const of = typeOf(items);
    return of.includes(" ") ? `(${of})[]` : `${of}[]`;
  }
  const bounds = typeof s.minimum === "number" || typeof s.maximum === "number" ? ` ${s.minimum ?? ""}-${s.maximum ?? ""}` : "";
  return `${Array.isArray(s.type) ? s.type.join(" | ") : String(s.type ?? "any")}${bounds}`;
}

const refName = (ref: string) => ref.replace("#/components/schemas/", "");

/** An answer's fields: its schema, the named one it refers to followed, each alternative of a union in turn. */
function Answer({ schema, named }: { schema: Record<string, unknown>; named: Record<string, Record<string, unknown>> }) {
  const s = typeof schema.$ref === "string" ? (named[refName(schema.$ref)] ?? schema) : schema;
  const options = z.array(Schema).safeParse(s.oneOf ?? s.anyOf).data;
  if (options)
    return (
      <>
        {options.map((o) => (
          <Answer schema={o} named={named} />
        ))}
      </>
    );
  return <Body schema={s} />;
}

function Body({ schema }: { schema: Record<string, unknown> }) {
  const props = Schema.safeParse(schema.properties).data;
  if (!props) return <p>{typeOf(schema)}</p>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return (
    <table>
      <tr>
        <th>field</th>
        <th>type</th>
        <th>required</th>
      </tr>
      {Object.entries(props).map(([name, p]) => (
        <tr>
          <td>
            <code>{name}</code>
          </td>
          <td>{typeOf(Schema.safeParse(p).data)}</td>
          <td>{required.has(name) ? "yes" : ""}</td>
        </tr>
      ))}
    </table>
  );
}

export function docsPage(document: unknown) {
  const doc = Doc.parse(document);
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((m) => {
      const op = Operation.safeParse(item[m]);
      return item[m] !== undefined && op.success
        ? [{ path, method: m.toUpperCase(), op: op.data, id: `${m}-${path.replace(/[^a-z0-9]+/gi, "-")}` }]
        : [];
    }),
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{doc.info.title}</title>
      </head>
      <body>
        <h1>{doc.info.title}</h1>
        <p>{doc.info.description}</p>
        <p>
          Send <code>Authorization: Bearer &lt;token&gt;</code> on every route marked "token": <code>API_TOKEN</code> for everything,{" "}
          <code>API_READ_TOKEN</code> for GET routes. The machine-readable document: <a href="/openapi.json">/openapi.json</a>.
        </p>
        <ul>
          {ops.map((o) => (
            <li>
              <a href={`#${o.id}`}>
                <code>
                  {o.method} {o.path}
                </code>
              </a>{" "}
              {o.op.summary}
            </li>
          ))}
        </ul>
        {ops.map(({ path, method, op, id }) => (
          <section id={id}>
            <h2>
              <code>
                {method} {path}
              </code>
            </h2>
            <p>
              {op.summary} {op.security && op.security.length > 0 ? "(token)" : "(no token)"}
            </p>
            {op.parameters && op.parameters.length > 0 && (
              <table>
                <tr>
                  <th>parameter</th>
                  <th>in</th>
                  <th>type</th>
                  <th>required</th>
                  <th>meaning</th>
                </tr>
                {op.parameters.map((p) => (
                  <tr>
                    <td>
                      <code>{p.name}</code>
                    </td>
                    <td>{p.in}</td>
                    <td>{typeOf(p.schema)}</td>
                    <td>{p.required ? "yes" : ""}</td>
                    <td>{p.description ?? Schema.safeParse(p.schema).data?.description?.toString() ?? ""}</td>
                  </tr>
                ))}
              </table>
            )}
            {Object.entries(op.requestBody?.content ?? {}).map(([type, c]) => (
              <div>
                <h3>body ({type})</h3>
                {c.schema && <Body schema={c.schema} />}
              </div>
            ))}
            <h3>answers</h3>
            <ul>
              {Object.entries(op.responses ?? {}).map(([code, r]) => {
                const json = code.startsWith("2") ? r.content?.["application/json"]?.schema : undefined;
                return (
                  <li>
                    <code>{code}</code> {r.description}
                    {json && <Answer schema={json} named={doc.components?.schemas ?? {}} />}
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </body>
    </html>
  );
}
