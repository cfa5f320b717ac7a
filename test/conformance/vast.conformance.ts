/**
 * Conformance of the served simulator (`npm run sim`) with Vast.ai as Vast documents it and as
 * Vast's own CLI calls it. Each case sends exactly the request the CLI builds for one command the
 * fleet relies on (./cli.ts) and checks the answer against the documented shape and the CLI's own
 * parsing of it. Sources, named per case:
 *   CLI:  vast-ai/vast-cli @ 55679830 (the `vastai` command: vastai/cli, vastai/api)
 *   DOCS: vast-ai/docs @ c6246226, the pages of https://docs.vast.ai/api-reference/ built from
 *         api-reference/openapi/yaml/<name>.yaml
 * Run: `npm run test:conformance`.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { type Cli, plainGet, pollResultUrl, PyFloat, pyDumps, type PyValue, type Reply, vastCli } from "./cli";
import { type Served, startSim } from "./server";
import { DEFAULTS } from "../../src/config/fleet";
import { onstartScript } from "../../src/reconcile/launch";

/** The script the fleet itself sends: the simulator runs it as a host would, so the worker starts and logs. */
const FLEET_ONSTART = onstartScript(DEFAULTS);

const IMAGE = "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime";

/** The documented error body (DOCS rate-limits-and-errors.mdx, "Error Responses"). */
const ErrorBody = z.object({ success: z.literal(false).optional(), error: z.string(), msg: z.string() }).loose();

const Offer = z
  .object({
    id: z.number().int(),
    machine_id: z.number().int(),
    gpu_name: z.string(),
    num_gpus: z.number(),
    gpu_ram: z.number(),
    dph_total: z.number(),
  })
  .loose();

/**
 * A row as the CLI reads it: `duration = time.time() - row['start_date']` and
 * `{env_var[0]: env_var[1] for env_var in row['extra_env']}` (CLI vastai/api/instances.py
 * show_instance, show_instances) need a number and a list of pairs; the rest is DOCS show_instances.yaml.
 */
const InstanceRow = z
  .object({
    id: z.number().int(),
    start_date: z.number(),
    extra_env: z.array(z.tuple([z.string(), z.string()])),
    actual_status: z.string().nullable(),
    label: z.string().nullable(),
    machine_id: z.number().int(),
    gpu_name: z.string(),
    dph_total: z.number(),
    image_uuid: z.string(),
    onstart: z.string().nullable(),
    disk_space: z.number(),
  })
  .loose();

/** DOCS show_instances.yaml; `instances` may be null or empty: the CLI reads `data.get("instances") or []`. */
const InstancesPage = z
  .object({
    instances: z.array(InstanceRow).nullable(),
    next_token: z.string().nullable(),
    instances_found: z.number().int(),
    total_instances: z.number().int(),
    label_counts: z.record(z.string(), z.number().int()),
  })
  .loose();

function body<S extends z.ZodType>(reply: Reply, schema: S): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(reply.text);
  } catch {
    assert.fail(`not JSON (${reply.status}): ${reply.text.slice(0, 300)}\nsent: ${reply.sent}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    assert.fail(`unexpected shape (${reply.status}): ${z.prettifyError(parsed.error)}\nbody: ${reply.text.slice(0, 500)}`);
  return parsed.data;
}

function expectStatus(reply: Reply, status: number): void {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status}: ${reply.text.slice(0, 300)}\nsent: ${reply.sent}`);
}

/** The body `vastai create instance ID --image IMAGE [...]` sends (CLI vastai/cli/commands/instances.py create_instance_impl). */
function createBody(opts: { env?: Record<string, string>; disk?: number; label?: string; onstart?: string; bidPrice?: number }): PyValue {
  return {
    client_id: "me",
    image: IMAGE,
    env: opts.env ?? {},
    // --bid_price: an interruptible instance at that bid (vast.py create__instance `"price": args.bid_price`).
    price: opts.bidPrice === undefined ? null : new PyFloat(opts.bidPrice),
    disk: new PyFloat(opts.disk ?? 10),
    label: opts.label ?? null,
    extra: null,
    onstart: opts.onstart ?? null,
    image_login: null,
    python_utf8: false,
    lang_utf8: false,
    use_jupyter_lab: false,
    jupyter_dir: null,
    force: false,
    cancel_unavail: false,
    template_hash_id: null,
    user: null,
    // get_runtype: no --ssh, --jupyter or --args gives plain "ssh".
    runtype: "ssh",
  };
}

/** `vastai show instances --raw --limit N [--next-token T]`: one page, filters and order as JSON strings. */
function showInstancesPage(cli: Cli, limit: number, token?: string): Promise<Reply> {
  const query: [string, PyValue][] = [
    ["select_filters", pyDumps({})],
    ["order_by", pyDumps([{ col: "id", dir: "asc" }])],
    ["limit", limit],
  ];
  if (token) query.push(["after_token", token]);
  return cli.get("/api/v1/instances/", query);
}

/** The first page `vastai show instances --raw [--label L]` asks for (the SDK's show_instances: dicts, pages of 25). */
function allInstancesQuery(selectFilters: PyValue): [string, PyValue][] {
  return [
    ["select_filters", selectFilters],
    ["order_by", [{ col: "id", dir: "asc" }]],
    ["limit", 25],
  ];
}

/** `vastai show instances --raw`: every page until next_token is falsy. */
async function showAllInstances(cli: Cli, selectFilters: PyValue): Promise<z.output<typeof InstanceRow>[]> {
  const rows: z.output<typeof InstanceRow>[] = [];
  const query = allInstancesQuery(selectFilters);
  for (let page = 0; page < 10; page++) {
    const reply = await cli.get("/api/v1/instances/", query);
    expectStatus(reply, 200);
    const data = body(reply, InstancesPage);
    rows.push(...(data.instances ?? []));
    if (!data.next_token) return rows;
    query.splice(3, 1, ["after_token", data.next_token]);
  }
  return assert.fail("next_token still set after 10 pages");
}

async function showInstance(cli: Cli, id: number): Promise<z.output<typeof InstanceRow> | null> {
  const reply = await cli.get(`/instances/${id}/`, [["owner", "me"]]);
  expectStatus(reply, 200);
  return body(reply, z.object({ instances: InstanceRow.nullable() }).loose()).instances;
}

/** Simulator controls (not Vast's API): set up what a case needs. */
async function simControl(sim: Served, path: string, payload: unknown): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  assert.equal(res.status, 200, `/__sim/${path}: ${await res.text()}`);
}

/** `vastai search offers` with only the CLI's default query (verified, external, rentable) and its default order. */
async function defaultSearch(cli: Cli): Promise<z.output<typeof Offer>[]> {
  const reply = await cli.post("/bundles/", {
    verified: { eq: true },
    external: { eq: false },
    rentable: { eq: true },
    order: [["score", "desc"]],
    type: "on-demand",
    allocated_storage: new PyFloat(5),
  });
  expectStatus(reply, 200);
  return body(reply, z.object({ offers: z.array(Offer) }).loose()).offers;
}

describe("Vast's CLI against `npm run sim`", () => {
  let sim: Served;
  let cli: Cli;
  /** The fleet's kind of instance: created with env, onstart, label and disk. */
  let worker = 0;
  let workerOffer = 0;
  const others: number[] = [];

  before(async () => {
    sim = await startSim(["--seed", "20260801"]);
    cli = vastCli(sim.url, sim.key);
  });
  after(async () => {
    await sim.stop("SIGTERM");
  });

  it("GPU names without a key, as the CLI fetches them at import (CLI vastai/cli/util.py _get_gpu_names)", async () => {
    const reply = await plainGet(`${sim.url}/api/v0/gpu_names/unique/`);
    expectStatus(reply, 200);
    const names = body(reply, z.object({ gpu_names: z.array(z.string()).min(1) }).loose()).gpu_names;
    // The CLI offers these, spaces and dashes as underscores, as `launch instance --gpu-name` choices.
    const offered = new Set((await defaultSearch(cli)).map((o) => o.gpu_name));
    for (const name of offered) assert.ok(names.includes(name), `${name} is offered but not in gpu_names`);
  });

  it("a wrong or missing key gets 401 auth_error (DOCS show_instance.yaml, 401 example)", async () => {
    for (const key of ["not-the-key", null]) {
      const reply = await vastCli(sim.url, key).get("/users/current");
      expectStatus(reply, 401);
      assert.deepEqual(JSON.parse(reply.text), { success: false, error: "auth_error", msg: "Invalid user key" });
    }
  });

  it("show user (CLI vastai/api/billing.py show_user: GET /users/current, no trailing slash; DOCS show_user.yaml, authentication.mdx)", async () => {
    const reply = await cli.get("/users/current");
    expectStatus(reply, 200);
    const user = body(
      reply,
      z
        .object({
          id: z.number().int(),
          key_id: z.number().int(),
          email: z.string(),
          balance: z.number(),
          credit: z.number(),
          ssh_key: z.string(),
          sid: z.string(),
        })
        .loose(),
    );
    assert.ok(user.credit > 0, "the simulator's account starts with credit");
  });

  it("search offers with the fleet's query (CLI vastai/cli/commands/offers.py search__offers, vastai/api/query.py parse_query; DOCS search_offers.yaml)", async () => {
    // vastai search offers 'num_gpus=1 gpu_name in [RTX_3060,RTX_3060_Ti,RTX_3070] dph_total<=0.2 gpu_ram>=8 rented=False'
    //   -o dph_total --limit 10 --storage 15 --raw
    // parse_query keeps numbers as the strings typed, scales gpu_ram by 1000, turns "_" into " ".
    const reply = await cli.post("/bundles/", {
      verified: { eq: true },
      external: { eq: false },
      rentable: { eq: true },
      num_gpus: { eq: "1" },
      gpu_name: { in: ["RTX 3060", "RTX 3060 Ti", "RTX 3070"] },
      dph_total: { lte: "0.2" },
      gpu_ram: { gte: new PyFloat(8000) },
      rented: { eq: false },
      order: [["dph_total", "asc"]],
      type: "on-demand",
      limit: 10,
      allocated_storage: new PyFloat(15),
    });
    expectStatus(reply, 200);
    // search__offers prints "invalid return Content-Type" and no offers unless it is exactly this.
    assert.equal(reply.headers["content-type"], "application/json");
    const offers = body(reply, z.object({ offers: z.array(Offer) }).loose()).offers;
    assert.ok(offers.length > 0 && offers.length <= 10, `${offers.length} offers for limit 10`);
    for (const o of offers) {
      assert.equal(o.num_gpus, 1);
      assert.ok(["RTX 3060", "RTX 3060 Ti", "RTX 3070"].includes(o.gpu_name), o.gpu_name);
      assert.ok(o.dph_total <= 0.2, `dph_total ${o.dph_total}`);
      assert.ok(o.gpu_ram >= 8000, `gpu_ram ${o.gpu_ram}`);
    }
    const prices = offers.map((o) => o.dph_total);
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
      "ordered by dph_total ascending",
    );
    workerOffer = (offers[0] as z.output<typeof Offer>).id;
  });

  it("create instance with env dict, onstart, label and disk (CLI vastai/cli/commands/instances.py create_instance_impl, vastai/cli/util.py parse_env; DOCS create_instance.yaml)", async () => {
    assert.ok(workerOffer > 0, "needs the search case's offer");
    // A healthy machine, so that the logs case has a running worker to read.
    await simControl(sim, "control", { forceFault: { next: "none" } });
    // vastai create instance OFFER --image IMAGE --disk 32 --label zeb-worker-vast-0
    //   --env '-e HF_TOKEN=hf_conformance -e WORKER_ID=worker-vast-0' --onstart-cmd "$(the fleet's onstart)" --raw
    const env = { HF_TOKEN: "hf_conformance", WORKER_ID: "worker-vast-0" };
    const reply = await cli.put(`/asks/${workerOffer}/`, createBody({ env, disk: 32, label: "zeb-worker-vast-0", onstart: FLEET_ONSTART }));
    expectStatus(reply, 200);
    worker = body(reply, z.object({ success: z.literal(true), new_contract: z.number().int() }).loose()).new_contract;

    const row = await showInstance(cli, worker);
    assert.ok(row, `instance ${worker} not shown after its create`);
    assert.equal(row.label, "zeb-worker-vast-0");
    assert.equal(row.onstart, FLEET_ONSTART);
    assert.equal(row.image_uuid, IMAGE);
    assert.equal(row.disk_space, 32);
    assert.deepEqual(Object.fromEntries(row.extra_env), env);
  });

  it("show instance, and null for one that does not exist (CLI vastai/api/instances.py show_instance, vastai/cli/commands/instances.py show__instance; DOCS show_instance.yaml)", async () => {
    assert.ok(worker > 0, "needs the create case's instance");
    const row = await showInstance(cli, worker);
    assert.equal(row?.id, worker);
    // The CLI raises on any error status, so "not found or no longer exists" comes as 200 with null.
    assert.equal(await showInstance(cli, 1), null);
  });

  it("show instances across two pages with after_token/next_token (CLI show__instances --raw --limit 2 [--next-token T]; DOCS show_instances.yaml)", async () => {
    assert.ok(worker > 0, "needs the create case's instance");
    const free = (await defaultSearch(cli)).filter((o) => o.id !== workerOffer);
    for (const offer of free.slice(0, 2)) {
      const reply = await cli.put(`/asks/${offer.id}/`, createBody({}));
      expectStatus(reply, 200);
      others.push(body(reply, z.object({ new_contract: z.number().int() }).loose()).new_contract);
    }
    assert.equal(others.length, 2, "two more offers to rent");

    const first = await showInstancesPage(cli, 2);
    expectStatus(first, 200);
    const page1 = body(first, InstancesPage);
    assert.equal(page1.instances?.length, 2);
    assert.ok(page1.next_token, "a next_token after a full page");
    const second = await showInstancesPage(cli, 2, page1.next_token);
    expectStatus(second, 200);
    const page2 = body(second, InstancesPage);
    assert.equal(page2.instances?.length, 1);
    assert.ok(!page2.next_token, "no next_token on the last page");

    const ids = [...(page1.instances ?? []), ...(page2.instances ?? [])].map((r) => r.id);
    assert.deepEqual(
      ids,
      [worker, ...others].sort((a, b) => a - b),
      "every instance once, by id ascending",
    );
    for (const page of [page1, page2]) {
      assert.equal(page.total_instances, 3);
      // "Unlabelled instances are keyed by empty string."
      assert.deepEqual(page.label_counts, { "zeb-worker-vast-0": 1, "": 2 });
    }
  });

  it("instances_found is the number of instances in the page (DOCS show_instances.yaml)", async () => {
    const reply = await showInstancesPage(cli, 2);
    expectStatus(reply, 200);
    const page = body(reply, InstancesPage);
    assert.equal(page.instances_found, page.instances?.length ?? 0);
  });

  it("show instances --raw reads every row the CLI's way, and an empty listing as none (CLI vastai/api/instances.py show_instances; DOCS show_instances.yaml)", async () => {
    assert.ok(worker > 0 && others.length === 2, "needs the instances created above");
    const rows = await showAllInstances(cli, {});
    assert.deepEqual(
      rows.map((r) => r.id),
      [worker, ...others].sort((a, b) => a - b),
    );

    // vastai show instances --raw --label nobody
    const reply = await cli.get("/api/v1/instances/", allInstancesQuery({ label: { in: ["nobody"] } }));
    expectStatus(reply, 200);
    const empty = body(reply, InstancesPage);
    assert.deepEqual(empty.instances ?? [], []);
    assert.ok(!empty.next_token);
  });

  it("total_instances counts the instances matching the filters (DOCS show_instances.yaml)", async () => {
    // vastai show instances --raw --label zeb-worker-vast-0
    const reply = await cli.get("/api/v1/instances/", allInstancesQuery({ label: { in: ["zeb-worker-vast-0"] } }));
    expectStatus(reply, 200);
    const page = body(reply, InstancesPage);
    assert.deepEqual(
      page.instances?.map((r) => r.id),
      [worker],
    );
    assert.equal(page.total_instances, 1);
  });

  it("logs: request_logs, then the result_url polled until it answers (CLI vastai/api/instances.py logs, _poll_result_url; DOCS logs.yaml)", async () => {
    assert.ok(worker > 0, "needs the create case's instance");
    // Fifteen simulated minutes: the worker has booted and is generating.
    await simControl(sim, "advance", { seconds: 900 });
    // vastai logs ID --tail 200 (--tail is a string option)
    const reply = await cli.put(`/instances/request_logs/${worker}/`, { tail: "200" });
    expectStatus(reply, 200);
    const { result_url } = body(
      reply,
      z.object({ success: z.boolean().optional(), result_url: z.string().url(), msg: z.string().optional() }).loose(),
    );
    assert.equal(new URL(result_url).origin, sim.url, "result_url points at the served host:port");
    const got = await pollResultUrl(result_url);
    assert.ok(got, `${result_url} never answered 200 within the CLI's 30 polls`);
    assert.ok(got.text.trim().length > 0, "a running worker has log lines");
  });

  it("logs of an unknown instance: 404 invalid_id (DOCS logs.yaml)", async () => {
    const reply = await cli.put("/instances/request_logs/1/", { tail: "200" });
    expectStatus(reply, 404);
    assert.equal(body(reply, ErrorBody).error, "invalid_id");
  });

  it("label instance (CLI vastai/api/instances.py label_instance, vastai/cli/commands/instances.py label__instance; DOCS label_instance.yaml)", async () => {
    assert.ok(worker > 0, "needs the create case's instance");
    const reply = await cli.put(`/instances/${worker}/`, { label: "zeb-worker-vast-1" });
    expectStatus(reply, 200);
    // The CLI reports success only on a true `success`, otherwise it prints `msg`.
    assert.equal(body(reply, z.object({ success: z.boolean() }).loose()).success, true);
    assert.equal((await showInstance(cli, worker))?.label, "zeb-worker-vast-1");
  });

  it("change bid (CLI vastai/api/instances.py change_bid, vastai/cli/commands/instances.py change__bid; DOCS change_bid.yaml)", async () => {
    assert.ok(worker > 0, "needs the create case's instance");
    // vastai change bid ID --price 0.2
    const reply = await cli.put(`/instances/bid_price/${worker}/`, { client_id: "me", price: 0.2 });
    expectStatus(reply, 200);
    assert.equal(body(reply, z.object({ success: z.boolean() }).loose()).success, true);
    const missing = await cli.put("/instances/bid_price/1/", { client_id: "me", price: 0.2 });
    expectStatus(missing, 404);
    assert.equal(body(missing, ErrorBody).error, "no_such_instance");
  });

  it("interruptible: search --type bid, create --bid_price, outbid is paused, change bid wins it back (CLI vast.py search__offers, create__instance, change__bid; docs/vast-interruptible.md)", async () => {
    // vastai search offers 'num_gpus=1 gpu_name=RTX_3090' -i -o dph_total --storage 15 --raw: `--type interruptible` is sent as "bid".
    const search = await cli.post("/bundles/", {
      verified: { eq: true },
      external: { eq: false },
      rentable: { eq: true },
      rented: { eq: false },
      num_gpus: { eq: "1" },
      gpu_name: { eq: "RTX 3090" },
      order: [["dph_total", "asc"]],
      type: "bid",
      allocated_storage: new PyFloat(15),
    });
    expectStatus(search, 200);
    const offers = body(search, z.object({ offers: z.array(Offer) }).loose()).offers;
    const offer = offers[0];
    assert.ok(offer, "a bid offer");
    const minBid = z.number().positive().parse(offer.min_bid);
    const bid = Math.round(minBid * 1.15 * 1e4) / 1e4;
    // vastai create instance OFFER --image IMAGE --disk 15 --label zeb-worker-vast-9 --bid_price BID --raw
    const created = await cli.put(`/asks/${offer.id}/`, createBody({ disk: 15, label: "zeb-worker-vast-9", bidPrice: bid }));
    expectStatus(created, 200);
    const id = body(created, z.object({ success: z.literal(true), new_contract: z.number().int() }).loose()).new_contract;
    assert.equal((await showInstance(cli, id))?.is_bid, true);
    // A competing bid above ours: the instance is paused, still listed (its storage bills).
    await simControl(sim, "control", { rivalBids: { [String(offer.machine_id)]: { bid: bid * 2, hours: 10 } } });
    const paused = await showInstance(cli, id);
    assert.equal(paused?.actual_status, "stopped");
    assert.equal(paused?.intended_status, "running");
    // vastai change bid ID --price P: PUT /instances/bid_price/ID/ {"client_id": "me", "price": P}
    const raised = await cli.put(`/instances/bid_price/${id}/`, { client_id: "me", price: new PyFloat(bid * 3) });
    expectStatus(raised, 200);
    assert.notEqual((await showInstance(cli, id))?.actual_status, "stopped");
    expectStatus(await cli.delete(`/instances/${id}/`), 200);
  });

  it("destroy instance, then it is gone (CLI vastai/api/instances.py destroy_instance, vastai/cli/commands/instances.py destroy__instance; DOCS destroy_instance.yaml)", async () => {
    assert.ok(others.length === 2, "needs the instances created above");
    const id = others[0] as number;
    // vastai destroy instance ID -y: DELETE with a {} body
    const reply = await cli.delete(`/instances/${id}/`);
    expectStatus(reply, 200);
    assert.equal(body(reply, z.object({ success: z.boolean() }).loose()).success, true);
    assert.equal(await showInstance(cli, id), null);
    assert.ok(!(await showAllInstances(cli, {})).some((r) => r.id === id), "not listed after its destroy");
    const again = await cli.delete(`/instances/${id}/`);
    expectStatus(again, 404);
    assert.equal(body(again, ErrorBody).error, "not_found");
  });

  it("create on an offer already taken: 404 invalid_args, no_such_ask in msg (DOCS create_instance.yaml, 404)", async () => {
    assert.ok(workerOffer > 0 && worker > 0, "needs the offer the create case rented");
    const reply = await cli.put(`/asks/${workerOffer}/`, createBody({ label: "zeb-worker-vast-2" }));
    expectStatus(reply, 404);
    const error = body(reply, ErrorBody);
    assert.equal(error.success, false);
    assert.equal(error.error, "invalid_args");
    assert.match(error.msg, /no_such_ask/);
  });

  it("stops cleanly on SIGTERM", async () => {
    assert.equal(await sim.stop("SIGTERM"), 0, sim.output());
    await assert.rejects(plainGet(`${sim.url}/api/v0/gpu_names/unique/`), "the port is closed");
  });
});

describe("`npm run sim` and Ctrl-C", () => {
  it("stops cleanly on SIGINT while a client holds an idle connection open", async () => {
    const sim = await startSim();
    assert.equal(sim.key, "local-simulator-key", "the default key, as printed");
    const reply = await vastCli(sim.url, sim.key).get("/users/current");
    expectStatus(reply, 200);
    // What a `requests` session leaves behind: a kept-alive connection the server must not wait for.
    const { port, hostname } = new URL(sim.url);
    const idle = connect(Number(port), hostname);
    await once(idle, "connect");
    try {
      assert.equal(await sim.stop("SIGINT"), 0, sim.output());
      assert.match(sim.output(), /SIGINT: stopping/);
    } finally {
      idle.destroy();
    }
  });
});
