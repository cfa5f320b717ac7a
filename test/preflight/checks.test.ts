import { describe, expect, it } from "vitest";
import { DEFAULTS, type FleetConfig } from "../../src/config/fleet";
import type { WhoAmI } from "../../src/health/hf";
import { canWrite, decide, type PreflightFacts } from "../../src/preflight/checks";
import type { Offer } from "../../src/vast/schemas";

/** The preflight's decisions, without I/O: each fact that can go wrong, the check it fails and the fix it names. */

const offer = (id: number, gpu: string, dph: number, machine = id): Offer =>
  ({ id, machine_id: machine, gpu_name: gpu, num_gpus: 1, gpu_ram: 12_288, dph_total: dph }) as Offer;
const OFFERS = [offer(1, "RTX 3060", 0.06), offer(2, "RTX 3060 Ti", 0.055), offer(3, "RTX 3070", 0.08), offer(4, "RTX 3090", 0.2)];
const who = (
  role: string,
  extra: Partial<WhoAmI["auth"]["accessToken"] & object> = {},
  name = "jasonyandell",
  orgs: string[] = [],
): WhoAmI => ({
  name,
  orgs: orgs.map((o) => ({ name: o })),
  auth: { accessToken: { role, ...extra } },
});

function facts(patch: Partial<PreflightFacts> = {}, config: Partial<FleetConfig> = {}): PreflightFacts {
  return {
    fleet: "zeb",
    n: 2,
    config: { ok: true, config: { ...DEFAULTS, ...config } },
    now: 1_000_000,
    offerState: { gpuStats: {}, hosts: {}, vramFloorMb: 0 },
    vastUser: { kind: "ok", value: { id: 7, credit: 100 } },
    offers: { kind: "ok", value: OFFERS },
    hf: {
      whoami: { kind: "ok", value: who("write") },
      weightsRepo: { kind: "ok", value: { id: DEFAULTS.repoId } },
      examplesRepo: { kind: "ok", value: { id: DEFAULTS.examplesRepoId } },
      weights: { result: "present", detail: "found" },
    },
    slack: { tested: null },
    ...patch,
  };
}

const failures = (f: PreflightFacts) =>
  decide(f)
    .checks.filter((c) => !c.ok)
    .map((c) => ({ name: c.name, detail: c.detail, fix: c.fix }));

describe("decide", () => {
  it("all facts good: ok, and the first pass rents the best games per dollar under the cap, one per slot", () => {
    const d = decide(facts());
    expect(d.ok).toBe(true);
    expect(d.checks.every((c) => c.fix === null)).toBe(true);
    // The 3060 Ti at $0.055 beats the 3060 at $0.06 per dollar; the 3090 is over the cap.
    expect(d.firstPass?.rentals.map((r) => [r.slot, r.gpu, r.dph])).toEqual([
      [0, "RTX 3060 Ti", 0.055],
      [1, "RTX 3060", 0.06],
    ]);
    expect(d.firstPass?.dph).toBeCloseTo(0.115, 9);
    expect(d.firstPass?.perDay).toBeCloseTo(2.76, 9);
    expect(d.checks.find((c) => c.name === "credit")?.detail).toBe(
      "credit $100.00 lasts 869.6 h (36.2 days) at $0.115/h for 2 of 2 workers",
    );
    expect(d.checks.find((c) => c.name === "offers")?.detail).toBe(
      "3 usable offers under $0.090/h (1 more listed that the fleet would not rent); cheapest RTX 3060 Ti $0.055/h; best value RTX 3060 Ti $0.055/h, ~275K games/$",
    );
  });

  const KEY_FIX = "create a key at https://cloud.vast.ai/manage-keys/ and `wrangler secret put VAST_API_KEY`";
  const TOKEN_FIX =
    "create a token with write access to jasonyandell/zeb-42 and jasonyandell/zeb-42-examples at https://huggingface.co/settings/tokens and `wrangler secret put HF_TOKEN`";
  const WRITE_FIX = "give the token write access to it (https://huggingface.co/settings/tokens)";
  const forbidden = { kind: "http" as const, status: 403, detail: "HTTP 403" };
  const base = facts();
  const hf =
    base.hf ??
    (() => {
      throw new Error("no hf");
    })();

  const table: { name: string; f: PreflightFacts; fails: { name: string; detail: string | RegExp; fix: string | RegExp }[] }[] = [
    {
      name: "no VAST_API_KEY",
      f: facts({ vastUser: null, offers: null }),
      fails: [
        { name: "vastKey", detail: "VAST_API_KEY is not set", fix: KEY_FIX },
        { name: "credit", detail: "not checked: Vast did not accept the key", fix: "fix VAST_API_KEY first (vastKey)" },
        { name: "offers", detail: "not searched: no VAST_API_KEY", fix: KEY_FIX },
      ],
    },
    {
      name: "a key Vast refuses",
      f: facts({
        vastUser: { kind: "refused", status: 401, detail: "Invalid user key" },
        offers: { kind: "refused", status: 401, detail: "Invalid user key" },
      }),
      fails: [
        { name: "vastKey", detail: "VAST_API_KEY is refused by Vast (HTTP 401: Invalid user key)", fix: KEY_FIX },
        { name: "credit", detail: "not checked: Vast did not accept the key", fix: "fix VAST_API_KEY first (vastKey)" },
        { name: "offers", detail: "not searched: Vast refused the key (HTTP 401)", fix: KEY_FIX },
      ],
    },
    {
      name: "Vast unavailable",
      f: facts({ vastUser: { kind: "error", detail: "503" }, offers: { kind: "error", detail: "503" } }),
      fails: [
        { name: "vastKey", detail: "cannot ask Vast about the key: 503", fix: "retry in a few minutes; nothing was changed" },
        { name: "credit", detail: "not checked: Vast did not accept the key", fix: "fix VAST_API_KEY first (vastKey)" },
        { name: "offers", detail: "the offer search failed: 503", fix: "retry in a few minutes; nothing was changed" },
      ],
    },
    {
      name: "no credit",
      f: facts({ vastUser: { kind: "ok", value: { id: 7, credit: -0.5 } } }),
      fails: [
        {
          name: "credit",
          detail: "credit $-0.50 on Vast: every rental would be refused for lack of credit",
          fix: "add credit at https://cloud.vast.ai/billing/",
        },
      ],
    },
    {
      name: "credit for less than creditAlertHours",
      f: facts({ vastUser: { kind: "ok", value: { id: 7, credit: 1 } } }),
      fails: [
        {
          name: "credit",
          detail: /^credit \$1\.00 lasts 8\.7 h .*under creditAlertHours \(ZEB_CREDIT_ALERT_HOURS\) 12 h/,
          fix: "add credit at https://cloud.vast.ai/billing/",
        },
      ],
    },
    {
      name: "nothing under the cap",
      f: facts({}, { maxDph: 0.05 }),
      fails: [
        {
          name: "offers",
          detail: "no offers under $0.050/h (4 listed, none the fleet would rent: blocked hosts, its VRAM floor)",
          fix: "raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS",
        },
      ],
    },
    {
      name: "fewer offers than the target, under a fleet ceiling",
      f: facts({ n: 4 }, { maxFleetDph: 0.12 }),
      fails: [
        {
          name: "offers",
          detail: /; only 2 of 4 workers fit$/,
          fix: "raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS or ZEB_MAX_FLEET_DPH ($0.120/h), or scale to 2",
        },
      ],
    },
    {
      name: "blocked hosts are skipped as the plan skips them",
      f: facts({
        n: 1,
        offerState: {
          gpuStats: {},
          hosts: {
            "2": {
              machineId: 2,
              gamesPerSec: null,
              samples: 0,
              measuredAt: null,
              gpuName: "RTX 3060 Ti",
              strikes: 0,
              lastStrikeAt: 0,
              lastStrike: null,
              blockedReason: "No CUDA",
              sharedFrom: null,
            },
          },
          vramFloorMb: 0,
        },
      }),
      fails: [],
    },
    {
      name: "the commit budget",
      f: facts({ n: 10 }, { uploadInterval: 300 }),
      fails: [
        {
          name: "hfCommitBudget",
          detail: "10 workers uploading every 300s make 120 commits/hour per repository, over the budget of 100 (Hugging Face allows 128)",
          fix: "set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least 360s, or aim lower",
        },
        { name: "offers", detail: /only 3 of 10 workers fit$/, fix: /scale to 3$/ },
      ],
    },
    {
      name: "over maxWorkers",
      f: facts({ n: 40, offers: { kind: "ok", value: [] } }, { uploadInterval: 3600 }),
      fails: [
        { name: "config", detail: "target 40 is over maxWorkers (ZEB_MAX_WORKERS) 32", fix: "raise ZEB_MAX_WORKERS, or aim lower" },
        { name: "offers", detail: "no offers under $0.090/h", fix: "raise ZEB_MAX_DPH or add GPU models to ZEB_GPUS" },
      ],
    },
    {
      name: "a paused fleet",
      f: facts({}, { paused: true }),
      fails: [{ name: "config", detail: "fleet zeb is paused: /scale would rent nothing", fix: "POST /resume?fleet=zeb" }],
    },
    {
      name: "an invalid config: nothing that depends on it is checked",
      f: facts({ config: { ok: false, errors: ["maxDph (ZEB_MAX_DPH): must be positive"] }, offers: null, hf: null }),
      fails: [
        {
          name: "config",
          detail: "fleet zeb's config is invalid: maxDph (ZEB_MAX_DPH): must be positive",
          fix: "fix the named settings in wrangler.toml [vars] or with PUT /fleets/zeb",
        },
        { name: "hfCommitBudget", detail: "not checked: the config is invalid", fix: "fix the config first" },
        { name: "offers", detail: "not searched: the config is invalid", fix: "fix the config first" },
        ...["hfToken", "hfWeightsRepo", "hfExamplesRepo", "weights"].map((name) => ({
          name,
          detail: "not checked: the config is invalid",
          fix: "fix the config first",
        })),
      ],
    },
    {
      name: "no HF_TOKEN",
      f: facts({ hf: { ...hf, whoami: null } }),
      fails: [
        { name: "hfToken", detail: "HF_TOKEN is not set", fix: TOKEN_FIX },
        { name: "hfWeightsRepo", detail: "jasonyandell/zeb-42 is readable; write access unknown: HF_TOKEN not accepted", fix: TOKEN_FIX },
        {
          name: "hfExamplesRepo",
          detail: "jasonyandell/zeb-42-examples is readable; write access unknown: HF_TOKEN not accepted",
          fix: TOKEN_FIX,
        },
      ],
    },
    {
      name: "HF 403 on the examples repo",
      f: facts({ hf: { ...hf, examplesRepo: forbidden } }),
      fails: [{ name: "hfExamplesRepo", detail: "HF 403 on jasonyandell/zeb-42-examples (HTTP 403)", fix: WRITE_FIX }],
    },
    {
      name: "a repo that does not exist",
      f: facts({ hf: { ...hf, weightsRepo: { kind: "http", status: 404, detail: "HTTP 404 RepoNotFound" } } }),
      fails: [
        {
          name: "hfWeightsRepo",
          detail: "jasonyandell/zeb-42 not found on Hugging Face, or private and the token cannot read it (HTTP 404 RepoNotFound)",
          fix: "create the model jasonyandell/zeb-42, or correct ZEB_REPO_ID",
        },
      ],
    },
    {
      name: "a read token",
      f: facts({ hf: { ...hf, whoami: { kind: "ok", value: who("read") } } }),
      fails: [
        { name: "hfWeightsRepo", detail: "jasonyandell/zeb-42 is readable but HF_TOKEN (role read) cannot write to it", fix: WRITE_FIX },
        {
          name: "hfExamplesRepo",
          detail: "jasonyandell/zeb-42-examples is readable but HF_TOKEN (role read) cannot write to it",
          fix: WRITE_FIX,
        },
      ],
    },
    {
      name: "weights missing",
      f: facts({ hf: { ...hf, weights: { result: "missing", detail: "HTTP 404 EntryNotFound" } } }),
      fails: [
        {
          name: "weights",
          detail: "weights zeb-557k-1m.pt missing in jasonyandell/zeb-42 (HTTP 404 EntryNotFound)",
          fix: /^start the learner: python -u -m forge\.zeb\.learner\.run --repo-id jasonyandell\/zeb-42 --examples-repo-id jasonyandell\/zeb-42-examples --weights-name zeb-557k-1m /,
        },
      ],
    },
    {
      name: "Slack refusing the test message",
      f: facts({ slack: { tested: { kind: "permanent", status: 404, error: "no_service" } } }),
      fails: [
        {
          name: "slack",
          detail: "Slack did not take the test message: HTTP 404 no_service",
          fix: "set SLACK_WEBHOOK_URL to an incoming-webhook URL of a Slack app: `wrangler secret put SLACK_WEBHOOK_URL`",
        },
      ],
    },
    {
      name: "no Slack at all is fine (it is optional)",
      f: facts({ slack: null }),
      fails: [],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const got = failures(row.f);
      expect(got.map((c) => c.name)).toEqual(row.fails.map((c) => c.name));
      row.fails.forEach((want, i) => {
        const c = got[i];
        if (typeof want.detail === "string") expect(c?.detail).toBe(want.detail);
        else expect(c?.detail).toMatch(want.detail);
        if (typeof want.fix === "string") expect(c?.fix).toBe(want.fix);
        else expect(c?.fix).toMatch(want.fix);
      });
      expect(decide(row.f).ok).toBe(row.fails.length === 0);
    });
  }

  it("a blocked host is not among the rentals", () => {
    const blocked = table.find((r) => r.name.startsWith("blocked hosts"));
    expect(decide(blocked?.f ?? facts()).firstPass?.rentals.map((r) => r.machineId)).toEqual([1]);
  });
});

describe("canWrite: what whoami-v2 says a token may write", () => {
  const scoped = (entity: { type: string; name: string }, permissions: string[]) => ({ entity, permissions });
  const cases: [string, WhoAmI, "model" | "dataset", string, boolean][] = [
    ["a write token on the user's own repo", who("write"), "dataset", "jasonyandell/ex", true],
    ["a write token on an org's repo the user belongs to", who("write", {}, "me", ["lab"]), "model", "lab/m", true],
    ["a write token on someone else's repo", who("write", {}, "me", ["lab"]), "model", "other/m", false],
    ["a read token", who("read"), "model", "jasonyandell/m", false],
    [
      "fine-grained, write on that dataset",
      who("fineGrained", {
        fineGrained: { global: [], scoped: [scoped({ type: "dataset", name: "o/ex" }, ["repo.content.read", "repo.write"])] },
      }),
      "dataset",
      "o/ex",
      true,
    ],
    [
      "fine-grained, write on the same name as a model only",
      who("fineGrained", { fineGrained: { global: [], scoped: [scoped({ type: "model", name: "o/ex" }, ["repo.write"])] } }),
      "dataset",
      "o/ex",
      false,
    ],
    [
      "fine-grained, write on every repo of the owner",
      who("fineGrained", { fineGrained: { global: [], scoped: [scoped({ type: "org", name: "o" }, ["repo.write"])] } }),
      "model",
      "o/m",
      true,
    ],
    [
      "fine-grained, read only",
      who("fineGrained", { fineGrained: { global: [], scoped: [scoped({ type: "dataset", name: "o/ex" }, ["repo.content.read"])] } }),
      "dataset",
      "o/ex",
      false,
    ],
    ["no access token in the answer", { name: "o", orgs: [], auth: {} }, "model", "o/m", false],
  ];
  for (const [name, w, kind, repo, want] of cases) it(name, () => expect(canWrite(w, kind, repo)).toBe(want));
});
