import { describe, expect, it } from "vitest";
import { harness } from "./helpers";

/** Interruptible rentals in the simulator, as docs/vast-interruptible.md describes Vast's. */

interface BidOffer {
  id: number;
  machine_id: number;
  dph_total: number;
  dph_base: number;
  min_bid: number;
  rented: boolean;
  is_bid: boolean;
}

/** The dearest bid offer (other renters, who want speed per dollar, leave it alone), or the machine's. */
async function bidOffer(h: ReturnType<typeof harness>, machineId?: number): Promise<BidOffer> {
  const { offers } = await h.data<{ offers: BidOffer[] }>("POST", "/api/v0/bundles/", {
    type: "bid",
    order: [["dph_total", "desc"]],
    allocated_storage: 15,
    ...(machineId === undefined ? {} : { machine_id: { eq: machineId } }),
  });
  const offer = offers[0];
  if (!offer) throw new Error("no bid offer");
  return offer;
}

describe("bids in the simulator", () => {
  it("lists min_bid at the bid ratio, rents at the bid, pauses when outbid (storage still bills) and resumes after a raise", async () => {
    const h = harness(5, { credit: 100 });
    await h.control({ bidRatio: 0.45, preemptMeanH: 10_000, forceFault: { next: "none" } });
    const offer = await bidOffer(h);
    expect(offer.is_bid).toBe(true);
    expect(offer.min_bid).toBeCloseTo(offer.dph_base * 0.45, 4);
    const bid = Math.round(offer.min_bid * 1.15 * 1e4) / 1e4;
    const created = await h.call("PUT", `/api/v0/asks/${offer.id}/`, {
      client_id: "me",
      image: "pytorch/pytorch:2.6.0-cuda12.6-cudnn9-runtime",
      disk: 15,
      label: "zeb-worker-vast-0",
      env: { HF_TOKEN: "hf_x" },
      onstart: "echo hi",
      runtype: "ssh",
      price: bid,
    });
    expect(created.status).toBe(200);
    const bidId = (created.body as { new_contract: number }).new_contract;
    await h.advance(600);
    const running = await h.show(bidId);
    expect(running).toMatchObject({ is_bid: true, actual_status: "running" });
    expect(running?.dph_total as number).toBeCloseTo(bid + (0.15 * 15) / 720, 5);
    // The machine stays listed for others (an on-demand renter outranks the bid), and shows as ours.
    expect((await bidOffer(h, offer.machine_id)).rented).toBe(true);

    await h.control({ rivalBids: { [offer.machine_id]: { bid: bid * 1.2, hours: 5 } } });
    const paused = await h.show(bidId);
    expect(paused).toMatchObject({ actual_status: "stopped", intended_status: "running", is_bid: true });
    const listed = await bidOffer(h, offer.machine_id);
    expect(listed.min_bid).toBeGreaterThan(bid * 1.2);

    // Paused: only storage bills (15 GB at $0.15/GB-month).
    const before = (await h.hidden()).credit;
    await h.advance(3600);
    const after = (await h.hidden()).credit;
    expect(before - after).toBeCloseTo((0.15 * 15) / 720, 4);
    expect((await h.show(bidId))?.actual_status).toBe("stopped");

    // A bid above the competing one wins the machine back at once; the container starts again.
    const raise = Math.round(listed.min_bid * 1.05 * 1e4) / 1e4;
    expect((await h.call("PUT", `/api/v0/instances/bid_price/${bidId}/`, { client_id: "me", price: raise })).status).toBe(200);
    const resumed = await h.show(bidId);
    expect(resumed?.actual_status).not.toBe("stopped");
    expect(resumed?.dph_total as number).toBeCloseTo(raise + (0.15 * 15) / 720, 5);
    await h.advance(900);
    expect((await h.show(bidId))?.actual_status).toBe("running");
  });

  it("refuses a bid outside Vast's range, and rents on demand without one", async () => {
    const h = harness(6);
    const offer = await bidOffer(h);
    const bad = await h.call("PUT", `/api/v0/asks/${offer.id}/`, { client_id: "me", image: "x", disk: 15, price: -1 });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/price/);
    const od = await h.call("PUT", `/api/v0/asks/${offer.id}/`, { client_id: "me", image: "x", disk: 15, price: null });
    expect(od.status).toBe(200);
    expect((await h.show((od.body as { new_contract: number }).new_contract))?.is_bid).toBe(false);
  });

  it("competing bidders arrive on their own at --preempt-mean-h, and an on-demand renter outranks a bid", async () => {
    const h = harness(7, { credit: 100 });
    await h.control({ bidRatio: 0.45, preemptMeanH: 2, forceFault: { next: "none" } });
    const offer = await bidOffer(h);
    const created = await h.call("PUT", `/api/v0/asks/${offer.id}/`, {
      client_id: "me",
      image: "x",
      disk: 15,
      label: "zeb-worker-vast-0",
      onstart: "echo hi",
      runtype: "ssh",
      price: Math.round(offer.min_bid * 1.15 * 1e4) / 1e4,
    });
    const id = (created.body as { new_contract: number }).new_contract;
    let pauses = 0;
    let was = "";
    for (let t = 0; t < 24 * 3600; t += 300) {
      const now = String((await h.show(id))?.actual_status);
      if (now === "stopped" && was !== "stopped") pauses++;
      was = now;
      await h.advance(300);
    }
    expect(pauses).toBeGreaterThanOrEqual(3);

    // Another renter rents the machine on demand: the bid is paused while the rental lasts, whatever it bids.
    await h.call("PUT", `/api/v0/instances/bid_price/${id}/`, { client_id: "me", price: 30 });
    expect((await h.show(id))?.actual_status).not.toBe("stopped");
    const machine = h.market.state.machines.find((m) => m.id === offer.machine_id);
    if (!machine) throw new Error("machine gone");
    machine.offerId = null;
    machine.takenUntilMs = (await h.hidden()).now_ms + 3_600_000;
    await h.advance(60);
    expect((await h.show(id))?.actual_status).toBe("stopped");
    await h.advance(3600);
    expect((await h.show(id))?.actual_status).not.toBe("stopped");
  });
});
