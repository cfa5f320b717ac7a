import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Received } from "../alerts/standins";
import { call, callJson, createFleet, READ, resetMarket, SECRETS, sim, simInstances } from "./helpers";

/**
 * `GET /preflight` through the Worker's real fetch handler, the fleet objects and the simulator
 * (Vast and its Hugging Face stand-in): every check passes on a healthy setup, each failure names
 * its fix, and nothing is rented or changed.
 */

interface CheckBody {
  name: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}
interface PreflightBody {
  fleet: string;
  target: number;
  ok: boolean;
  checks: CheckBody[];
  firstPass: { rentals: { slot: number; gpu: string; dph: number; gamesPerDollar: number }[]; dph: number; perDay: number } | null;
}

const preflight = (query = "") => callJson<PreflightBody>(`/preflight${query}`);
const check = (body: PreflightBody, name: string): CheckBody => {
  const found = body.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${JSON.stringify(body.checks.map((c) => c.name))}`);
  return found;
};
const failed = (body: PreflightBody) => body.checks.filter((c) => !c.ok).map((c) => c.name);
const simCredit = async () => ((await sim("/__sim/state")) as { credit: number }).credit;

beforeEach(async () => {
  await resetMarket();
});

describe("GET /preflight", () => {
  describe("on a healthy setup, at n=2", () => {
    /** One preflight, with what it could have changed read before and after it. */
    let seen: {
      body: PreflightBody;
      first: NonNullable<PreflightBody["firstPass"]>;
      before: { fleet: unknown; events: unknown; credit: number };
      after: { fleet: unknown; events: unknown; credit: number; instances: unknown };
    };
    beforeAll(async () => {
      await resetMarket();
      const before = { fleet: await callJson("/fleets/zeb"), events: await callJson("/events"), credit: await simCredit() };
      const body = await preflight("?n=2");
      const after = {
        fleet: await callJson("/fleets/zeb"),
        events: await callJson("/events"),
        credit: await simCredit(),
        instances: await simInstances(),
      };
      if (!body.firstPass) throw new Error("no firstPass");
      seen = { body, first: body.firstPass, before, after };
    });

    it("passes every check, in order, none naming a fix", () => {
      expect(seen.body.checks.filter((c) => !c.ok)).toEqual([]);
      expect(seen.body.ok).toBe(true);
      expect(seen.body.target).toBe(2);
      expect(seen.body.checks.map((c) => c.name)).toEqual([
        "config",
        "hfCommitBudget",
        "vastKey",
        "credit",
        "offers",
        "hfToken",
        "hfWeightsRepo",
        "hfExamplesRepo",
        "weights",
        "slack",
      ]);
      for (const c of seen.body.checks) expect(c.fix).toBeNull();
    });

    it("lists one rental per slot under the cap, best value first, with their total $/h and $/day", () => {
      const { first } = seen;
      expect(first.rentals.map((r) => r.slot)).toEqual([0, 1]);
      for (const r of first.rentals) {
        expect(r.dph).toBeLessThanOrEqual(0.09);
        expect(r.gamesPerDollar).toBeGreaterThan(0);
      }
      // Best value first, as the plan rents them.
      expect(first.rentals.map((r) => r.gamesPerDollar)).toEqual([...first.rentals.map((r) => r.gamesPerDollar)].sort((a, b) => b - a));
      expect(first.dph).toBeCloseTo(
        first.rentals.reduce((s, r) => s + r.dph, 0),
        9,
      );
      expect(first.perDay).toBeCloseTo(first.dph * 24, 9);
    });

    it("says in each check's detail what it found", () => {
      expect(check(seen.body, "credit").detail).toMatch(
        /^credit \$1000\.00 lasts [\d.]+ h \([\d.]+ days\) at \$0\.\d{3}\/h for 2 of 2 workers$/,
      );
      expect(check(seen.body, "offers").detail).toMatch(/usable offers under \$0\.090\/h.*cheapest RTX .*best value RTX .*K games\/\$/);
      expect(check(seen.body, "hfExamplesRepo").detail).toBe(
        "jasonyandell/zeb-42-examples: readable, and HF_TOKEN may write to it (nothing was committed)",
      );
      expect(check(seen.body, "weights").detail).toBe("zeb-557k-1m.pt found in jasonyandell/zeb-42");
    });

    it("rents nothing and changes nothing: no instance, the same credit, config and events", () => {
      expect(seen.after.instances).toEqual([]);
      expect(seen.after.credit).toBe(1000);
      expect(seen.after.credit).toBe(seen.before.credit);
      expect(seen.after.fleet).toEqual(seen.before.fleet);
      expect(seen.after.events).toEqual(seen.before.events);
    });
  });

  it("rents what the plan would: the same offers as a dry-run pass of the fleet at that target, and says when the market falls short", async () => {
    // Seed 7's market starts with two offers under $0.09/h.
    await createFleet("pf-plan", { workers: 4 });
    const body = await preflight("?fleet=pf-plan");
    const dry = await callJson<{ report: { actions: { kind: string; reason: string }[]; held: string[] } }>(
      "/reconcile?fleet=pf-plan&dry_run=1",
      { method: "POST" },
    );
    const planned = dry.report.actions.filter((a) => a.kind === "launch").map((a) => a.reason);
    expect(planned.length).toBe(2);
    expect(
      body.firstPass?.rentals.map(
        (r) => `slot ${r.slot} empty (target 4): ${r.gpu} @ $${r.dph.toFixed(3)}/h, ~${Math.round(r.gamesPerDollar / 1000)}K games/$`,
      ),
    ).toEqual(planned);
    expect(dry.report.held).toEqual(["no offers for 2 slot(s) under $0.09/h"]);
    expect(failed(body)).toEqual(["offers"]);
    expect(check(body, "offers").detail).toMatch(/^2 usable offers under \$0\.090\/h; .*; only 2 of 4 workers fit$/);
    expect(check(body, "offers").fix).toBe("raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS, or scale to 2");
    expect(await simInstances()).toEqual([]);
  });

  it("defaults to the fleet's own target: 0 rents nothing and still checks everything", async () => {
    const body = await preflight();
    expect(body.target).toBe(0);
    expect(body.ok).toBe(true);
    expect(body.firstPass).toEqual({ rentals: [], dph: 0, perDay: 0 });
    expect(check(body, "credit").detail).toBe("credit $1000.00; no rental planned, so no runway to tell");
  });

  it("a key Vast refuses (401 auth_error): names VAST_API_KEY and where to make one", async () => {
    await sim("/__sim/control", { refuseKeys: true });
    const res = await call("/preflight?n=2");
    expect(res.status).toBe(200);
    const body = res.json() as PreflightBody;
    expect(body.ok).toBe(false);
    const key = check(body, "vastKey");
    expect(key.detail).toMatch(/^VAST_API_KEY is refused by Vast \(HTTP 401: .*Invalid user key/);
    expect(key.fix).toBe("create a key at https://cloud.vast.ai/manage-keys/ and `wrangler secret put VAST_API_KEY`");
    expect(check(body, "offers").fix).toBe(key.fix);
    expect(failed(body)).toEqual(["vastKey", "credit", "offers"]);
    expect(body.firstPass).toBeNull();
  });

  it("no credit: says so and where to add it", async () => {
    await sim("/__sim/control", { credit: 0 });
    const body = await preflight("?n=2");
    expect(failed(body)).toEqual(["credit"]);
    expect(check(body, "credit")).toMatchObject({
      detail: "credit $0.00 on Vast: every rental would be refused for lack of credit",
      fix: "add credit at https://cloud.vast.ai/billing/",
    });
  });

  it("credit that would last under ZEB_CREDIT_ALERT_HOURS fails with the runway", async () => {
    await sim("/__sim/control", { credit: 1 });
    const credit = check(await preflight("?n=2"), "credit");
    expect(credit.ok).toBe(false);
    expect(credit.detail).toMatch(/^credit \$1\.00 lasts [\d.]+ h .* under creditAlertHours \(ZEB_CREDIT_ALERT_HOURS\) 12 h/);
    expect(credit.fix).toBe("add credit at https://cloud.vast.ai/billing/");
  });

  it("HF 403 on the examples repo: give the token write access to it", async () => {
    await sim("/__sim/control", { hf: { forbidden: ["jasonyandell/zeb-42-examples"] } });
    const body = await preflight("?n=2");
    expect(failed(body)).toEqual(["hfExamplesRepo"]);
    const examples = check(body, "hfExamplesRepo");
    expect(examples.detail).toMatch(/^HF 403 on jasonyandell\/zeb-42-examples \(HTTP 403/);
    expect(examples.fix).toBe("give the token write access to it (https://huggingface.co/settings/tokens)");
  });

  it("a read-only HF token: both repositories readable, neither writable", async () => {
    await sim("/__sim/control", { hf: { roles: { hf_test_SECRET: "read" } } });
    const body = await preflight("?n=2");
    expect(failed(body)).toEqual(["hfWeightsRepo", "hfExamplesRepo"]);
    expect(check(body, "hfToken").detail).toBe("accepted: jasonyandell's, role read");
    expect(check(body, "hfWeightsRepo").detail).toBe("jasonyandell/zeb-42 is readable but HF_TOKEN (role read) cannot write to it");
  });

  it("an HF token Hugging Face refuses: every HF check names HF_TOKEN", async () => {
    await sim("/__sim/control", { hf: { roles: { hf_test_SECRET: "refused" } } });
    const body = await preflight("?n=2");
    expect(failed(body)).toEqual(["hfToken", "hfWeightsRepo", "hfExamplesRepo", "weights"]);
    expect(check(body, "hfToken").fix).toMatch(
      /^create a token with write access to jasonyandell\/zeb-42 and jasonyandell\/zeb-42-examples at https:\/\/huggingface\.co\/settings\/tokens and `wrangler secret put HF_TOKEN`$/,
    );
  });

  it("weights missing: names the file, the repo and the learner command", async () => {
    await createFleet("pf-noweights", { weightsName: "zeb-missing" });
    const body = await preflight("?fleet=pf-noweights&n=2");
    expect(body.fleet).toBe("pf-noweights");
    expect(failed(body)).toEqual(["weights"]);
    const weights = check(body, "weights");
    expect(weights.detail).toMatch(/^weights zeb-missing\.pt missing in jasonyandell\/zeb-42 /);
    expect(weights.fix).toMatch(
      /^start the learner: python -u -m forge\.zeb\.learner\.run --repo-id jasonyandell\/zeb-42 .*--weights-name zeb-missing /,
    );
  });

  it("no offers under the fleet's cap (its own config, through ?fleet=)", async () => {
    await createFleet("pf-cheap", { maxDph: 0.001 });
    const body = await preflight("?fleet=pf-cheap&n=2");
    expect(failed(body)).toEqual(["offers"]);
    expect(check(body, "offers")).toMatchObject({
      detail: "no offers under $0.001/h",
      fix: "raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS",
    });
    expect(body.firstPass).toEqual({ rentals: [], dph: 0, perDay: 0 });
    // The default fleet's cap is not this one's.
    expect(check(await preflight("?n=2"), "offers").ok).toBe(true);
  });

  it("a target over the Hugging Face commit budget, with the upload interval fixed by hand, names the interval that allows it", async () => {
    await createFleet("pf-fixed", { uploadInterval: 240 });
    const budget = check(await preflight("?fleet=pf-fixed&n=8"), "hfCommitBudget");
    expect(budget).toMatchObject({ ok: false, fix: "set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least 288s, or aim lower" });
    expect(budget.detail).toBe(
      "8 workers uploading every 240s make 120 commits/hour per repository, over the budget of 100 (Hugging Face allows 128)",
    );
    // With `auto` (the default) the fleet chooses an interval inside the budget.
    expect(check(await preflight("?n=8"), "hfCommitBudget")).toMatchObject({
      ok: true,
      detail: "8 workers uploading every 288s (auto): 100 commits/hour per repository (budget 100, Hugging Face allows 128)",
    });
  });

  it("slack=1 sends one test message; without it Slack only hears nothing", async () => {
    const received = async () =>
      ((await (await fetch("https://hooks.slack.com/__standin/received?fleet=zeb")).json()) as Received[]).filter((r) =>
        JSON.stringify(r.payload).includes("Preflight"),
      );
    const before = (await received()).length;
    expect(check(await preflight(), "slack").detail).toBe("SLACK_WEBHOOK_URL is set; add slack=1 to send one test message");
    expect((await received()).length).toBe(before);
    expect(check(await preflight("?slack=1"), "slack")).toEqual({
      name: "slack",
      ok: true,
      detail: "test message sent to SLACK_WEBHOOK_URL",
      fix: null,
    });
    const sent = await received();
    expect(sent.length).toBe(before + 1);
    expect(sent.at(-1)?.violations).toEqual([]);
  });

  it("is the admin's: the read token gets 403, an unknown fleet 404", async () => {
    const read = await call("/preflight", { token: READ });
    expect(read.status).toBe(403);
    expect(read.json()).toMatchObject({ error: "forbidden" });
    const unknown = await call("/preflight?fleet=nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: "unknown_fleet" });
  });

  it("never shows a secret, failing or not", async () => {
    await sim("/__sim/control", { refuseKeys: true, hf: { forbidden: ["jasonyandell/zeb-42"] } });
    for (const query of ["?n=2", "?n=2&slack=1"]) {
      const res = await call(`/preflight${query}`);
      for (const secret of [...SECRETS, "slack-hook-SECRET"]) expect(res.text).not.toContain(secret);
    }
  });

  it("the OpenAPI document describes the answer", async () => {
    const doc = await callJson<{
      paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }>("/openapi.json");
    expect(doc.paths["/preflight"]?.get?.responses["200"]?.content["application/json"]?.schema.$ref).toBe("#/components/schemas/Preflight");
    expect(Object.keys(doc.components.schemas.Preflight?.properties ?? {})).toEqual(["fleet", "target", "ok", "checks", "firstPass"]);
    expect(Object.keys(doc.components.schemas.PreflightCheck?.properties ?? {})).toEqual(["name", "ok", "detail", "fix"]);
  });
});
