import { describe, expect, it } from "vitest";
import {
  actionEvents,
  configure,
  fleet,
  owned,
  register,
  rentForeign,
  resetMarket,
  scale,
  simState,
  slots,
  unregister,
  until,
} from "./harness";

/**
 * Issue 3 "Done when": `zeb` and `zeb-large` stay independent. A fleet owns exactly the labels
 * `<fleet>-worker-vast-<n>`; unlabelled instances, other labels and look-alikes (a leading zero,
 * another fleet whose name starts with this one's) are never touched.
 */

describe("zeb and zeb-large stay independent; foreign instances are never touched", () => {
  it("scaling zeb to 0 destroys only zeb-worker-vast-*", { timeout: 120_000 }, async () => {
    await resetMarket(61);
    // zeb is the default fleet (ZEB_FLEET), always reconciled; zeb-large comes from the registry.
    await register("zeb-large");
    // Ownership is under test: no upgrade trial or slow-pull relaunch may change the instance sets meanwhile.
    const quiet = { maxConcurrentUpgrades: 0, bootTimeoutS: 1800 };
    await configure("zeb", quiet);
    await configure("zeb-large", quiet);

    const foreign = {
      unlabelled: await rentForeign(null),
      other: await rentForeign("other"),
      leadingZero: await rentForeign("zeb-worker-vast-01"),
      suffixed: await rentForeign("zeb-worker-vast-1-old"),
      prefixOnly: await rentForeign("zeb-worker-vast-"),
    };
    await scale("zeb", 2);
    await scale("zeb-large", 2);
    await until(
      40,
      async () =>
        (await fleet("zeb").status("zeb")).totals.running === 2 && (await fleet("zeb-large").status("zeb-large")).totals.running === 2,
      "both fleets RUNNING",
    );

    const market = await simState();
    expect(slots(owned(market, "zeb"), "zeb")).toEqual([0, 1]);
    expect(slots(owned(market, "zeb-large"), "zeb-large")).toEqual([0, 1]);
    const large = owned(market, "zeb-large")
      .map((i) => i.id)
      .sort();
    const zeb = owned(market, "zeb")
      .map((i) => i.id)
      .sort();
    // Each fleet's status lists its own workers only.
    expect((await fleet("zeb").status("zeb")).instances.map((i) => i.id).sort()).toEqual(zeb);
    expect((await fleet("zeb-large").status("zeb-large")).instances.map((i) => i.id).sort()).toEqual(large);

    await scale("zeb", 0);
    // Running workers leave after their next upload (scale-down drain), within an upload interval.
    await until(8, async () => owned(await simState(), "zeb").length === 0, "zeb drained to 0");

    const after = await simState();
    const ids = new Set(after.instances.map((i) => i.id));
    expect(owned(after, "zeb")).toEqual([]);
    for (const id of [...large, ...Object.values(foreign)]) expect(ids.has(id)).toBe(true);
    expect(after.instances).toHaveLength(large.length + Object.keys(foreign).length);

    const zebDestroys = (await actionEvents("zeb")).filter((e) => e.action === "destroy");
    expect(zebDestroys.map((e) => e.instanceId).sort()).toEqual(zeb);
    expect((await actionEvents("zeb-large")).filter((e) => e.action === "destroy")).toEqual([]);
    expect((await fleet("zeb-large").status("zeb-large")).totals.running).toBe(2);

    await scale("zeb-large", 0);
    await until(8, async () => owned(await simState(), "zeb-large").length === 0, "zeb-large drained to 0");
    expect(new Set((await simState()).instances.map((i) => i.id))).toEqual(new Set(Object.values(foreign)));
    await unregister("zeb-large");
  });
});
