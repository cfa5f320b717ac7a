import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registry } from "../../src/fleet/registry";
import { BLOCK_MS, type SharedBlock } from "../../src/reconcile/shared-hosts";

/** The registry's table of shared host blocks, through its real Durable Object. */
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const block = (over: Partial<SharedBlock> = {}): SharedBlock => ({
  machineId: 900,
  gpuName: "RTX 3060",
  reason: "no container after 10m00s",
  fleet: "alpha",
  at: NOW - 60_000,
  permanent: false,
  ...over,
});

describe("the registry's shared host blocks", () => {
  it("keeps a permanent block's reason over later findings, drops lapsed blocks, and forgets on request", async () => {
    const r = registry(env);
    await r.shareHostBlocks([
      block(),
      block({ machineId: 901, at: NOW - BLOCK_MS }),
      block({ machineId: 902, reason: "No CUDA on this host", permanent: true, at: NOW - 30 * 86_400_000 }),
    ]);
    expect((await r.hostBlocks(NOW)).map((b) => b.machineId).sort()).toEqual([900, 902]);

    // No CUDA found by beta, then a bounce seen by gamma: the block stays No CUDA and permanent.
    await r.shareHostBlocks([block({ fleet: "beta", reason: "No CUDA on this host", permanent: true })]);
    await r.shareHostBlocks([block({ fleet: "gamma", reason: "another renter gave it back", at: NOW })]);
    expect((await r.hostBlocks(NOW)).find((b) => b.machineId === 900)).toEqual(
      block({ fleet: "beta", reason: "No CUDA on this host", permanent: true, at: NOW }),
    );

    // A newer lapsing finding replaces an older lapsing one.
    await r.shareHostBlocks([block({ machineId: 903 }), block({ machineId: 903, fleet: "beta", reason: "dead (host offline)", at: NOW })]);
    expect((await r.hostBlocks(NOW)).find((b) => b.machineId === 903)).toMatchObject({
      fleet: "beta",
      reason: "dead (host offline)",
      at: NOW,
    });

    await r.forgetHost(900);
    expect((await r.hostBlocks(NOW)).map((b) => b.machineId).sort()).toEqual([902, 903]);
  });
});
