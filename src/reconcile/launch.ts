/**
 * What a launch sends to Vast: the runbook's instance settings and an onstart script whose output
 * is exactly what the log classifier (./logs.ts) reads. Every line goes to the container's stdout
 * so that Vast's logs endpoint shows it. With runtype `ssh` the onstart runs inside Vast's SSH
 * entrypoint, so a dead worker or a failed step leaves the instance `running`: the logs are the
 * only sign, and every step must end the script with a line the classifier calls fatal.
 * @module
 */

import type { FleetConfig } from "../config/fleet";
import { plannedUploadInterval } from "../config/uploads";
import type { CreateInstanceBody } from "../vast/schemas";

/** Games in each batch the worker generates (and logs one line for). */
export const GAMES_PER_BATCH = 256;

/** The worker's entry point in the code repository. */
export const WORKER_MODULE = "forge.zeb.worker.run";

/** Vast caps onstart at 4048 characters (vast-cli fcb5e94). */
export const ONSTART_MAX = 4048;

/** Single-quote for bash: config values are validated, but a quote must never end the string early. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `uploadInterval`: this launch's own (act.ts resolves `auto` per launch). */
export function onstartScript(config: FleetConfig, uploadInterval = plannedUploadInterval(config)): string {
  const worker = [
    `exec python -u -m ${WORKER_MODULE}`,
    `--repo-id ${sh(config.repoId)}`,
    `--examples-repo-id ${sh(config.examplesRepoId)}`,
    '--worker-id "$WORKER_ID"',
    `--device cuda --n-parallel-games 128 --n-simulations 200 --max-mcts-nodes 512 --games-per-batch ${GAMES_PER_BATCH}`,
    `--weights-name ${sh(config.weightsName)}`,
    "--weight-sync-interval 2",
    `--upload-interval ${uploadInterval}`,
  ].join(" ");
  return [
    "#!/bin/bash",
    // Each step on its own line: `set -e` ignores a failure inside `a && b`, which would let a
    // failed clone run on into a 15-minute WAIT. The trap's line reads as a Python exception's
    // final line, which the classifier takes as fatal (a setup failure, not a stall).
    "set -eo pipefail",
    `trap 'echo "SetupError: $BASH_COMMAND failed with exit code $?"' ERR`,
    'echo "=== Setup started at $(date) ==="',
    "apt-get update -qq",
    "apt-get install -y -qq git > /dev/null",
    'echo "git installed"',
    `git clone --depth 1 --branch ${sh(config.codeBranch)} ${sh(config.codeRepo)} /root/code`,
    'echo "repo cloned"',
    // The worker reads HF_TOKEN from its env (huggingface_hub does); `huggingface-cli login` is gone since huggingface_hub 1.0.
    "pip install -q huggingface_hub",
    'echo "deps installed"',
    `python -c "import torch; assert torch.cuda.is_available(), 'No CUDA'; print('GPU OK: ' + torch.cuda.get_device_name(0))"`,
    "cd /root/code",
    // `exec` leaves no shell to run the trap, so a wrong module path is caught here.
    `python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('${WORKER_MODULE}') is None)"`,
    'echo "=== Starting worker $WORKER_ID at $(date) ==="',
    worker,
    "",
  ].join("\n");
}

/**
 * The create body for one slot. The HF token goes in the instance env because the worker needs it
 * on the host; it is never logged or stored by vastfleet (events carry the label, not the body).
 */
export function createBody(
  config: FleetConfig,
  label: string,
  slot: number,
  hfToken: string,
  uploadInterval = plannedUploadInterval(config),
): CreateInstanceBody {
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
      ZEB_UPLOAD_INTERVAL: String(uploadInterval),
    },
    onstart: onstartScript(config, uploadInterval),
    runtype: "ssh",
  };
}
