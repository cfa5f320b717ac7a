import { describe, expect, it } from "vitest";
import { CreateResponse, InstancesPage, LogsResponse, Offer, OffersResponse, ShowInstanceResponse, User } from "../../src/vast/schemas";
import { MAX_LISTED, MIN_LISTED } from "../../src/sim/catalog";
import { DEFAULT_CREDIT } from "../../src/sim/state";
import { harness, ORIGIN } from "./helpers";

describe("simulator wire format (vast-api.md)", () => {
  it("refuses requests without a bearer key", async () => {
    const h = harness();
    const res = await h.call("GET", "/api/v0/users/current/", undefined, {});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "auth_error", msg: "Invalid user key" });
    expect((await h.call("GET", "/api/v0/users/current/", undefined, { authorization: "Bearer " })).status).toBe(401);
  });

  it("lists every offer of the market to an empty search", async () => {
    const h = harness();
    const all = OffersResponse.parse(await h.data("POST", "/api/v0/bundles/", {}));
    expect(all.offers.length).toBeGreaterThanOrEqual(MIN_LISTED);
    expect(all.offers.length).toBeLessThanOrEqual(MAX_LISTED);
  });

  describe("the fleet's own search", () => {
    /** The query the fleet sends: two models, one GPU, under $0.09/h, at least 8 GB, cheapest first, 10 rows. */
    const fleetSearch = async () =>
      (
        await harness().data<{ offers: Record<string, unknown>[] }>("POST", "/api/v0/bundles", {
          verified: { eq: true },
          external: { eq: false },
          rentable: { eq: true },
          rented: { eq: false },
          gpu_name: { in: ["RTX 3060", "RTX 3070"] },
          num_gpus: { eq: "1" },
          dph_total: { lte: "0.09" },
          gpu_ram: { gte: "8000.0" },
          order: [["dph_total", "asc"]],
          type: "on-demand",
          limit: 10,
          allocated_storage: 5.0,
        })
      ).offers;

    it("answers some offers, at most the limit", async () => {
      const offers = await fleetSearch();
      expect(offers.length).toBeGreaterThan(0);
      expect(offers.length).toBeLessThanOrEqual(10);
    });

    it("gives each offer Vast's field names", async () => {
      for (const o of await fleetSearch()) {
        for (const f of [
          "id",
          "machine_id",
          "host_id",
          "gpu_name",
          "num_gpus",
          "gpu_ram",
          "gpu_total_ram",
          "dph_total",
          "dph_base",
          "reliability2",
          "geolocation",
          "inet_down",
          "cuda_max_good",
          "rentable",
          "rented",
        ]) {
          expect(o).toHaveProperty(f);
        }
      }
    });

    it("honours the filters: spaced GPU names, one GPU, the price cap, MB of RAM, a country code", async () => {
      for (const o of await fleetSearch()) {
        const offer = Offer.parse(o);
        expect(["RTX 3060", "RTX 3070"]).toContain(offer.gpu_name);
        expect(offer.num_gpus).toBe(1);
        expect(offer.dph_total).toBeLessThanOrEqual(0.09);
        expect(offer.gpu_ram).toBe(offer.gpu_name === "RTX 3060" ? 12288 : 8192);
        expect(offer.geolocation).toMatch(/, [A-Z]{2}$/);
      }
    });

    it("orders them cheapest first", async () => {
      const prices = (await fleetSearch()).map((o) => o.dph_total as number);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
    });
  });

  it("filters on eq and gte", async () => {
    const h = harness();
    const eq = await h.data<{ offers: { gpu_name: string }[] }>("POST", "/api/v0/bundles/", { gpu_name: { eq: "RTX 3090" } });
    expect(eq.offers.every((o) => o.gpu_name === "RTX 3090")).toBe(true);
    const big = await h.data<{ offers: { gpu_ram: number }[] }>("POST", "/api/v0/bundles/", { gpu_ram: { gte: 20000 } });
    expect(big.offers.length).toBeGreaterThan(0);
    expect(big.offers.every((o) => o.gpu_ram >= 20000)).toBe(true);
  });

  // create_instance.yaml's 404 example: error invalid_args, no_such_ask only in msg.
  it("rents an offer: new_contract, the offer leaves the market, and a second rent is the documented 404", async () => {
    const h = harness();
    const { id, offer, res } = await h.launch();
    expect(res.status).toBe(200);
    expect(CreateResponse.parse(res.body).new_contract).toBe(id);
    const again = await h.call("PUT", `/api/v0/asks/${offer.id}/`, { image: "x" });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({
      success: false,
      error: "invalid_args",
      msg: `error 404/3603: no_such_ask Instance type by id ${offer.id} is not available.`,
    });
    const { offers } = await h.data<{ offers: { id: number; machine_id: number }[] }>("POST", "/api/v0/bundles/", {});
    expect(offers.some((o) => o.machine_id === offer.machine_id)).toBe(false);
    await h.call("DELETE", `/api/v0/instances/${id}/`, {});
    const back = await h.data<{ offers: { id: number; machine_id: number }[] }>("POST", "/api/v0/bundles/", {});
    const relisted = back.offers.find((o) => o.machine_id === offer.machine_id);
    expect(relisted).toBeDefined();
    expect(relisted?.id).not.toBe(offer.id);
  });

  // "Creating instances with the API": env is a dict, ports as "-p …": "1" keys; a docker-flag string "isn't taking effect".
  it("sets env (port mappings included) from the dict form only, and echoes it as extra_env pairs", async () => {
    const h = harness();
    await h.control({
      faultRates: {
        stuck_boot: 0,
        no_cuda: 0,
        oom: 0,
        crash: 0,
        stall: 0,
        hf_auth: 0,
        launch_broken: 0,
        oci_error: 0,
        offline: 0,
        slow_setup: 0,
      },
    });
    const { id } = await h.launch(undefined, 3, { env: { HF_TOKEN: "hf_abc", WORKER_ID: "worker-vast-3", "-p 8080:8080": "1" } });
    expect((await h.show(id))?.extra_env).toEqual([
      ["HF_TOKEN", "hf_abc"],
      ["WORKER_ID", "worker-vast-3"],
      ["-p 8080:8080", "1"],
    ]);
    const flags = await h.launch(undefined, 4, { env: "-e HF_TOKEN=hf_abc -e WORKER_ID=worker-vast-4 -p 8080:8080" });
    expect((await h.show(flags.id))?.extra_env).toEqual([]);
    // Without the token the worker's uploads are refused, as on a real host that never got it.
    await h.advance(3600);
    expect(await h.logs(flags.id, 400)).toMatch(/Upload failed \(401 Client Error/);
  });

  it("shows one instance under the plural key, null when missing, with Vast's field names and units", async () => {
    const h = harness();
    const { id, offer } = await h.launch();
    await h.advance(600);
    const raw = (await h.data("GET", `/api/v0/instances/${id}/`)) as { instances: Record<string, unknown> };
    const inst = ShowInstanceResponse.parse(raw).instances;
    expect(inst?.id).toBe(id);
    expect(inst?.actual_status).toBe("running");
    expect(inst?.intended_status).toBe("running");
    expect(inst?.label).toBe("zeb-worker-vast-0");
    expect(inst?.machine_id).toBe(offer.machine_id);
    expect(inst?.gpu_name).toBe(offer.gpu_name);
    expect(inst?.dph_total).toBe(offer.dph_total);
    expect(inst?.ssh_host).toMatch(/^ssh\d\.vast\.ai$/);
    expect(typeof inst?.ssh_port).toBe("number");
    const clock = await h.data<{ now_ms: number }>("GET", "/__sim/clock");
    expect(inst?.start_date).toBeCloseTo((clock.now_ms - 600_000) / 1000, 0);
    for (const f of [
      "cur_state",
      "next_state",
      "status_msg",
      "host_id",
      "num_gpus",
      "gpu_ram",
      "gpu_totalram",
      "image_uuid",
      "onstart",
      "extra_env",
      "ports",
    ]) {
      expect(raw.instances).toHaveProperty(f);
    }
    expect(raw.instances.gpu_totalram).toBe(raw.instances.gpu_ram);
    expect(await h.data("GET", "/api/v0/instances/1/")).toEqual({ instances: null });
  });

  describe("the v1 list, with 30 instances of which 3 unlabelled", () => {
    /** 30 healthy instances, the first three created with an empty label. */
    const thirty = async () => {
      const h = harness();
      await h.control({
        credit: 10_000,
        faultRates: {
          stuck_boot: 0,
          no_cuda: 0,
          oom: 0,
          crash: 0,
          stall: 0,
          hf_auth: 0,
          launch_broken: 0,
          oci_error: 0,
          offline: 0,
          slow_setup: 0,
        },
      });
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) ids.push((await h.launch(undefined, i, i < 3 ? { label: "" } : {})).id);
      return { h, ids };
    };

    it('pages by 25 with next_token, counting every instance and the unlabelled ones under ""', async () => {
      const { h, ids } = await thirty();
      const seen: number[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const q: string = token ? `&after_token=${encodeURIComponent(token)}` : "";
        const raw = await h.data<Record<string, unknown>>("GET", `/api/v1/instances/?limit=${encodeURIComponent(JSON.stringify(100))}${q}`);
        const page = InstancesPage.parse(raw);
        expect(page.instances.length).toBeLessThanOrEqual(25);
        expect(raw.success).toBe(true);
        expect(raw.total_instances).toBe(30);
        expect(raw.label_counts).toMatchObject({ "": 3, "zeb-worker-vast-3": 1 });
        seen.push(...page.instances.map((i) => i.id));
        token = page.next_token;
        pages++;
      } while (token);
      expect(pages).toBe(2);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it("shows an empty label as null in the v0 list", async () => {
      const { h } = await thirty();
      const unlabelled = await h.data<{ instances: { label: string | null }[] }>("GET", "/api/v0/instances/");
      expect(unlabelled.instances.filter((i) => i.label === null)).toHaveLength(3);
    });

    // show_instances.yaml: instances_found is this page's count, total_instances every match.
    it("counts this page's matches in instances_found and every match in total_instances", async () => {
      const { h } = await thirty();
      const filtered = await h.data<{ instances_found: number }>(
        "GET",
        `/api/v1/instances/?select_filters=${encodeURIComponent(JSON.stringify({ label: { in: ["zeb-worker-vast-5", null] } }))}`,
      );
      expect(filtered.instances_found).toBe(4);
      const first = await h.data<{ instances_found: number; total_instances: number }>("GET", "/api/v1/instances/");
      expect(first).toMatchObject({ instances_found: 25, total_instances: 30 });
    });

    it("answers 400 to a filter on a key it cannot search and to a garbled after_token", async () => {
      const { h } = await thirty();
      const bad = await h.call("GET", `/api/v1/instances/?select_filters=${encodeURIComponent(JSON.stringify({ dph_total: { lte: 1 } }))}`);
      expect(bad.status).toBe(400);
      expect((bad.body as { msg: string }).msg).toBe("dph_total is not a valid search key");
      expect((await h.call("GET", "/api/v1/instances/?after_token=garbage")).status).toBe(400);
    });
  });

  it("destroys one or many, 404s on a missing id, and labels", async () => {
    const h = harness();
    const a = await h.launch(undefined, 0);
    const b = await h.launch(undefined, 1);
    const c = await h.launch(undefined, 2);
    expect(await h.data("PUT", `/api/v0/instances/${a.id}/`, { label: "renamed" })).toEqual({
      success: true,
      msg: `label for ${a.id} set to 'renamed'`,
    });
    expect((await h.show(a.id))?.label).toBe("renamed");
    expect(await h.data("DELETE", `/api/v0/instances/${a.id}/`, {})).toEqual({ success: true });
    const missing = await h.call("DELETE", `/api/v0/instances/${a.id}/`, {});
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, error: "not_found", msg: "Instance not found" });
    expect((await h.call("DELETE", "/api/v0/instances/", { instance_ids: [b.id, c.id] })).status).toBe(200);
    expect((await h.data<{ instances: unknown[] }>("GET", "/api/v0/instances/")).instances).toHaveLength(0);
  });

  it("hands out a log URL that 404s first, then serves plain text without auth", async () => {
    const h = harness();
    const { id } = await h.launch();
    const raw = await h.data("PUT", `/api/v0/instances/request_logs/${id}/`, { tail: "50" });
    const { result_url } = LogsResponse.parse(raw);
    expect(result_url?.startsWith(`${ORIGIN}/__sim/logs/`)).toBe(true);
    const path = (result_url as string).slice(ORIGIN.length);
    expect((await h.call("GET", path, undefined, {})).status).toBe(404);
    const ready = await h.call("GET", path, undefined, {});
    expect(ready.status).toBe(200);
    expect(ready.headers.get("content-type")).toMatch(/^text\/plain/);
    await h.control({ logsNotReadyPolls: 3 });
    const slow = LogsResponse.parse(await h.data("PUT", `/api/v0/instances/request_logs/${id}/`, {})).result_url as string;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.call("GET", slow.slice(ORIGIN.length), undefined, {})).status);
    expect(statuses).toEqual([404, 404, 404, 200]);
  });

  it("keeps every log snapshot a pass asked for at once, past its cap of 50, and drops the extra ones a minute later", async () => {
    const h = harness();
    const { id } = await h.launch();
    const ask = async () =>
      (LogsResponse.parse(await h.data("PUT", `/api/v0/instances/request_logs/${id}/`, {})).result_url as string).slice(ORIGIN.length);
    const status = async (path: string) => {
      await h.call("GET", path, undefined, {});
      return (await h.call("GET", path, undefined, {})).status;
    };
    const paths: string[] = [];
    for (let i = 0; i < 60; i++) paths.push(await ask());
    expect(await status(paths[0]!)).toBe(200);
    expect(await status(paths[59]!)).toBe(200);
    await h.advance(120);
    await ask();
    expect(await status(paths[0]!)).toBe(404);
    expect(await status(paths[59]!)).toBe(200);
  });

  it("reports the user's credit and echoes the key it was called with", async () => {
    const h = harness();
    const raw = await h.data<Record<string, unknown>>("GET", "/api/v0/users/current/");
    expect(raw.api_key).toBe("test-key");
    const user = User.parse(raw);
    expect(user.credit).toBe(DEFAULT_CREDIT);
    expect(user).not.toHaveProperty("api_key");
    for (const f of ["id", "email", "username", "balance"]) expect(raw).toHaveProperty(f);
  });
});
