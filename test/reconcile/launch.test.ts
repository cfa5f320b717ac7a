import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/fleet";
import { createBody, ONSTART_MAX, onstartScript } from "../../src/reconcile/launch";
import { parseLogs } from "../../src/reconcile/logs";
import { harness } from "../sim/helpers";

/** What the onstart script prints, as the container's log would show it (the shell's own echo lines). */
function echoed(script: string): string[] {
  return script
    .split("\n")
    .filter((line) => !line.startsWith("trap "))
    .flatMap((line) =>
      [...line.matchAll(/echo "([^"]*)"/g)].map((m) =>
        m[1]!.replace("$(date)", "Thu Feb  6 12:00:00 UTC 2026").replace("$WORKER_ID", "worker-vast-3"),
      ),
    );
}

describe("the launch: onstart script and create body", () => {
  it("fits Vast's onstart limit with the defaults and with long settings", () => {
    expect(onstartScript(DEFAULTS).length).toBeLessThanOrEqual(ONSTART_MAX);
    const long = {
      ...DEFAULTS,
      repoId: `${"o".repeat(40)}/${"r".repeat(40)}`,
      examplesRepoId: `${"o".repeat(40)}/${"e".repeat(40)}`,
      weightsName: "w".repeat(100),
      codeBranch: "b".repeat(100),
    };
    expect(onstartScript(long).length).toBeLessThanOrEqual(ONSTART_MAX);
  });

  it("prints, step by step, the lines the classifier reads as setup and then as the worker starting", () => {
    const lines = echoed(onstartScript(DEFAULTS));
    expect(lines).toEqual([
      "=== Setup started at Thu Feb  6 12:00:00 UTC 2026 ===",
      "git installed",
      "repo cloned",
      "deps installed",
      "=== Starting worker worker-vast-3 at Thu Feb  6 12:00:00 UTC 2026 ===",
    ]);
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

  // bash(1): errexit ignores a failure "in any command of an && or || list except the last".
  it("runs every setup step as a plain command, under set -e and an ERR trap, and no longer calls huggingface-cli", () => {
    const script = onstartScript(DEFAULTS);
    expect(script).toMatch(/^set -eo pipefail$/m);
    expect(script).toMatch(/^trap '.*' ERR$/m);
    expect(script).not.toMatch(/&&|\|\|/);
    // huggingface_hub 1.0 removed `huggingface-cli`; the worker's huggingface_hub reads HF_TOKEN from the env.
    expect(script).not.toContain("huggingface-cli");
    expect(createBody(DEFAULTS, "zeb-worker-vast-0", 0, "hf_x").env.HF_TOKEN).toBe("hf_x");
  });

  // Run on the simulator's host (src/sim/onstart.ts): each broken step ends in a line the classifier calls fatal, not a WAIT.
  it.each([
    ["an unknown branch", { ...DEFAULTS, codeBranch: "gone" }, (s: string) => s],
    ["an unknown repository", { ...DEFAULTS, codeRepo: "https://github.com/nobody/nothing.git" }, (s: string) => s],
    ["a wrong module path", DEFAULTS, (s: string) => s.replaceAll("forge.zeb.worker.run", "forge.zeb.worker.rnu")],
  ])("a setup that fails on %s shows as fatal in the logs", async (_name, config, edit) => {
    const h = harness(31);
    await h.control({ forceFault: { next: "none" } });
    const { id } = await h.launch(undefined, 0, { onstart: edit(onstartScript(config)) });
    await h.advance(1800);
    const evidence = parseLogs(await h.logs(id, 200));
    expect(evidence.stage).toBe("fatal");
    expect(evidence.fatal?.line).toMatch(/^SetupError: .* failed with exit code \d+$/);
    expect((await h.show(id))?.actual_status).toBe("running");
  });
});
