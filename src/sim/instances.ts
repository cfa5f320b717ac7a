import { DEFAULTS } from "../config/fleet";
import { AUTO_UPLOAD_MIN_S } from "../config/uploads";
import { round, STORAGE_COST } from "./catalog";
import { isRecord } from "./http";
import { milestones, statusAt } from "./lifecycle";
import { between, intBetween, nextFloat, type RngState } from "./rng";
import type { FaultKind, Machine, SimInstance, Timeline, WorkerParams } from "./types";

/**
 * `env` as Vast stores it (`extra_env`): the dict form, port mappings (`"-p 8000:8000": "1"`)
 * included. A docker-flag string sets nothing at creation ("creating instances with the API":
 * "My environment variables aren't taking effect"), though create_instance.yaml types it so.
 */
function parseEnv(env: unknown): [string, string][] {
  return isRecord(env) ? Object.entries(env).map(([k, v]): [string, string] => [k, String(v)]) : [];
}

function flag(onstart: string, name: string): string | undefined {
  // Quoted the way launch.ts quotes values ('…'), or bare.
  const m = new RegExp(`--${name}[ =]["']?([^\\s"']+)`).exec(onstart);
  const value = m?.[1];
  return value && !value.startsWith("$") ? value : undefined;
}

/** The worker's settings as the onstart script would resolve them: env first, then the script's flags, then defaults. */
function workerParams(env: [string, string][], label: string | null, onstart: string, instanceId: number): WorkerParams {
  const vars = new Map(env.filter(([k]) => !k.startsWith("-")));
  const fromLabel = label ? /(worker-vast-\d+)$/.exec(label)?.[1] : undefined;
  const upload = Number(vars.get("ZEB_UPLOAD_INTERVAL") ?? flag(onstart, "upload-interval") ?? AUTO_UPLOAD_MIN_S);
  return {
    workerId: vars.get("WORKER_ID") || flag(onstart, "worker-id") || fromLabel || `worker-vast-${instanceId % 100}`,
    repoId: vars.get("ZEB_REPO_ID") || flag(onstart, "repo-id") || DEFAULTS.repoId,
    examplesRepoId: vars.get("ZEB_EXAMPLES_REPO_ID") || flag(onstart, "examples-repo-id") || DEFAULTS.examplesRepoId,
    weightsName: vars.get("ZEB_WEIGHTS_NAME") || flag(onstart, "weights-name") || DEFAULTS.weightsName,
    uploadIntervalS: Number.isFinite(upload) && upload >= 1 ? upload : AUTO_UPLOAD_MIN_S,
    hasHfToken: Boolean(vars.get("HF_TOKEN")),
  };
}

/**
 * The image pull dominates boot: the runbook's pytorch image (~3 GB compressed, 24,000 Mbit) at
 * 30-70% of the host's advertised link, then about a minute of unpacking, so that slow links make
 * the slow boots a boot timeout has to catch (the evidence: docs/benchmark.md, "Calibration and its
 * evidence"). A restart finds the image cached (`inetDownMbps` null).
 */
const IMAGE_PULL_MBIT = 24_000;

export function drawTimeline(rng: RngState, startMs: number, fault: FaultKind | null, inetDownMbps: number | null): Timeline {
  const unpackS = between(rng, 40, 80);
  const pullS = inetDownMbps === null ? 0 : IMAGE_PULL_MBIT / (inetDownMbps * between(rng, 0.3, 0.7));
  return {
    startMs,
    nullS: Math.round(between(rng, 5, 25)),
    bootS: Math.round(unpackS + pullS),
    setupS: Math.round(between(rng, 60, 180)),
    faultBatch: fault === "oom" ? intBetween(rng, 2, 5) : intBetween(rng, 3, 20),
    faultDelayS: fault === "oci_error" ? Math.round(between(rng, 20, 60)) : Math.round(between(rng, 300, 3600)),
    hfAuthCrashes: nextFloat(rng) < 0.5,
  };
}

export interface NewInstance {
  id: number;
  machine: Machine;
  dph: number;
  body: Record<string, unknown>;
  fault: FaultKind | null;
  nowMs: number;
}

export function createInstance(rng: RngState, n: NewInstance): SimInstance {
  const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
  const label = typeof n.body.label === "string" && n.body.label !== "" ? n.body.label : null;
  const onstart = str(n.body.onstart ?? n.body.onstart_cmd, "");
  const env = parseEnv(n.body.env);
  return {
    id: n.id,
    machineId: n.machine.id,
    hostId: n.machine.hostId,
    gpuName: n.machine.gpuName,
    gpuRamMb: n.machine.gpuRamMb,
    gamesPerSec: n.machine.gamesPerSec,
    dph: n.dph,
    label,
    createdMs: n.nowMs,
    image: str(n.body.image, "vastai/base-image:latest"),
    disk: typeof n.body.disk === "number" ? n.body.disk : 10,
    onstart,
    runtype: str(n.body.runtype, "ssh"),
    env,
    fault: n.fault,
    seed: Math.floor(nextFloat(rng) * 4294967296),
    sshHost: `ssh${intBetween(rng, 1, 9)}.vast.ai`,
    sshPort: intBetween(rng, 10000, 39999),
    worker: workerParams(env, label, onstart, n.id),
    timeline: drawTimeline(rng, n.nowMs, n.fault, n.machine.inetDown),
    stoppedMs: null,
  };
}

/** The instance as `show instance(s)` returns it (vast-api.md §3). */
export function instanceJson(inst: SimInstance, machine: Machine | undefined, nowMs: number): Record<string, unknown> {
  const m = milestones(inst);
  const status = statusAt(inst, m, nowMs);
  const startS = inst.createdMs / 1000;
  return {
    id: inst.id,
    label: inst.label,
    ...status,
    machine_id: inst.machineId,
    host_id: inst.hostId,
    gpu_name: inst.gpuName,
    num_gpus: 1,
    gpu_ram: inst.gpuRamMb,
    gpu_totalram: inst.gpuRamMb,
    gpu_util: status.actual_status === "running" ? round(70 + 25 * Math.sin(nowMs / 7919), 1) : 0,
    disk_space: inst.disk,
    storage_cost: STORAGE_COST,
    dph_total: inst.dph,
    is_bid: inst.bid != null,
    start_date: startS,
    end_date: startS + 2_592_000,
    duration: (nowMs - inst.createdMs) / 1000,
    ssh_host: inst.sshHost,
    ssh_port: inst.sshPort,
    ...(status.actual_status === "running" ? { ports: { "22/tcp": [{ HostIp: "0.0.0.0", HostPort: String(inst.sshPort + 1) }] } } : {}),
    public_ipaddr: `203.0.113.${inst.hostId % 250}`,
    local_ipaddrs: "10.0.0.2 172.17.0.1\n",
    direct_port_start: -1,
    direct_port_end: -1,
    image_uuid: inst.image,
    image_runtype: inst.runtype,
    onstart: inst.onstart,
    extra_env: inst.env,
    template_hash_id: null,
    geolocation: machine?.geolocation ?? null,
    reliability2: machine?.reliability ?? null,
    inet_down: machine?.inetDown ?? null,
    cuda_max_good: machine?.cudaMaxGood ?? null,
  };
}
