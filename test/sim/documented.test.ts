import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { onstartScript } from "../../src/reconcile/launch";
import { InstancesPage } from "../../src/vast/schemas";
import { harness, ONSTART } from "./helpers";

/** The simulator against what Vast documents (vast-ai/docs, vast-ai/vast-cli), item by item. */

const NO_FAULTS = {
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
};
type Offers = {
  offers: {
    id: number;
    machine_id: number;
    dph_total: number;
    dph_base: number;
    min_bid: number;
    is_bid: boolean;
    duration: number;
    storage_cost: number;
  }[];
};

describe("offer search", () => {
  // vast-api.md §10: one search answers with at most 64 rows whatever `limit` says.
  it("answers at most 64 rows, whatever limit asks", async () => {
    const h = harness(1, { marketScale: 3 });
    const { offers } = await h.data<Offers>("POST", "/api/v0/bundles/", { limit: 500 });
    expect(offers).toHaveLength(64);
    expect((await h.data<Offers>("POST", "/api/v0/bundles/", {})).offers).toHaveLength(64);
  });

  // search_offers.yaml `allocated_storage`; storage_cost is $/GB/month of 30 days (vast-cli price_increase.py `_SEC_PER_MONTH`).
  it("prices allocated_storage into dph_total at storage_cost per GB-month of 720 hours", async () => {
    const h = harness(2);
    const small = await h.data<Offers>("POST", "/api/v0/bundles/", { order: [["id", "asc"]], allocated_storage: 10 });
    const big = await h.data<Offers>("POST", "/api/v0/bundles/", { order: [["id", "asc"]], allocated_storage: 250 });
    expect(big.offers.map((o) => o.id)).toEqual(small.offers.map((o) => o.id));
    small.offers.forEach((o, i) => {
      const b = big.offers[i] as Offers["offers"][number];
      expect(b.dph_total - o.dph_total).toBeCloseTo((o.storage_cost * 240) / 720, 5);
      expect(o.dph_total - o.dph_base).toBeCloseTo((o.storage_cost * 10) / 720, 5);
    });
    // The docs' default is 8 GB when a search names none.
    const none = await h.data<Offers>("POST", "/api/v0/bundles/", { order: [["id", "asc"]] });
    expect((none.offers[0]?.dph_total ?? 0) - (none.offers[0]?.dph_base ?? 0)).toBeCloseTo(
      ((none.offers[0]?.storage_cost ?? 0) * 8) / 720,
      5,
    );
    // A rental bills the storage of the disk it was created with.
    const { id, offer } = await h.launch(undefined, 0, { disk: 100 });
    expect((await h.show(id))?.dph_total).toBeCloseTo(offer.dph_total + (0.15 * 85) / 720, 5);
  });

  // search_offers.yaml `type`: on-demand (also spelled ondemand) fixed prices, bid priced at the minimum bid, reserved.
  it("honours type: a bid search prices offers at min_bid, and an unknown type is refused", async () => {
    const h = harness(3);
    const q = { order: [["id", "asc"]], allocated_storage: 15 };
    const demand = await h.data<Offers>("POST", "/api/v0/bundles/", { ...q, type: "on-demand" });
    const spelled = await h.data<Offers>("POST", "/api/v0/bundles/", { ...q, type: "ondemand" });
    const bid = await h.data<Offers>("POST", "/api/v0/bundles/", { ...q, type: "bid" });
    const reserved = await h.data<Offers>("POST", "/api/v0/bundles/", { ...q, type: "reserved" });
    expect(spelled.offers).toEqual(demand.offers);
    expect(reserved.offers.map((o) => o.dph_total)).toEqual(demand.offers.map((o) => o.dph_total));
    bid.offers.forEach((o, i) => {
      expect(o.is_bid).toBe(true);
      expect(o.dph_total).toBeCloseTo(o.min_bid + (o.storage_cost * 15) / 720, 5);
      expect(o.dph_total).toBeLessThan((demand.offers[i] as Offers["offers"][number]).dph_total);
    });
    expect(demand.offers.every((o) => !o.is_bid)).toBe(true);
    const bad = await h.call("POST", "/api/v0/bundles/", { type: "spot" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: "invalid_args" });
  });

  // search_offers.yaml `duration`: "the offer must be available for at least this long from now", in seconds.
  it("lists each offer's remaining listing time as duration and filters on it", async () => {
    const h = harness(4);
    const [first] = (await h.data<Offers>("POST", "/api/v0/bundles/", { order: [["id", "asc"]], limit: 1 })).offers;
    if (!first) throw new Error("no offers");
    await h.control({ listingEndsInH: { [String(first.machine_id)]: 6 } });
    const all = await h.data<Offers>("POST", "/api/v0/bundles/", {});
    expect(all.offers.find((o) => o.machine_id === first.machine_id)?.duration).toBe(6 * 3600);
    const day = await h.data<Offers>("POST", "/api/v0/bundles/", { duration: { gte: 86_400 } });
    expect(day.offers.some((o) => o.machine_id === first.machine_id)).toBe(false);
    expect(day.offers.length).toBe(all.offers.length - 1);
  });
});

describe("create and listing answers", () => {
  // create_instance.yaml 404 example; vast-cli vastai/SKILL.md "Insufficient credits".
  it("answers a taken offer and an empty account as documented", async () => {
    const h = harness(5);
    const { offer } = await h.launch();
    const taken = await h.call("PUT", `/api/v0/asks/${offer.id}/`, { image: "x" });
    expect(taken.status).toBe(404);
    expect(taken.body).toEqual({
      success: false,
      error: "invalid_args",
      msg: `error 404/3603: no_such_ask Instance type by id ${offer.id} is not available.`,
    });
    await h.control({ credit: 0 });
    const broke = await h.call("PUT", `/api/v0/asks/${(await h.cheapest()).id}/`, { image: "x" });
    expect(broke.body).toMatchObject({ success: false, msg: "Insufficient credits" });
  });

  // vast-cli `_fetch_all_instances_v1`: `data.get("instances") or []`, so an empty page may say null.
  it("answers an empty listing with instances: [] or, when asked, instances: null; the client reads both as empty", async () => {
    const h = harness(6);
    const empty = await h.data<Record<string, unknown>>("GET", "/api/v1/instances/");
    expect(empty).toMatchObject({ instances: [], instances_found: 0, total_instances: 0 });
    await h.control({ emptyListing: "null" });
    const nulled = await h.data<Record<string, unknown>>("GET", "/api/v1/instances/");
    expect(nulled.instances).toBeNull();
    expect(InstancesPage.parse(nulled).instances).toEqual([]);
    await h.launch();
    expect((await h.data<{ instances: unknown[] }>("GET", "/api/v1/instances/")).instances).toHaveLength(1);
  });

  // For another engineer's regression tests: a create that rents and then loses its answer.
  it("rateLost: the create rents the machine, then a gateway answers 502 or 504", async () => {
    const h = harness(7);
    await h.control({ apiFaults: { endpoints: { create: { rateLost: 1 } } } });
    const statuses = new Set<number>();
    for (let n = 0; n < 6; n++) {
      const { res, offer } = await h.launch(undefined, n);
      statuses.add(res.status);
      expect(res.text).toMatch(/<title>50[24] /);
      const listed = await h.data<{ instances: { machine_id: number; label: string }[] }>("GET", "/api/v0/instances/");
      expect(listed.instances.some((i) => i.machine_id === offer.machine_id && i.label === `zeb-worker-vast-${n}`)).toBe(true);
    }
    expect(statuses).toEqual(new Set([502, 504]));
    expect((await h.hidden()).instances).toHaveLength(6);
  });
});

// "Rate Limits and Errors": a minimum interval per endpoint and identity; thresholds from each endpoint's x-rate-limit.
describe("the opt-in rate limiter", () => {
  it("is off by default: creates back to back all go through", async () => {
    const h = harness(8);
    for (let n = 0; n < 3; n++) expect((await h.launch(undefined, n)).res.status).toBe(200);
  });

  it("holds creates 4.5 s apart per key, with a 12 s penalty after a violation; advancing the clock stands for waiting", async () => {
    const h = harness(9);
    await h.control({ rateLimits: true });
    expect((await h.launch(undefined, 0)).res.status).toBe(200);
    const early = await h.launch(undefined, 1);
    expect(early.res.status).toBe(429);
    expect(early.res.text).toBe("API requests too frequent endpoint threshold=4.5");
    expect(early.res.headers.get("retry-after")).toBeNull();
    // The violation at t=0 holds the key until t=12, though the interval alone would have ended at 4.5.
    await h.advance(5);
    expect((await h.launch(undefined, 1)).res.status).toBe(429);
    await h.advance(17.5);
    expect((await h.launch(undefined, 1)).res.status).toBe(200);
    // Another key has its own interval.
    const other = await h.call("PUT", `/api/v0/asks/${(await h.cheapest()).id}/`, { image: "x" }, { authorization: "Bearer other-key" });
    expect(other.status).toBe(200);
  });

  it("holds destroys 3 s, v1 listings 1 s apart, and searches to 10 a minute", async () => {
    const h = harness(10);
    await h.control({ rateLimits: true, credit: 1000 });
    const a = await h.launch(undefined, 0);
    await h.advance(5);
    const b = await h.launch(undefined, 1);
    expect((await h.call("DELETE", `/api/v0/instances/${a.id}/`, {})).status).toBe(200);
    expect((await h.call("DELETE", `/api/v0/instances/${b.id}/`, {})).text).toBe("API requests too frequent endpoint threshold=3");
    await h.advance(3);
    expect((await h.call("DELETE", `/api/v0/instances/${b.id}/`, {})).status).toBe(200);
    expect((await h.call("GET", "/api/v1/instances/")).status).toBe(200);
    expect((await h.call("GET", "/api/v1/instances/")).status).toBe(429);
    await h.advance(1);
    expect((await h.call("GET", "/api/v1/instances/")).status).toBe(200);
    await h.advance(60);
    const searches: number[] = [];
    for (let i = 0; i < 11; i++) searches.push((await h.call("POST", "/api/v0/bundles/", {})).status);
    expect(searches).toEqual([...Array<number>(10).fill(200), 429]);
  });
});

describe("the onstart script, run as a host would", () => {
  const run = async (onstart: string, seed = 11) => {
    const h = harness(seed);
    await h.control({ faultRates: NO_FAULTS });
    const { id } = await h.launch(undefined, 0, { onstart });
    await h.advance(3600);
    return { status: (await h.show(id))?.actual_status, text: await h.logs(id, 200) };
  };

  it("the fleet's script reaches the worker", async () => {
    const { status, text } = await run(ONSTART);
    expect(status).toBe("running");
    expect(text).toMatch(/\[worker-vast-0\] batch 1: /);
  });

  it("a clone of an unknown branch fails as git says, and the script stops there", async () => {
    const { status, text } = await run(onstartScript({ ...DEFAULTS, codeBranch: "nope" }));
    expect(status).toBe("running");
    expect(text).toContain(
      "Cloning into '/root/code'...\nwarning: Could not find remote branch nope to clone.\nfatal: Remote branch nope not found in upstream origin\n",
    );
    expect(text.trimEnd().split("\n").pop()).toBe(
      "SetupError: git clone --depth 1 --branch 'nope' 'https://github.com/jasonyandell/mk5-main.git' /root/code failed with exit code 128",
    );
    expect(text).not.toContain("repo cloned");
  });

  it("a clone of an unknown repository fails with git's 'not found'", async () => {
    const { text } = await run(onstartScript({ ...DEFAULTS, codeRepo: "https://github.com/someone/else.git" }));
    expect(text).toContain("remote: Repository not found.\nfatal: repository 'https://github.com/someone/else.git/' not found\n");
    expect(text).toMatch(/SetupError: git clone .* failed with exit code 128\n$/);
  });

  it("a wrong python -m module path fails with python's 'No module named'", async () => {
    const { text } = await run(
      ONSTART.replace(/-m forge\.zeb\.worker\.run/, "-m forge.zeb.worker.main").replace(
        /find_spec\('[^']+'\)/,
        "find_spec('forge.zeb.worker.main')",
      ),
    );
    expect(text).toContain("deps installed");
    expect(text).toMatch(/SetupError: python -c .*find_spec\('forge\.zeb\.worker\.main'\).* failed with exit code 1\n$/);
    const bare = await run(
      [
        "set -e",
        "apt-get install -y git",
        "git clone --branch forge https://github.com/jasonyandell/mk5-main.git /root/code",
        "cd /root/code",
        "python -m forge.zeb.worker.main",
      ].join("\n"),
    );
    expect(bare.text).toBe("Cloning into '/root/code'...\n/opt/conda/bin/python: No module named forge.zeb.worker.main\n");
  });

  // bash: `set -e` does not stop on a failure inside `a && b`, which let the old script run on into a WAIT.
  it("under set -e a failed step in an && list does not stop the script; a plain one does", async () => {
    const old = [
      "set -e",
      'echo "=== Setup started at $(date) ==="',
      'apt-get install -y -qq git > /dev/null && echo "git installed"',
      'git clone --depth 1 --branch nope https://github.com/jasonyandell/mk5-main.git /root/code && echo "repo cloned"',
      'pip install -q huggingface_hub && echo "deps installed"',
      // Gone since huggingface_hub 1.0; its error goes to /dev/null and `|| true` hides the failure.
      'huggingface-cli login --token "$HF_TOKEN" 2>/dev/null || true',
      'echo "=== Starting worker $WORKER_ID at $(date) ==="',
      "cd /root/code",
      "exec python -u -m forge.zeb.worker.run",
    ].join("\n");
    const { text } = await run(old);
    const lines = text.trimEnd().split("\n");
    expect(lines.slice(1)).toEqual([
      "git installed",
      "Cloning into '/root/code'...",
      "warning: Could not find remote branch nope to clone.",
      "fatal: Remote branch nope not found in upstream origin",
      "deps installed",
      expect.stringMatching(/^=== Starting worker worker-vast-0 at /),
      "/root/onstart.sh: line 8: cd: /root/code: No such file or directory",
    ]);
  });
});
