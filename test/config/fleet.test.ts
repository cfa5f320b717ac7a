import { describe, expect, it } from "vitest";
import {
  configFromVars,
  DEFAULT_GPUS,
  DEFAULTS,
  FIELD_VARS,
  type FleetConfig,
  labelFor,
  patchConfig,
  slotOf,
  validateConfig,
  type ConfigResult,
} from "../../src/config/fleet";
import {
  HF_COMMIT_BUDGET,
  HF_COMMITS_PER_HOUR,
  commitsPerHour,
  launchUploadInterval,
  plannedUploadInterval,
  minUploadInterval,
} from "../../src/config/uploads";

const ok = (r: ConfigResult): FleetConfig => {
  if (!r.ok) throw new Error(`expected a valid config, got: ${r.errors.join("; ")}`);
  return r.config;
};
const errors = (r: ConfigResult): string[] => (r.ok ? [] : r.errors);

describe("config: defaults", () => {
  it("DEFAULTS are valid and unchanged by validation", () => {
    expect(ok(validateConfig(DEFAULTS))).toEqual(DEFAULTS);
    expect(ok(configFromVars({}))).toEqual(DEFAULTS);
  });

  it.each<[keyof FleetConfig, unknown]>([
    ["maxDph", 0.09],
    ["gpus", DEFAULT_GPUS],
    ["errGraceS", 300],
    ["setupTimeoutS", 600],
    ["bootTimeoutS", 600],
    ["waitTimeoutS", 900],
    ["stallTimeoutS", 600],
    ["weightsName", "zeb-557k-1m"],
    ["repoId", "jasonyandell/zeb-42"],
    ["examplesRepoId", "jasonyandell/zeb-42-examples"],
    ["upgradeMinGain", 0.15],
    ["upgradeTrialS", 900],
    ["upgradeCooldownS", 1800],
    ["paused", false],
  ])("runbook default %s = %j", (field, value) => {
    expect(DEFAULTS[field]).toEqual(value);
  });

  it("every field has exactly one ZEB_ variable", () => {
    const names = Object.values(FIELD_VARS);
    expect(Object.keys(FIELD_VARS).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^ZEB_[A-Z0-9_]+$/);
  });
});

describe("config: ZEB_* vars", () => {
  it.each<[string, Record<string, string>, Partial<FleetConfig>]>([
    [
      "ZEB_GPUS with the runbook's underscores → Vast's spaces",
      { ZEB_GPUS: "RTX_3060 RTX_3060_Ti" },
      { gpus: ["RTX 3060", "RTX 3060 Ti"] },
    ],
    ["ZEB_GPUS with commas and extra blanks", { ZEB_GPUS: " RTX_3090, RTX_4090 " }, { gpus: ["RTX 3090", "RTX 4090"] }],
    ["ZEB_MAX_DPH", { ZEB_MAX_DPH: "0.12" }, { maxDph: 0.12 }],
    ["ZEB_WORKERS", { ZEB_WORKERS: "4" }, { workers: 4 }],
    ["ZEB_FLEET-style names: ZEB_WEIGHTS_NAME", { ZEB_WEIGHTS_NAME: "large" }, { weightsName: "large" }],
    ["ZEB_MAX_FLEET_DPH number", { ZEB_MAX_FLEET_DPH: "2.5" }, { maxFleetDph: 2.5 }],
    ["ZEB_MAX_FLEET_DPH none", { ZEB_MAX_FLEET_DPH: "none" }, { maxFleetDph: null }],
    ["ZEB_MAX_FLEET_DPH empty", { ZEB_MAX_FLEET_DPH: "" }, { maxFleetDph: null }],
    ["ZEB_DIGEST_HOUR_UTC number", { ZEB_DIGEST_HOUR_UTC: "6" }, { digestHourUtc: 6 }],
    ["ZEB_DIGEST_HOUR_UTC none", { ZEB_DIGEST_HOUR_UTC: "none" }, { digestHourUtc: null }],
    ["ZEB_DIGEST_HOUR_UTC empty", { ZEB_DIGEST_HOUR_UTC: "" }, { digestHourUtc: null }],
    ["ZEB_PAUSED true", { ZEB_PAUSED: "true" }, { paused: true }],
    ["ZEB_PAUSED 1", { ZEB_PAUSED: "1" }, { paused: true }],
    ["ZEB_PAUSED false", { ZEB_PAUSED: "false" }, { paused: false }],
    ["ZEB_GPU_PRIORS JSON", { ZEB_GPU_PRIORS: '{"RTX 3060": 4.5}' }, { gpuPriors: { "RTX 3060": 4.5 } }],
    ["non-ZEB vars are ignored", { MAX_DPH: "5", workers: "3" }, {}],
  ])("%s", (_name, vars, expected) => {
    expect(ok(configFromVars(vars))).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each<[string, Record<string, string>, string, string]>([
    ["max $/h not a number", { ZEB_MAX_DPH: "cheap" }, "maxDph", "ZEB_MAX_DPH"],
    ["max $/h empty", { ZEB_MAX_DPH: "" }, "maxDph", "ZEB_MAX_DPH"],
    ["max $/h negative", { ZEB_MAX_DPH: "-1" }, "maxDph", "ZEB_MAX_DPH"],
    ["a GPU name with a bad character", { ZEB_GPUS: "RTX_3060 RTX;3070" }, "gpus.1", "ZEB_GPUS"],
    ["workers fractional", { ZEB_WORKERS: "2.5" }, "workers", "ZEB_WORKERS"],
    ["workers above maxWorkers", { ZEB_WORKERS: "40" }, "workers", "ZEB_WORKERS"],
    ["repo id without owner", { ZEB_REPO_ID: "zeb-42" }, "repoId", "ZEB_REPO_ID"],
    ["boot timeout under a minute", { ZEB_BOOT_TIMEOUT_S: "30" }, "bootTimeoutS", "ZEB_BOOT_TIMEOUT_S"],
    ["priors not JSON", { ZEB_GPU_PRIORS: "fast" }, "gpuPriors", "ZEB_GPU_PRIORS"],
    ["digest hour 24", { ZEB_DIGEST_HOUR_UTC: "24" }, "digestHourUtc", "ZEB_DIGEST_HOUR_UTC"],
    ["a GPU name of underscores only", { ZEB_GPUS: "RTX_3060 __" }, "gpus.1", "ZEB_GPUS"],
    ["a GPU listed twice", { ZEB_GPUS: "RTX_3060 RTX_3090 RTX_3060" }, "gpus", "ZEB_GPUS"],
    ["a code repo on the local disk", { ZEB_CODE_REPO: "file:///root/code" }, "codeRepo", "ZEB_CODE_REPO"],
    ["an image with a space", { ZEB_IMAGE: "pytorch/pytorch --gpus all" }, "image", "ZEB_IMAGE"],
    ["priors with a __proto__ key", { ZEB_GPU_PRIORS: '{"__proto__": {"RTX 3060": 9}}' }, "gpuPriors.__proto__", "ZEB_GPU_PRIORS"],
  ])("invalid: %s → names %s and %s", (_name, vars, field, variable) => {
    const errs = errors(configFromVars(vars));
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.some((e) => e.startsWith(`${field} (${variable}):`))).toBe(true);
  });
});

describe("config: Hugging Face commit budget", () => {
  it("the budget stays under Hugging Face's hourly commit limit", () => {
    expect(HF_COMMIT_BUDGET).toBeLessThan(HF_COMMITS_PER_HOUR);
  });

  it.each<[number, number]>([
    [0, 0],
    [1, 36],
    [6, 216],
    [7, 252],
    [12, 432],
    [100, 3600],
  ])("%i workers → upload at least every %i s", (workers, interval) => {
    expect(minUploadInterval(workers)).toBe(interval);
    // `workers` uploaders at that interval make at most HF_COMMIT_BUDGET commits an hour.
    if (workers > 0) expect((workers * 3600) / interval).toBeLessThanOrEqual(HF_COMMIT_BUDGET);
  });

  it.each<[number, number, boolean]>([
    [6, 240, true],
    [7, 240, false],
    [12, 432, true],
    [12, 431, false],
  ])("%i workers uploading every %i s → valid: %s", (workers, uploadInterval, valid) => {
    const r = validateConfig({ ...DEFAULTS, workers, uploadInterval });
    expect(r.ok).toBe(valid);
    if (!valid) expect(errors(r).join()).toMatch(/uploadInterval \(ZEB_UPLOAD_INTERVAL\): .*commits\/hour.*use at least \d+s/);
  });

  it("patchConfig checks the budget against the new worker count", () => {
    expect(errors(patchConfig({ ...DEFAULTS, uploadInterval: 240 }, { workers: 12 })).join()).toMatch(/use at least 432s/);
    // auto (the default) has no fixed interval to refuse: each launch gets one that fits.
    expect(ok(patchConfig(DEFAULTS, { workers: 12 })).workers).toBe(12);
    expect(ok(patchConfig(DEFAULTS, { workers: 12, uploadInterval: 432 })).workers).toBe(12);
  });

  it.each<[string, unknown, RegExp]>([
    ["unknown key", { maxPrice: 1 }, /maxPrice|unrecognized/i],
    ["wrong type", { maxDph: "0.1" }, /^maxDph \(ZEB_MAX_DPH\)/],
  ])("patchConfig rejects %s", (_name, patch, message) => {
    expect(errors(patchConfig(DEFAULTS, patch)).join()).toMatch(message);
  });
});

describe("config: labels and ownership", () => {
  it.each<[string, string, string | null | undefined, number | null]>([
    ["its own slot 0", "zeb", "zeb-worker-vast-0", 0],
    ["its own slot 11", "zeb", "zeb-worker-vast-11", 11],
    ["a large slot", "zeb", "zeb-worker-vast-123456", 123456],
    ["another fleet sharing the prefix", "zeb", "zeb-large-worker-vast-0", null],
    ["the longer fleet owns its own", "zeb-large", "zeb-large-worker-vast-0", 0],
    ["the longer fleet does not own the shorter one's", "zeb-large", "zeb-worker-vast-0", null],
    ["leading zero", "zeb", "zeb-worker-vast-01", null],
    ["trailing garbage", "zeb", "zeb-worker-vast-1x", null],
    ["leading garbage", "zeb", "xzeb-worker-vast-1", null],
    ["no slot number", "zeb", "zeb-worker-vast-", null],
    ["negative slot", "zeb", "zeb-worker-vast--1", null],
    ["not a worker label", "zeb", "zeb-learner", null],
    ["null label", "zeb", null, null],
    ["undefined label", "zeb", undefined, null],
    ["empty label", "zeb", "", null],
  ])("slotOf: %s (%s, %j) → %j", (_name, fleet, label, slot) => {
    expect(slotOf(fleet, label)).toBe(slot);
  });

  it.each<[string, number]>([
    ["zeb", 0],
    ["zeb", 10],
    ["zeb-large", 3],
  ])("labelFor(%s, %i) round-trips through slotOf", (fleet, slot) => {
    const label = labelFor(fleet, slot);
    expect(label).toBe(`${fleet}-worker-vast-${slot}`);
    expect(slotOf(fleet, label)).toBe(slot);
  });
});

describe("upload interval auto", () => {
  it.each<[string, number[], number, number]>([
    ["an empty fleet of 12", [], 12, 432],
    ["4 workers: the runbook's 240 s is the floor", [], 4, 240],
    ["8 more next to 4 at 240 s share the 40 commits left", [240, 240, 240, 240], 8, 720],
    ["the 12th next to 11 at 432 s", Array(11).fill(432), 1, 432],
    ["no budget left: a day", Array(30).fill(240), 1, 86_400],
  ])("%s → %i s", (_, others, slotsLeft, expected) => {
    const interval = launchUploadInterval(DEFAULTS, others, slotsLeft);
    expect(interval).toBe(expected);
    if (expected < 86_400)
      expect(commitsPerHour([...others, ...Array(slotsLeft).fill(interval)])).toBeLessThanOrEqual(HF_COMMIT_BUDGET + 1e-9);
  });

  it("a fixed interval is every launch's", () => {
    expect(launchUploadInterval({ ...DEFAULTS, uploadInterval: 300 }, Array(30).fill(240), 5)).toBe(300);
  });

  it("reads auto or seconds from ZEB_UPLOAD_INTERVAL, and refuses anything else by name", () => {
    expect(ok(configFromVars({ ZEB_UPLOAD_INTERVAL: "auto", ZEB_WORKERS: "20" })).uploadInterval).toBe("auto");
    expect(ok(configFromVars({ ZEB_UPLOAD_INTERVAL: "300" })).uploadInterval).toBe(300);
    expect(errors(configFromVars({ ZEB_UPLOAD_INTERVAL: "often" })).join()).toMatch(/^uploadInterval \(ZEB_UPLOAD_INTERVAL\)/);
    expect(plannedUploadInterval({ ...DEFAULTS, workers: 20 })).toBe(720);
  });
});
