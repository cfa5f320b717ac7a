import type { FleetConfig } from "../config/fleet";
import type { CreateInstanceBody } from "../vast/schemas";

/**
 * What a launch sends to Vast: the runbook's instance settings and an onstart script whose output
 * is exactly what the log classifier (./logs.ts) reads. Every line goes to the container's stdout
 * so that Vast's logs endpoint shows it; the worker replaces the shell (`exec`) so that its death
 * stops the container and Vast reports the instance exited.
 */

/** Games in each batch the worker generates (and logs one line for). */
export const GAMES_PER_BATCH = 256;

/** Vast caps onstart at 4048 characters (vast-cli fcb5e94). */
export const ONSTART_MAX = 4048;

/** Single-quote for bash: config values are validated, but a quote must never end the string early. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function onstartScript(config: FleetConfig): string {
  const worker = [
    "exec python -u -m forge.zeb.worker.run",
    `--repo-id ${sh(config.repoId)}`,
    `--examples-repo-id ${sh(config.examplesRepoId)}`,
    '--worker-id "$WORKER_ID"',
    `--device cuda --n-parallel-games 128 --n-simulations 200 --max-mcts-nodes 512 --games-per-batch ${GAMES_PER_BATCH}`,
    `--weights-name ${sh(config.weightsName)}`,
    "--weight-sync-interval 2",
    `--upload-interval ${config.uploadInterval}`,
  ].join(" ");
  return [
    "#!/bin/bash",
    "set -e",
    'echo "=== Setup started at $(date) ==="',
    'apt-get update -qq && apt-get install -y -qq git > /dev/null && echo "git installed"',
    `git clone --depth 1 --branch ${sh(config.codeBranch)} ${sh(config.codeRepo)} /root/code && echo "repo cloned"`,
    'pip install -q huggingface_hub && echo "deps installed"',
    'huggingface-cli login --token "$HF_TOKEN" --add-to-git-credential 2>/dev/null || true',
    `python -c "import torch; assert torch.cuda.is_available(), 'No CUDA'; print('GPU OK: ' + torch.cuda.get_device_name(0))"`,
    'echo "=== Starting worker $WORKER_ID at $(date) ==="',
    "cd /root/code",
    worker,
    "",
  ].join("\n");
}

/**
 * The create body for one slot. The HF token goes in the instance env because the worker needs it
 * on the host; it is never logged or stored by vastfleet (events carry the label, not the body).
 */
export function createBody(config: FleetConfig, label: string, slot: number, hfToken: string): CreateInstanceBody {
  return {
    image: config.image,
    disk: config.diskGb,
    label,
    env: {
      HF_TOKEN: hfToken,
      WORKER_ID: `worker-vast-${slot}`,
      ZEB_REPO_ID: config.repoId,
      ZEB_EXAMPLES_REPO_ID: config.examplesRepoId,
      ZEB_WEIGHTS_NAME: config.weightsName,
      ZEB_UPLOAD_INTERVAL: String(config.uploadInterval),
    },
    onstart: onstartScript(config),
    runtype: "ssh",
  };
}
