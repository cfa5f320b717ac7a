import { describe, expect, it } from "vitest";
import { runPass } from "../../src/reconcile/pass";
import { emptyState } from "../../src/reconcile/state";
import type { Instance } from "../../src/vast/schemas";
import { config, instance, MIN, NOW, passDeps, scriptedVast } from "./fixtures";

/**
 * The OOM rule inside a real pass: a worker that died of CUDA out of memory raises its GPU model's
 * VRAM floor, unless another worker on that model with no more memory has been running the
 * workload; then only its host is struck.
 */
const OOM_LOG = [
  "[worker-vast-0] batch 3: 7168 examples, 3.9 games/s, step=142, total_games=768",
  "Traceback (most recent call last):",
  '  File "/workspace/forge/zeb/worker/run.py", line 88, in <module>',
  "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 11.76 GiB of which 312.00 MiB is free.",
].join("\n");
const BATCHES = "[worker-vast-1] batch 40: 7168 examples, 3.9 games/s, step=150, total_games=10240";

const died = instance({ id: 51, machine_id: 5100, label: "zeb-worker-vast-0", actual_status: "exited", gpu_name: "RTX 3060", gpu_ram: 12288, start_date: (NOW - 30 * MIN) / 1000 });
const peer = (gpu_ram: number) => instance({ id: 52, machine_id: 5200, label: "zeb-worker-vast-1", gpu_name: "RTX 3060", gpu_ram, start_date: (NOW - 60 * MIN) / 1000 });

async function pass(listing: Instance[]) {
  const vast = scriptedVast({ listInstances: async () => listing, getLogs: async (id) => (id === died.id ? OOM_LOG : BATCHES) });
  // Every phase was first seen an hour ago: the peer has long been RUNNING.
  const out = await runPass("zeb", config({ workers: listing.length }), emptyState(), passDeps(vast, NOW));
  expect(out.report.actions.find((a) => a.kind === "destroy")?.instanceId).toBe(died.id);
  return out.state;
}

describe("the OOM rule in a pass", () => {
  it("alone on its model: the floor for RTX 3060 rises above its 12 GB", async () => {
    const state = await pass([died]);
    expect(state.gpuRamFloor["RTX 3060"]).toBe(12289);
  });

  it("while another 12 GB RTX 3060 runs the workload: the host is struck, the floor stays", async () => {
    const state = await pass([died, peer(12288)]);
    expect(state.gpuRamFloor["RTX 3060"]).toBeUndefined();
    expect(state.hosts["5100"]?.strikes).toBeGreaterThanOrEqual(1);
  });

  it("a peer with more memory proves nothing: the floor rises", async () => {
    const state = await pass([died, peer(16384)]);
    expect(state.gpuRamFloor["RTX 3060"]).toBe(12289);
  });
});
