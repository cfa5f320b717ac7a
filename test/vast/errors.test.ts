import { describe, expect, it } from "vitest";
import { createVastClient, type VastClient } from "../../src/vast/client";
import { VastError } from "../../src/vast/errors";
import { BASE, instanceRow, json, KEY, scripted, sleeps, standIn, text } from "./standin";

const make = (...answers: (() => Response | Promise<Response>)[]) =>
  createVastClient({ baseUrl: BASE, apiKey: KEY, fetch: scripted(...answers).fetch, sleep: sleeps().sleep, retries: 1 });

const createBody = { image: "img", disk: 15, label: "zeb-worker-vast-0", env: {}, onstart: "", runtype: "ssh" as const };

describe("malformed responses name the endpoint and the field", () => {
  const rows = Array.from({ length: 5 }, (_, i) => instanceRow(i + 1, null));
  it.each([
    {
      name: "a wrong type deep in a list page",
      answer: () => json({ success: true, next_token: null, instances: rows.map((r, i) => (i === 3 ? { ...r, id: "4" } : r)) }),
      run: (c: VastClient) => c.listInstances(),
      message: "malformed response from GET /api/v1/instances/: instances.3.id: expected number, received string",
      path: "instances.3.id",
    },
    {
      name: "a label of the wrong type on show",
      answer: () => json({ instances: { ...instanceRow(5, null), label: 12 } }),
      run: (c: VastClient) => c.showInstance(5),
      message: "malformed response from GET /api/v0/instances/5/: instances.label: expected string, received number",
      path: "instances.label",
    },
    {
      name: "a create answer without new_contract",
      answer: () => json({ success: true, id: 7 }),
      run: (c: VastClient) => c.createInstance(3, createBody),
      message: "malformed response from PUT /api/v0/asks/3/: new_contract: expected number, received undefined",
      path: "new_contract",
    },
    {
      name: "offers that are not a list",
      answer: () => json({ offers: { id: 1 } }),
      run: (c: VastClient) => c.searchOffers({ gpuNames: ["RTX 3060"], maxDph: 1, diskGb: 15, minDurationH: 0, minCuda: 0, limit: 1 }),
      message: "malformed response from POST /api/v0/bundles/: offers: expected array, received object",
      path: "offers",
    },
    {
      name: "credit sent as a string",
      answer: () => json({ id: 1, credit: "25.00" }),
      run: (c: VastClient) => c.currentUser(),
      message: "malformed response from GET /api/v0/users/current/: credit: expected number, received string",
      path: "credit",
    },
  ])("$name", async ({ answer, run, message, path }) => {
    const err = await run(make(answer)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastError);
    expect(err).toMatchObject({ kind: "malformed", message, path });
  });

  it("reports a 200 that is not JSON", async () => {
    const err = await make(() => text("<html><body>Cloudflare: checking your browser</body></html>", 200))
      .listInstances()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: "malformed",
      endpoint: "GET /api/v1/instances/",
      message: "malformed response from GET /api/v1/instances/: body is not JSON",
    });
  });
});

describe("the API key never leaks", () => {
  /** Every way an error could carry text: message, stack, String(), JSON, own fields. */
  function surfaces(e: unknown): string {
    if (!(e instanceof Error)) return JSON.stringify(e) ?? String(e);
    return [e.message, e.stack ?? "", String(e), JSON.stringify(e), JSON.stringify(Object.entries(e))].join("\n");
  }

  const failing: [string, () => Promise<unknown>][] = [
    ["401 echoing the key", () => make(() => json({ error: "auth_error", msg: `Invalid user key ${KEY}` }, 401)).currentUser()],
    ["plain-text 500 with the key", () => make(() => text(`Traceback: key=${KEY}`, 500)).listInstances()],
    ["a code containing the key", () => make(() => json({ success: false, error: `bad_${KEY}` }, 400)).setLabel(1, "x")],
    ["429 body with the key", () => make(() => text(`API requests too frequent for ${KEY}`, 429)).showInstance(1)],
    ["lacks credit naming the key", () => make(() => text(`key ${KEY} lacks credit`, 402)).createInstance(1, createBody)],
    ["refusal with the key", () => make(() => json({ success: false, msg: `cannot destroy, key ${KEY}` })).destroyInstance(1)],
    ["malformed value equal to the key", () => make(() => json({ id: KEY, credit: 1, api_key: KEY })).currentUser()],
    ["non-JSON body with the key", () => make(() => text(`<pre>${KEY}</pre>`, 200)).currentUser()],
    [
      "a fetch error quoting the key",
      () =>
        createVastClient({
          baseUrl: BASE,
          apiKey: KEY,
          retries: 1,
          fetch: () => Promise.reject(new Error(`connect failed for https://console.vast.ai/?api_key=${KEY}`)),
        }).listInstances(),
    ],
  ];

  it.each(failing)("in errors: %s", async (_name, run) => {
    const err = await run().then(
      () => new Error("expected a failure"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VastError);
    expect(surfaces(err)).not.toContain(KEY);
    expect(surfaces(err)).not.toContain("SECRET");
  });

  it("in returned data, even in fields the schemas pass through", async () => {
    const user = await make(() => json({ id: 9, credit: 3.5, api_key: KEY, note: `key is ${KEY}` })).currentUser();
    const rows = await make(() =>
      json({
        success: true,
        next_token: null,
        instances: [instanceRow(1, null, { status_msg: `export VAST_KEY=${KEY}`, onstart: `export VAST_KEY=${KEY}` })],
      }),
    ).listInstances();
    const fake = standIn((s) =>
      s.method === "PUT"
        ? json({ success: true, result_url: "https://s3.amazonaws.com/vast.ai/instance_logs/a.log" })
        : text(`echo ${KEY}\n`, 200),
    );
    const logs = await createVastClient({ baseUrl: BASE, apiKey: KEY, fetch: fake.fetch, sleep: sleeps().sleep }).getLogs(1);

    expect(user).toMatchObject({ id: 9, credit: 3.5 });
    expect(rows[0]?.status_msg).toBe("export VAST_KEY=[redacted]");
    // A row keeps only the fields vastfleet reads.
    expect(rows[0]).not.toHaveProperty("onstart");
    expect(user).toHaveProperty("note", "key is [redacted]");
    expect(logs).toBe("echo [redacted]\n");
    expect(JSON.stringify([user, rows, logs])).not.toContain(KEY);
  });

  it("in returned data, even when the answer spells the key with JSON escapes", async () => {
    const raw = (body: string) => () => new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
    const page = (status: string) =>
      `{"success":true,"next_token":null,"instances":[${JSON.stringify(instanceRow(1, null, { status_msg: "@" })).replace('"@"', status)}]}`;
    const unicode = `\\u${KEY.charCodeAt(0).toString(16).padStart(4, "0")}${KEY.slice(1)}`;
    const [spelled] = await make(raw(page(`"export VAST_KEY=${unicode}\\n# done"`))).listInstances();
    expect(spelled?.status_msg).toBe("export VAST_KEY=[redacted]\n# done");

    // A key with a slash, which JSON may write as `\/`; and an answer without the key decodes as it is.
    const slashed = "vast/key/SECRET";
    const client = createVastClient({
      baseUrl: BASE,
      apiKey: slashed,
      fetch: scripted(raw(page(`"k=vast\\/key\\/SECRET\\tend"`)), raw(page(`"a\\/b\\nc"`))).fetch,
      sleep: sleeps().sleep,
      retries: 1,
    });
    expect((await client.listInstances())[0]?.status_msg).toBe("k=[redacted]\tend");
    expect((await client.listInstances())[0]?.status_msg).toBe("a/b\nc");
  });
});
