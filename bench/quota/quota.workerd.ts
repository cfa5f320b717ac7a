/**
 * Does a 4-worker fleet on a one-minute cron fit the Workers Free plan? Runs one simulated day of
 * cron passes through the fleet's real Durable Object, KV and the simulator (its calibrated market,
 * duds included), and prints what the fleet spent against each daily quota.
 */
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { DEFAULT_FAULT_RATES } from "../../src/sim/faults";
import { advance, resetMarket, simOk } from "../../test/fleet/harness";

const FLEET = "zeb";
const HOURS = 24;

it(`one simulated day of a 4-worker fleet against the Free plan's daily quotas`, async () => {
  await resetMarket(7);
  // resetMarket clears host faults for tests; the benchmark wants the calibrated market's duds back.
  await simOk("/__sim/control", { faultRates: DEFAULT_FAULT_RATES });
  const stub = env.FLEET.getByName(FLEET);
  const scaled = await stub.scale(FLEET, 4);
  if (!scaled.ok) throw new Error(scaled.message);
  let maxSub = 0;
  let passes = 0;
  for (let minute = 0; minute < HOURS * 60; minute++) {
    await advance(60);
    const { report } = await stub.tick(FLEET);
    if (report) {
      passes++;
      maxSub = Math.max(maxSub, report.subrequests);
    }
  }
  const s = await stub.status(FLEET);
  const u = s.usage;
  const perDay = (x: number) => Math.round((x * 1440) / Math.max(1, u.passes));
  const rows: [string, string, string][] = [
    ["passes", `${u.passes}`, "1,440 a day at one a minute"],
    ["Vast subrequests per pass", `mean ${(u.vastRequests / Math.max(1, u.passes)).toFixed(1)}, max ${maxSub}`, "Free: 50 per invocation"],
    ["KV writes per day", `${perDay(u.kvWrites)}`, "Free: 1,000"],
    ["KV reads per day", `${perDay(u.kvReads)}`, "Free: 100,000"],
    ["DO rows written per day", `${perDay(u.rowsWritten)}`, "Free: 100,000"],
    // The cron asks the registry for the fleet list, calls the fleet's object, then records the tick
    // for /healthz in the registry: three RPCs a tick; a pass about to rent also reads the shared
    // host blocks, and one that found some shares them.
    ["DO requests per day (3 per tick + registry)", `${perDay(3 * passes + u.registryCalls)}`, "Free: 100,000"],
  ];
  console.log(
    `\nFree-plan check: ${HOURS} simulated hours, fleet of 4, ${s.totals.running} running at the end, $${s.totals.dph.toFixed(3)}/h`,
  );
  for (const [what, value, limit] of rows) console.log(`  ${what.padEnd(40)} ${value.padStart(18)}   (${limit})`);
});
