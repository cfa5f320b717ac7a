import { describe, expect, it } from "vitest";
import { runPass } from "../../src/reconcile/pass";
import { emptyState } from "../../src/reconcile/state";
import type { Instance, Offer } from "../../src/vast/schemas";
import { config, instance, MIN, NOW, offer, passDeps, scriptedVast } from "./fixtures";

/**
 * The OOM rule inside a real pass: a worker that died of CUDA out of memory raises the fleet's
 * VRAM floor above its card's memory, for every model, unless another worker with no more memory
 * (of any model) has been running the workload; then only its host is struck. The same pass's
 * rentals already keep to the new floor.
 */
const OOM_LOG = [
  "[worker-vast-0] batch 3: 7168 examples, 3.9 games/s, step=142, total_games=768",
  "Traceback (most recent call last):",
  '  File "/workspace/forge/zeb/worker/run.py", line 88, in <module>',
  "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 11.76 GiB of which 312.00 MiB is free.",
].join("\n");
const BATCHES = "[worker-vast-1] batch 40: 7168 examples, 3.9 games/s, step=150, total_games=10240";

const died = instance({
  id: 51,
  machine_id: 5100,
  label: "zeb-worker-vast-0",
  actual_status: "exited",
  gpu_name: "RTX 3060",
  gpu_ram: 12288,
  start_date: (NOW - 30 * MIN) / 1000,
});
const peer = (gpu_ram: number) =>
  instance({ id: 52, machine_id: 5200, label: "zeb-worker-vast-1", gpu_name: "RTX 3060", gpu_ram, start_date: (NOW - 60 * MIN) / 1000 });

async function pass(listing: Instance[], offers: Offer[] = []) {
  const vast = scriptedVast({
    listInstances: async () => listing,
    getLogs: async (id) => (id === died.id ? OOM_LOG : BATCHES),
    searchOffers: async () => offers,
  });
  // Every phase was first seen an hour ago: the peer has long been RUNNING.
  const out = await runPass("zeb", config({ workers: listing.length }), emptyState(), passDeps(vast, NOW));
  expect(out.report.actions.find((a) => a.kind === "destroy")?.instanceId).toBe(died.id);
  return out;
}

describe("the OOM rule in a pass", () => {
  it("alone: the fleet's floor rises above its 12 GB", async () => {
    const { state } = await pass([died]);
    expect(state.vramFloorMb).toBe(12289);
  });

  it("while another 12 GB card runs the workload: the host is struck, the floor stays", async () => {
    const { state } = await pass([died, peer(12288)]);
    expect(state.vramFloorMb).toBe(0);
    expect(state.hosts["5100"]?.strikes).toBeGreaterThanOrEqual(1);
  });

  it("a peer with more memory proves nothing: the floor rises", async () => {
    const { state } = await pass([died, peer(16384)]);
    expect(state.vramFloorMb).toBe(12289);
  });

  it("the same pass's replacement keeps to the new floor, whatever the model: a 12 GB RTX 3060 Ti is not rented, a 16 GB card is", async () => {
    const same = offer({ id: 9001, machine_id: 9100, gpu_name: "RTX 3060 Ti", gpu_ram: 12288, dph_total: 0.05 });
    const bigger = offer({ id: 9002, machine_id: 9200, gpu_name: "RTX 3080", gpu_ram: 16384, dph_total: 0.08 });
    const { report } = await pass([died], [same, bigger]);
    expect(report.actions.filter((a) => a.kind === "launch").map((a) => a.machineId)).toEqual([9200]);
  });
});
