import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { createBody, ONSTART_MAX, onstartScript } from "../../src/reconcile/launch";
import { parseLogs } from "../../src/reconcile/logs";

/** What the onstart script prints, as the container's log would show it (the shell's own echo lines). */
function echoed(script: string): string[] {
  return script
    .split("\n")
    .flatMap((line) => [...line.matchAll(/echo "([^"]*)"/g)].map((m) => m[1]!.replace("$(date)", "Thu Feb  6 12:00:00 UTC 2026").replace("$WORKER_ID", "worker-vast-3")));
}

describe("the launch: onstart script and create body", () => {
  it("fits Vast's onstart limit with the defaults and with long settings", () => {
    expect(onstartScript(DEFAULTS).length).toBeLessThanOrEqual(ONSTART_MAX);
    const long = { ...DEFAULTS, repoId: `${"o".repeat(40)}/${"r".repeat(40)}`, examplesRepoId: `${"o".repeat(40)}/${"e".repeat(40)}`, weightsName: "w".repeat(100), codeBranch: "b".repeat(100) };
    expect(onstartScript(long).length).toBeLessThanOrEqual(ONSTART_MAX);
  });

  it("prints, step by step, the lines the classifier reads as setup and then as the worker starting", () => {
    const lines = echoed(onstartScript(DEFAULTS));
    expect(lines).toEqual(["=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ===", "git installed", "repo cloned", "deps installed", "=== Starting worker worker-vast-3 at Thu Feb  6 12:00:00 UTC 2026 ==="]);
    const stages = lines.map((_, i) => parseLogs(lines.slice(0, i + 1).join("\n")).stage);
    expect(stages).toEqual(["setup", "setup", "setup", "setup", "wait"]);
    // The GPU check prints its own marker from python, and its failure is the classifier's "No CUDA".
    expect(onstartScript(DEFAULTS)).toContain("print('GPU OK: '");
    expect(parseLogs("GPU OK: NVIDIA GeForce RTX 3070").setupStep).toBe("GPU OK");
    expect(onstartScript(DEFAULTS)).toContain("'No CUDA'");
  });

  it("runs the worker with the fleet's settings, the upload interval included, and replaces the shell", () => {
    const script = onstartScript({ ...DEFAULTS, uploadInterval: 432, weightsName: "large" });
    expect(script).toMatch(/^exec python -u -m forge\.zeb\.worker\.run .*--weights-name 'large' .*--upload-interval 432$/m);
    expect(script).toContain("--branch 'forge' 'https://github.com/jasonyandell/mk5-main.git' /root/code");
  });

  it("labels the instance for its slot and passes the token only in the instance env", () => {
    const body = createBody(DEFAULTS, "zeb-worker-vast-3", 3, "hf_secret_value");
    expect(body).toMatchObject({ image: DEFAULTS.image, disk: 15, label: "zeb-worker-vast-3", runtype: "ssh" });
    expect(body.env).toMatchObject({ HF_TOKEN: "hf_secret_value", WORKER_ID: "worker-vast-3", ZEB_WEIGHTS_NAME: "zeb-557k-1m" });
    expect(body.onstart).not.toContain("hf_secret_value");
  });
});
