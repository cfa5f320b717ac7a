/**
 * The operator's target and switches: `/scale`, `/up`, `/down`, `/pause` and `/resume`. Each runs
 * under the fleet's lease (object.ts) and, where it changes the target, acts on it in the same pass.
 * @module
 */

import { slotOf } from "../../config/fleet";
import { minUploadInterval, upProblem } from "../../config/uploads";
import { closedBreaker } from "../../reconcile/breaker";
import type { PassReport } from "../../reconcile/report";
import { redact } from "../../redact";
import { clientFor } from "../../vast/transport";
import type { Fence } from "../lease";
import { invalid, type RpcResult, vastUnavailable } from "../rpc";
import { ConfigOverrides, type FleetRunner } from "../runner";
import type { Instance } from "../../vast/schemas";

export interface DownResult {
  confirmed: boolean;
  instances: { id: number; label: string; gpu: string | null; status: string | null }[];
  destroyed: number[];
  errors: string[];
}

/** Whether the fleet may have `n` workers. */
function scaleProblem(r: FleetRunner, n: number): string | null {
  const current = r.config();
  if (!current.ok) return `the fleet's config is invalid: ${current.errors.join("; ")}`;
  const c = current.config;
  if (!Number.isInteger(n) || n < 0 || n > c.maxWorkers) return `n: must be an integer from 0 to ${c.maxWorkers} (ZEB_MAX_WORKERS)`;
  const needed = minUploadInterval(n);
  if (c.uploadInterval !== "auto" && c.uploadInterval < needed) {
    return `n: ${n} workers uploading every ${c.uploadInterval}s would exceed Hugging Face's 128 commits/hour per repository; set uploadInterval (ZEB_UPLOAD_INTERVAL) to at least ${needed}s first`;
  }
  return null;
}

/** `POST /scale?n=`: the target becomes n, then a pass acts on it under the same lease. */
export async function scale(r: FleetRunner, fence: Fence, n: number): Promise<RpcResult<PassReport>> {
  const problem = scaleProblem(r, n);
  if (problem) return invalid(problem);
  const changed = r.setOverrides({ workers: n });
  if (!changed.ok) return invalid(changed.errors.join("; "));
  await r.event({ action: "scale", reason: `target set to ${n}`, ok: true });
  return { ok: true, value: await r.pass({}, fence) };
}

/**
 * `POST /up?n=&gpu=`: n more workers, launched now. On one GPU model it is the runbook's
 * `vast_up.sh 2 RTX_3090`, a one-off: what cannot be launched on that model now is taken back
 * off the target, else the next cron pass would fill it with another model.
 */
export async function up(
  r: FleetRunner,
  fence: Fence,
  n: number,
  gpu: string | null,
): Promise<RpcResult<{ added: number; report: PassReport }>> {
  const current = r.config();
  if (!current.ok) return invalid(current.errors.join("; "));
  const before = current.config.workers;
  const problem = upProblem(current.config, n);
  if (problem) return invalid(problem);
  const changed = r.setOverrides({ workers: before + n });
  if (!changed.ok) return invalid(changed.errors.join("; "));
  await r.event({ action: "up", reason: `target ${before} → ${before + n}${gpu ? ` on ${gpu}` : ""}`, ok: true });
  const report = await r.pass({ gpu }, fence);
  let added = n;
  if (gpu) {
    added = Math.min(n, report.actions.filter((a) => a.kind === "launch" && a.ok).length);
    if (added < n) {
      r.setOverrides({ workers: before + added });
      await r.event({ action: "up", reason: `only ${added} of ${n} launched on ${gpu}; target ${before + added}`, ok: false });
    }
  }
  return { ok: true, value: { added, report } };
}

/**
 * `POST /down`: target 0 and every instance of the fleet destroyed in one pass, paused or not;
 * without confirm, only the list. When Vast cannot be listed nothing changes (503).
 */
export async function down(r: FleetRunner, fence: Fence, confirm: boolean): Promise<RpcResult<DownResult>> {
  if (!confirm) {
    let listed: Instance[];
    try {
      listed = await clientFor(r.env).listInstances();
    } catch (e) {
      return vastUnavailable(`cannot list instances, nothing destroyed: ${redact(String(e), r.env)}`);
    }
    const instances = listed
      .filter((i) => slotOf(r.fleet, i.label) !== null)
      .map((i) => ({ id: i.id, label: i.label ?? "", gpu: i.gpu_name, status: i.actual_status }));
    return { ok: true, value: { confirmed: false, instances, destroyed: [], errors: [] } };
  }
  const overrides = r.store.get("overrides", ConfigOverrides) ?? {};
  const changed = r.setOverrides({ workers: 0 });
  if (!changed.ok) return invalid(changed.errors.join("; "));
  const report = await r.pass({ down: true }, fence);
  if (!report.observed) {
    r.store.put("overrides", overrides);
    return vastUnavailable(`cannot list instances, nothing destroyed: ${report.errors.join("; ")}`);
  }
  const destroys = report.actions.filter((a) => a.kind === "destroy");
  return {
    ok: true,
    value: {
      confirmed: true,
      instances: report.workers.map((w) => ({ id: w.id, label: w.label, gpu: w.gpu, status: w.status })),
      destroyed: destroys.filter((a) => a.ok).map((a) => a.instanceId ?? -1),
      errors: destroys.filter((a) => !a.ok).map((a) => `${a.instanceId}: ${a.error ?? "failed"}`),
    },
  };
}

/** `/pause` and `/resume`; resuming is a human saying the fault is fixed: the breaker and the HF token hold go. */
export async function setPaused(r: FleetRunner, paused: boolean): Promise<RpcResult<{ paused: boolean }>> {
  const changed = r.setOverrides({ paused });
  if (!changed.ok) return invalid(changed.errors.join("; "));
  if (!paused) r.store.put("state", { ...r.state(await r.now()), breaker: closedBreaker(), hfAuthHold: null });
  await r.event({
    action: paused ? "pause" : "resume",
    reason: paused ? "autonomous actions paused" : "autonomous actions resumed",
    ok: true,
  });
  return { ok: true, value: { paused } };
}
