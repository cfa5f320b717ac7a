import { beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES_PER_BATCH, GAMES_PER_BATCH, WEIGHT_SYNC_INTERVAL } from "../../src/sim/lifecycle";
import { harness, ONSTART } from "./helpers";

const BATCH = new RegExp(
  `\\[worker-vast-0\\] batch (\\d+): ${EXAMPLES_PER_BATCH} examples, (\\d+\\.\\d) games/s, step=(\\d+), total_games=(\\d+)`,
);
/** Long enough for the slowest image pull the simulator draws (~18 min, src/sim/instances.ts). */
const BOOT_WATCH_S = 20 * 60;
/** How long it runs before its logs are read: long enough for more than ten batches and an upload. */
const RUN_S = 20 * 60;

/** One healthy instance watched through its boot (every 5 s), then its logs after running a while. */
async function watchOneInstance() {
  const h = harness(3);
  await h.control({ forceFault: { next: "none" } });
  const { id } = await h.launch();
  const statuses: (string | null)[] = [];
  let sawNoSuchContainer = false;
  for (let t = 0; t < BOOT_WATCH_S; t += 5) {
    const inst = await h.show(id);
    const status = (inst?.actual_status ?? null) as string | null;
    if (statuses[statuses.length - 1] !== status) statuses.push(status);
    if (status === "loading" && !sawNoSuchContainer)
      sawNoSuchContainer = (await h.logs(id)).includes(`Error response from daemon: No such container: C.${id}`);
    await h.advance(5);
  }
  const running = await h.show(id);
  await h.advance(RUN_S);
  const text = await h.logs(id, 1000);
  const lines = text.split("\n");
  const batches = lines.flatMap((l) => {
    const m = BATCH.exec(l);
    return m ? [{ n: Number(m[1]), gps: Number(m[2]), total: Number(m[4]) }] : [];
  });
  const hidden = await h.hidden();
  const gps = (hidden.instances[0] as unknown as { games_per_sec: number }).games_per_sec;
  const tail = (await h.logs(id, 5)).trimEnd().split("\n");
  return { statuses, sawNoSuchContainer, running, text, lines, batches, gps, tail };
}

describe("instance lifecycle: one healthy instance", () => {
  let seen: Awaited<ReturnType<typeof watchOneInstance>>;
  beforeAll(async () => {
    seen = await watchOneInstance();
  });

  it("boots null → loading → running", () => {
    expect(seen.statuses).toEqual([null, "loading", "running"]);
  });

  it('answers "No such container" for its logs while loading', () => {
    expect(seen.sawNoSuchContainer).toBe(true);
  });

  it("once running, has ports and a success status message", () => {
    expect(seen.running?.ports).toBeDefined();
    expect(seen.running?.status_msg).toMatch(/^success, running /);
  });

  it("logs the onstart script's steps, then the worker's start, then its first batch", () => {
    const expected = [
      /^=== Setup started at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC 2026 ===$/,
      /^git installed$/,
      /^Cloning into '\/root\/code'\.\.\.$/,
      /^repo cloned$/,
      /^deps installed$/,
      /^GPU OK: NVIDIA GeForce RTX \d{4}( Ti)?$/,
      /^=== Starting worker worker-vast-0 at .* ===$/,
      /^Pulling initial weights from jasonyandell\/zeb-42\/zeb-557k-1m\.pt\.\.\.$/,
      /^ {2}Model loaded \(step \d+\), 557,186 params, tokenizer=v1$/,
      /^ {2}Examples repo: jasonyandell\/zeb-42-examples$/,
      /^Creating self-play pipeline\.\.\.$/,
      /^Pipeline created in \d+\.\ds$/,
      /^$/,
      /^Worker worker-vast-0 starting \(output: jasonyandell\/zeb-42-examples \(namespace: zeb-557k-1m\)\)$/,
      new RegExp(`^ {2}games_per_batch=${GAMES_PER_BATCH}, weight_sync_interval=${WEIGHT_SYNC_INTERVAL}$`),
      /^ {2}upload_interval=240s \(folder upload\)$/,
      BATCH,
    ];
    for (const [i, re] of expected.entries()) expect(seen.lines[i]).toMatch(re);
  });

  it("numbers its batches from 1 and counts a batch's games into total_games", () => {
    expect(seen.batches.length).toBeGreaterThan(10);
    seen.batches.forEach((b, i) => {
      expect(b.n).toBe(i + 1);
      expect(b.total).toBe(GAMES_PER_BATCH * (i + 1));
    });
  });

  it("reports games/s within 7% of the host's hidden rate", () => {
    for (const b of seen.batches) expect(Math.abs(b.gps - seen.gps) / seen.gps).toBeLessThan(0.07);
  });

  it("uploads its batches and syncs weights", () => {
    expect(seen.text).toMatch(/\[worker-vast-0\] Uploading (\d+) batches to HF\.\.\.\n\[worker-vast-0\] Upload complete \(\1 batches\)/);
    expect(seen.text).toMatch(/\[worker-vast-0\] (Weights updated: step \d+ -> \d+|No new weights \(still step \d+\))/);
  });

  it("answers a tail of 5 with the last five lines of the full log", () => {
    expect(seen.tail).toHaveLength(5);
    expect(seen.tail.join("\n")).toBe(
      seen.lines
        .filter((l, i) => i < seen.lines.length - 1 || l !== "")
        .slice(-5)
        .join("\n"),
    );
  });
});

describe("instance lifecycle", () => {
  it("takes the worker's identity and repos from env and onstart", async () => {
    const h = harness(4);
    await h.control({ forceFault: { next: "none" } });
    const { id } = await h.launch(undefined, 7, {
      env: { HF_TOKEN: "hf_x", WORKER_ID: "worker-vast-7" },
      onstart: ONSTART.replace(/--repo-id '[^']*'/, "--repo-id me/weights")
        .replace(/--examples-repo-id '[^']*'/, "--examples-repo-id me/examples")
        .replace(/--weights-name '[^']*'/, "--weights-name large")
        .replace(/--upload-interval \d+/, "--upload-interval 600"),
    });
    await h.advance(3600);
    const text = await h.logs(id, 1000);
    expect(text).toContain("Pulling initial weights from me/weights/large.pt...");
    expect(text).toContain("Worker worker-vast-7 starting (output: me/examples (namespace: large))");
    expect(text).toContain("  upload_interval=600s (folder upload)");
    expect(text).toMatch(/\[worker-vast-7\] batch 1: /);
  });

  it("fills the HF stand-in: the state file's step and games advance and commits appear", async () => {
    const h = harness(5);
    const weights = await h.call("HEAD", "/__sim/hf/jasonyandell/zeb-42/resolve/main/zeb-557k-1m.pt");
    expect(weights.status).toBe(200);
    const missing = await h.call("HEAD", "/__sim/hf/jasonyandell/zeb-42/resolve/main/nope.pt");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("X-Error-Code")).toBe("EntryNotFound");
    const before = await h.data<{ step: number; total_games: number }>(
      "GET",
      "/__sim/hf/jasonyandell/zeb-42/resolve/main/zeb-557k-1m-state.json",
    );
    await h.control({ forceFault: { next: "none" } });
    await h.launch();
    await h.advance(3600);
    const after = await h.data<{ step: number; total_games: number }>(
      "GET",
      "/__sim/hf/jasonyandell/zeb-42/resolve/main/zeb-557k-1m-state.json",
    );
    expect(after.step).toBeGreaterThan(before.step);
    expect(after.total_games).toBeGreaterThan(before.total_games);
    expect(after.total_games % GAMES_PER_BATCH).toBe(0);
    const commits = await h.data<{ id: string; title: string; date: string }[]>(
      "GET",
      "/__sim/hf/api/datasets/jasonyandell/zeb-42-examples/commits/main",
    );
    expect(commits.length).toBeGreaterThan(5);
    expect(commits[0]?.id).toMatch(/^[0-9a-f]{40}$/);
    const dates = commits.map((c) => Date.parse(c.date));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it("drains credit at the instances' $/h; at zero creates lack credit and running instances stop", async () => {
    const h = harness(6, { credit: 1 });
    await h.control({ forceFault: { next: "none" } });
    const { id } = await h.launch();
    const dph = (await h.show(id))?.dph_total as number;
    await h.advance(3600);
    const { credit } = await h.hidden();
    expect(credit).toBeLessThan(1);
    expect(credit).toBeGreaterThan(1 - dph);
    await h.advance(Math.ceil((credit / dph) * 3600) + 60);
    const user = await h.data<{ credit: number }>("GET", "/api/v0/users/current/");
    expect(user.credit).toBe(0);
    const stopped = await h.show(id);
    expect(stopped?.actual_status).toBe("stopped");
    expect(stopped?.intended_status).toBe("stopped");
    const offer = await h.cheapest();
    const refused = await h.call("PUT", `/api/v0/asks/${offer.id}/`, { image: "x" });
    expect(refused.status).toBe(400);
    // vast-cli `vastai/SKILL.md`, "Common errors": Insufficient credits.
    expect((refused.body as { msg: string }).msg).toBe("Insufficient credits");
    expect((refused.body as { error: string }).error).toBe("insufficient_credit");
  });

  it("stops and restarts on request", async () => {
    const h = harness(7);
    await h.control({ forceFault: { next: "none" } });
    const { id } = await h.launch();
    await h.advance(600);
    expect(await h.data("PUT", `/api/v0/instances/${id}/`, { state: "stopped" })).toEqual({ success: true });
    expect((await h.show(id))?.actual_status).toBe("stopped");
    await h.data("PUT", `/api/v0/instances/${id}/`, { state: "running" });
    expect((await h.show(id))?.actual_status).toBeNull();
    await h.advance(600);
    expect((await h.show(id))?.actual_status).toBe("running");
  });

  it("lets prices drift and new offers appear over time", async () => {
    const h = harness(8);
    const before = await h.data<{ offers: { id: number; machine_id: number; dph_total: number }[] }>("POST", "/api/v0/bundles/", {});
    await h.advance(3 * 3600);
    const after = await h.data<{ offers: { id: number; machine_id: number; dph_total: number }[] }>("POST", "/api/v0/bundles/", {});
    const price = new Map(before.offers.map((o) => [o.machine_id, o.dph_total]));
    const changed = after.offers.filter((o) => price.has(o.machine_id) && price.get(o.machine_id) !== o.dph_total);
    expect(changed.length).toBeGreaterThan(0);
    for (const o of changed) expect(Math.abs(o.dph_total / (price.get(o.machine_id) as number) - 1)).toBeLessThan(0.15);
    expect(after.offers.some((o) => !price.has(o.machine_id))).toBe(true);
  });
});
