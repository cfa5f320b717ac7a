import { describe, expect, it } from "vitest";
import { version } from "../../package.json";
import { createVastClient, SEARCH_ROW_CAP, type VastClientOptions } from "../../src/vast/client";
import { VastError } from "../../src/vast/errors";
import { BASE, instanceRow, json, KEY, listingMarket, offerRow, scripted, sleeps, standIn, text } from "./standin";

const client = (fetch: VastClientOptions["fetch"], extra: Partial<VastClientOptions> = {}) =>
  createVastClient({ baseUrl: BASE, apiKey: KEY, fetch, sleep: sleeps().sleep, ...extra });

/** The fleet's search settings; each test overrides what it is about. */
const QUERY = { gpuNames: ["RTX 3060"], maxDph: 0.05, diskGb: 15, minDurationH: 0, minCuda: 0, limit: 5 };

describe("searchOffers", () => {
  it("sends the CLI's query shape with spaced GPU names and returns the validated offers", async () => {
    const vast = scripted(() => json({ offers: [offerRow(7, "RTX 3060 Ti", 0.071), offerRow(9, "RTX 3070", 0.08)] }));
    const offers = await client(vast.fetch).searchOffers({
      gpuNames: ["RTX_3060_Ti", "RTX 3070"],
      maxDph: 0.09,
      minGpuRamMb: 8000,
      diskGb: 40,
      minDurationH: 24,
      minCuda: 12.1,
      limit: 64,
    });

    expect(offers.map((o) => [o.id, o.gpu_name, o.dph_total])).toEqual([
      [7, "RTX 3060 Ti", 0.071],
      [9, "RTX 3070", 0.08],
    ]);
    expect(offers[0]?.geolocation).toBe("Quebec, CA");
    const [req] = vast.seen;
    expect(req?.endpoint).toBe("POST /api/v0/bundles/");
    expect(req?.url.href).toBe(`${BASE}/api/v0/bundles/`);
    expect(req?.auth).toBe(`Bearer ${KEY}`);
    expect(req?.body).toEqual({
      verified: { eq: true },
      external: { eq: false },
      rentable: { eq: true },
      rented: { eq: false },
      num_gpus: { eq: 1 },
      gpu_name: { in: ["RTX 3060 Ti", "RTX 3070"] },
      dph_total: { lte: 0.09 },
      gpu_ram: { gte: 8000 },
      duration: { gte: 86_400 },
      cuda_max_good: { gte: 12.1 },
      order: [["dph_total", "asc"]],
      type: "on-demand",
      limit: 64,
      allocated_storage: 40,
    });
  });

  it("a bid search that includes the account's machines leaves out the rented filter", async () => {
    const vast = scripted(() => json({ offers: [] }));
    await client(vast.fetch).searchOffers({ ...QUERY, type: "bid", includeRented: true });
    expect(vast.seen[0]?.body).toMatchObject({ type: "bid", rentable: { eq: true } });
    expect(vast.seen[0]?.body).not.toHaveProperty("rented");
  });

  // The cap: vast-api.md §10 (another Vast client's observation); the field units: search_offers.yaml.
  it("asks for no more than SEARCH_ROW_CAP rows, and leaves out the duration and CUDA filters at 0", async () => {
    const vast = scripted(() => json({ offers: [] }));
    await client(vast.fetch).searchOffers({ ...QUERY, limit: 500 });
    expect(SEARCH_ROW_CAP).toBe(64);
    expect(vast.seen[0]?.body).toMatchObject({ limit: SEARCH_ROW_CAP, allocated_storage: 15 });
    expect(vast.seen[0]?.body).not.toHaveProperty("duration");
    expect(vast.seen[0]?.body).not.toHaveProperty("cuda_max_good");
  });

  // vast.py `search__offers` drops rows marked rented after the search; the client keeps them, so the
  // pass can tell a search that filled its 64 rows (the ranking drops them: test/reconcile/offers.test.ts).
  it("keeps every row Vast sent, rented ones included, and reads their rented flag", async () => {
    const vast = scripted(() =>
      json({
        offers: [
          { ...offerRow(1, "RTX 3060", 0.05), rented: true },
          offerRow(2, "RTX 3060", 0.051),
          { ...offerRow(3, "RTX 3060", 0.052), rented: null },
        ],
      }),
    );
    expect((await client(vast.fetch).searchOffers(QUERY)).map((o) => [o.id, o.rented])).toEqual([
      [1, true],
      [2, false],
      [3, null],
    ]);
  });

  it.each([0, undefined])("leaves out the gpu_ram filter when minGpuRamMb is %s", async (minGpuRamMb) => {
    const vast = scripted(() => json({ offers: [] }));
    const q = minGpuRamMb === undefined ? QUERY : { ...QUERY, minGpuRamMb };
    expect(await client(vast.fetch).searchOffers(q)).toEqual([]);
    expect(vast.seen[0]?.body).not.toHaveProperty("gpu_ram");
  });
});

describe("createInstance", () => {
  const body = {
    image: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
    disk: 15,
    label: "zeb-worker-vast-3",
    env: { ZEB_SLOT: "3", "-p 8080:8080": "1" },
    onstart: "bash /root/onstart.sh",
    runtype: "ssh" as const,
  };

  // create_instance.yaml `cancel_unavail`; vast-cli `vastai/api/client.py` sends a User-Agent of its own.
  it("PUTs the ask with cancel_unavail and our User-Agent, and returns new_contract as the id", async () => {
    const vast = scripted(() => json({ success: true, new_contract: 1_234_568, instance_api_key: "container-key" }));
    expect(await client(vast.fetch).createInstance(4242, body)).toEqual({ id: 1_234_568 });
    expect(vast.seen[0]?.endpoint).toBe("PUT /api/v0/asks/4242/");
    expect(vast.seen[0]?.body).toEqual({ client_id: "me", ...body, price: null, cancel_unavail: true });
    expect(vast.seen[0]?.userAgent).toBe(`vastfleet/${version}`);
  });

  // create_instance.yaml: "410 Offer no longer available (when cancel_unavail is true and instance cannot start)".
  it("reads the 410 no_such_ask that cancel_unavail answers as offer_gone", async () => {
    const vast = scripted(() => json({ success: false, error: "no_such_ask", msg: "Instance type by id 4242 is not available." }, 410));
    const err = await client(vast.fetch)
      .createInstance(4242, body)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastError);
    expect((err as VastError).kind).toBe("offer_gone");
    expect(vast.seen).toHaveLength(1);
  });

  it.each([
    ["400 JSON", () => json({ success: false, error: "invalid_args", msg: "Your account lacks credit to rent this instance." }, 400)],
    ["402 plain text", () => text("error: user lacks credit", 402)],
    ["200 with success:false", () => json({ success: false, msg: "Account lacks credit" })],
  ])("turns 'lacks credit' (%s) into a lacks_credit error, without retrying", async (_name, answer) => {
    const vast = scripted(answer);
    const err = await client(vast.fetch)
      .createInstance(1, body)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastError);
    expect(err).toMatchObject({ kind: "lacks_credit", endpoint: "PUT /api/v0/asks/1/" });
    expect(vast.seen).toHaveLength(1);
  });

  it.each([
    // docs.vast.ai, "create instance": the documented 404 names the reason only in msg.
    [
      "the documented 404 invalid_args",
      404,
      { success: false, error: "invalid_args", msg: "error 404/3603: no_such_ask Instance type by id 5 is not available." },
    ],
    ["a 400 with msg no_such_ask", 400, { success: false, msg: "no_such_ask" }],
    ["a 404 with error no_such_ask", 404, { success: false, error: "no_such_ask", msg: "Instance type by id 5 is not available." }],
  ])("reports an offer someone else took (%s) as offer_gone, without retrying", async (_name, status, answer) => {
    const vast = scripted(() => json(answer, status));
    await expect(client(vast.fetch).createInstance(5, body)).rejects.toMatchObject({
      kind: "offer_gone",
      status,
      message: expect.stringContaining("offer 5 is no longer available"),
    });
    expect(vast.seen).toHaveLength(1);
  });

  it("reads Vast's CLI wording 'Insufficient credits' as lacks_credit", async () => {
    const vast = scripted(() => json({ success: false, error: "insufficient_credit", msg: "Insufficient credits" }, 400));
    await expect(client(vast.fetch).createInstance(5, body)).rejects.toMatchObject({ kind: "lacks_credit" });
  });
});

describe("listInstances", () => {
  it("follows next_token across pages of 25 and keeps null labels as null", async () => {
    const rows = Array.from({ length: 61 }, (_, i) => instanceRow(1000 + i, i % 4 === 0 ? null : `zeb-worker-vast-${i}`));
    const vast = listingMarket(rows);
    const wait = sleeps();
    const got = await client(vast.fetch, { sleep: wait.sleep }).listInstances();
    // Vast allows a list call a second: each next page waits for it.
    expect(wait.calls).toEqual([1000, 1000]);

    expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(got.filter((r) => r.label === null)).toHaveLength(16);
    expect(got[1]?.label).toBe("zeb-worker-vast-1");
    expect(got[0]?.status_msg).toBe("success, running pytorch/pytorch_2.6.0-cuda12.6-cudnn9-runtime/ssh");
    expect(got[0]?.gpu_name).toBe("RTX 3060 Ti");
    expect(vast.seen.map((s) => [s.endpoint, s.url.searchParams.get("limit"), s.url.searchParams.get("after_token")])).toEqual([
      ["GET /api/v1/instances/", "25", null],
      ["GET /api/v1/instances/", "25", "tok_25"],
      ["GET /api/v1/instances/", "25", "tok_50"],
    ]);
    expect(vast.seen.every((s) => s.auth === `Bearer ${KEY}` && s.body === undefined)).toBe(true);
  });

  it("returns an empty fleet from a single empty page", async () => {
    const vast = listingMarket([]);
    expect(await client(vast.fetch).listInstances()).toEqual([]);
    expect(vast.seen).toHaveLength(1);
  });

  // vast-cli `_fetch_all_instances_v1`: `rows.extend(data.get("instances") or [])`.
  it.each([
    ["instances: null", { success: true, instances_found: 0, total_instances: 0, label_counts: {}, next_token: null, instances: null }],
    ["no instances key", { success: true, next_token: null }],
  ])("reads %s as an empty fleet, as vast-cli does", async (_name, page) => {
    const vast = scripted(() => json(page));
    expect(await client(vast.fetch).listInstances()).toEqual([]);
  });

  it("gives up with an error after 200 pages when next_token never ends", async () => {
    let n = 0;
    const vast = standIn(() => json({ success: true, instances: [instanceRow(++n, null)], next_token: `tok_${n}` }));
    await expect(client(vast.fetch).listInstances()).rejects.toMatchObject({ kind: "malformed", endpoint: "GET /api/v1/instances/" });
    expect(vast.seen).toHaveLength(200);
  });
});

describe("showInstance", () => {
  it("reads the single object under the plural key, asking for owner=me", async () => {
    const vast = scripted(() => json({ instances: instanceRow(77, "zeb-worker-vast-0", { ssh_port: "20077" }) }));
    const got = await client(vast.fetch).showInstance(77);
    expect(got).toMatchObject({ id: 77, label: "zeb-worker-vast-0", ssh_port: 20077 });
    expect(vast.seen[0]?.endpoint).toBe("GET /api/v0/instances/77/");
    expect(vast.seen[0]?.url.searchParams.get("owner")).toBe("me");
  });

  it("returns null when Vast answers instances: null", async () => {
    const vast = scripted(() => json({ instances: null }));
    expect(await client(vast.fetch).showInstance(78)).toBeNull();
  });
});

describe("destroyInstance", () => {
  it("DELETEs with an empty JSON body", async () => {
    const vast = scripted(() => json({ success: true, msg: "destroyed" }));
    expect(await client(vast.fetch).destroyInstance(5)).toBe("destroyed");
    expect(vast.seen[0]).toMatchObject({ endpoint: "DELETE /api/v0/instances/5/", body: {} });
  });

  it("reports Vast's 404 not_found as already gone, without retrying", async () => {
    const vast = scripted(() => json({ success: false, error: "not_found", msg: "Instance not found" }, 404));
    expect(await client(vast.fetch).destroyInstance(6)).toBe("not_found");
    expect(vast.seen).toHaveLength(1);
  });

  it("does not mistake a bare 404 (wrong URL, proxy page) for an instance that is gone", async () => {
    const vast = scripted(() => text("<html>Not Here</html>", 404));
    await expect(client(vast.fetch).destroyInstance(6)).rejects.toMatchObject({ kind: "http", status: 404 });
  });

  it("treats 200 with success:false as a failure", async () => {
    const vast = scripted(() => json({ success: false, msg: "instance is locked" }));
    await expect(client(vast.fetch).destroyInstance(8)).rejects.toMatchObject({
      kind: "http",
      message: expect.stringContaining("instance is locked"),
    });
  });
});

describe("getLogs", () => {
  const resultUrl = "https://s3.amazonaws.com/vast.ai/instance_logs/4f1c2e.log";

  /** request_logs answers with a result_url that 404s `notReady` times, then serves the text. */
  function logsMarket(notReady: number) {
    let polls = 0;
    return standIn((s) => {
      if (s.endpoint === "PUT /api/v0/instances/request_logs/31/") {
        return json({ success: true, result_url: resultUrl, msg: "Waiting on logs for instance 31 fetching from host" });
      }
      if (s.url.href === resultUrl) {
        polls++;
        return polls <= notReady
          ? text("<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>", 404)
          : text("step 10 loss 0.12\nNo such container\n", 200);
      }
      return text("unexpected", 500);
    });
  }

  it("polls result_url until it is ready, without sending the key there", async () => {
    const vast = logsMarket(4);
    const wait = sleeps();
    const logs = await client(vast.fetch, { sleep: wait.sleep }).getLogs(31, { tail: 80 });

    expect(logs).toBe("step 10 loss 0.12\nNo such container\n");
    const [request, ...polls] = vast.seen;
    expect(request).toMatchObject({ endpoint: "PUT /api/v0/instances/request_logs/31/", body: { tail: "80" }, auth: `Bearer ${KEY}` });
    expect(polls).toHaveLength(5);
    expect(polls.every((p) => p.method === "GET" && p.url.href === resultUrl && p.auth === null)).toBe(true);
    expect(wait.calls).toEqual([300, 300, 300, 300, 300]);
  });

  // vast.py `logs`: `for i in range(0, 30): time.sleep(0.3)`, about 9 s before giving up.
  it("by default waits as long as vast-cli: 30 polls 0.3 s apart", async () => {
    const vast = logsMarket(Number.POSITIVE_INFINITY);
    const wait = sleeps();
    expect(await client(vast.fetch, { sleep: wait.sleep }).getLogs(31)).toBeNull();
    expect(vast.seen).toHaveLength(1 + 30);
    expect(wait.calls).toEqual(Array.from({ length: 30 }, () => 300));
  });

  it("defaults to tail 50", async () => {
    const vast = logsMarket(0);
    await client(vast.fetch).getLogs(31);
    expect(vast.seen[0]?.body).toEqual({ tail: "50" });
  });

  it("returns null when the file never becomes ready within logsPolls", async () => {
    const vast = logsMarket(Number.POSITIVE_INFINITY);
    const wait = sleeps();
    expect(await client(vast.fetch, { sleep: wait.sleep, logsPolls: 4, logsPollMs: 25 }).getLogs(31)).toBeNull();
    expect(vast.seen).toHaveLength(1 + 4);
    expect(wait.calls).toEqual([25, 25, 25, 25]);
  });

  it("returns null when Vast gives no result_url", async () => {
    const vast = scripted(() => json({ success: true, msg: "no logs" }));
    expect(await client(vast.fetch).getLogs(31)).toBeNull();
  });
});

describe("requestLogs and pollLogs: many workers' logs in one polling budget", () => {
  const urlOf = (id: number) => `https://s3.amazonaws.com/vast.ai/instance_logs/${id}.log`;

  /** Eight workers whose log files are ready after 0 to 7 not-ready polls; counts connections open at once. */
  function manyLogs() {
    const polls = new Map<string, number>();
    let open = 0;
    let peak = 0;
    const market = standIn((s) => {
      const id = /request_logs\/(\d+)\//.exec(s.endpoint)?.[1];
      if (id !== undefined) return json({ success: true, result_url: urlOf(Number(id)) });
      const n = (polls.get(s.url.href) ?? 0) + 1;
      polls.set(s.url.href, n);
      const notReady = Number(/(\d+)\.log$/.exec(s.url.href)?.[1]) - 100;
      return n <= notReady ? text("<Error><Code>NoSuchKey</Code></Error>", 404) : text(`logs of ${s.url.href}`, 200);
    });
    const fetch = async (req: Request): Promise<Response> => {
      open++;
      peak = Math.max(peak, open);
      // Answers arrive later than the request, so the calls of a round overlap as they would on the network.
      await new Promise((r) => setTimeout(r, 1));
      try {
        return await market.fetch(req);
      } finally {
        open--;
      }
    };
    return { fetch, polls, peak: () => peak };
  }

  it("polls every pending file in each round, at most 6 connections at once, and waits about one polling budget in all", async () => {
    const m = manyLogs();
    const wait = sleeps();
    const vast = client(m.fetch, { sleep: wait.sleep });
    const ids = Array.from({ length: 8 }, (_, i) => 100 + i);
    const urls: (string | null)[] = [];
    for (const id of ids) urls.push(await vast.requestLogs(id));
    expect(urls).toEqual(ids.map(urlOf));
    const texts = await vast.pollLogs(urls.filter((u): u is string => u !== null));
    expect([...texts.values()]).toEqual(ids.map((id) => `logs of ${urlOf(id)}`));
    // The slowest file is ready at its 8th poll: 8 rounds in all, not 8 workers × their own polls.
    expect(wait.calls).toEqual(Array.from({ length: 8 }, () => 300));
    expect(ids.map((id) => m.polls.get(urlOf(id)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(m.peak()).toBe(6);
  });

  it("a file never ready is null (unknown) after the budget; the others are read", async () => {
    const m = manyLogs();
    const wait = sleeps();
    const vast = client(m.fetch, { sleep: wait.sleep, logsPolls: 3 });
    const texts = await vast.pollLogs([urlOf(100), urlOf(150)]);
    expect(texts.get(urlOf(100))).toBe(`logs of ${urlOf(100)}`);
    expect(texts.get(urlOf(150))).toBeNull();
    expect(wait.calls).toHaveLength(3);
    expect(m.polls.get(urlOf(100))).toBe(1);
  });

  it("polls nothing and waits nothing for no files", async () => {
    const wait = sleeps();
    expect((await client(manyLogs().fetch, { sleep: wait.sleep }).pollLogs([])).size).toBe(0);
    expect(wait.calls).toEqual([]);
  });
});

describe("setLabel and currentUser", () => {
  it("PUTs the label on the instance", async () => {
    const vast = scripted(() => json({ success: true, msg: "label for 12345 set to 'zeb-worker-vast-2'" }));
    await client(vast.fetch).setLabel(12345, "zeb-worker-vast-2");
    expect(vast.seen[0]).toMatchObject({ endpoint: "PUT /api/v0/instances/12345/", body: { label: "zeb-worker-vast-2" } });
  });

  it("reads credit and drops the api_key the server echoes", async () => {
    const vast = scripted(() =>
      json({ id: 31337, email: "ops@example.com", username: "ops", credit: 25.0, balance: -0.5, can_pay: true, api_key: KEY, sid: "s1" }),
    );
    const user = await client(vast.fetch).currentUser();
    expect(user).toMatchObject({ id: 31337, credit: 25, balance: -0.5 });
    expect(user).not.toHaveProperty("api_key");
    expect(JSON.stringify(user)).not.toContain(KEY);
    expect(vast.seen[0]?.endpoint).toBe("GET /api/v0/users/current/");
  });

  it("sends no Authorization header when no key is configured", async () => {
    const vast = scripted(() => json({ id: 1, credit: 0 }));
    await createVastClient({ baseUrl: "http://vast-simulator", fetch: vast.fetch }).currentUser();
    expect(vast.seen[0]?.auth).toBeNull();
    expect(vast.seen[0]?.url.href).toBe("http://vast-simulator/api/v0/users/current/");
  });
});
