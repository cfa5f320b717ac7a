/**
 * The operator's word on hosts: block one by hand (`PUT /hosts/:machineId`), or forget what the
 * fleet knows of one (`DELETE /hosts/:machineId`), for this fleet or the whole account.
 * @module
 */

import { blockHost as block, type BlockScope } from "../../reconcile/hosts";
import { redact } from "../../redact";
import { registry } from "../registry";
import type { RpcResult } from "../rpc";
import type { FleetRunner } from "../runner";

/** PUT /hosts/:machineId's answer: the block as stored (a long or secret-bearing reason is cut or redacted). */
export type Blocked = { blocked: number; scope: BlockScope; reason: string };

/** Forgets a host's record (strikes, block, throughput): the operator knows it was fixed. */
export async function clearHost(r: FleetRunner, machineId: number): Promise<RpcResult<{ cleared: number }>> {
  const state = r.state(await r.now());
  if (!state.hosts[String(machineId)])
    return { ok: false, status: 404, error: "not_found", message: `machineId: fleet ${r.fleet} has no record of machine ${machineId}` };
  delete state.hosts[String(machineId)];
  // Its market sighting too: a stale "gone" would flag it again the next time it is listed.
  delete state.market[String(machineId)];
  // And for every fleet: else the next pass here, or any other fleet's, adopts the shared block again.
  r.usage.registryCalls++;
  await registry(r.env).forgetHost(machineId);
  r.store.put("state", state);
  await r.event({ action: "host", reason: `record of machine ${machineId} cleared through the API`, ok: true });
  return { ok: true, value: { cleared: machineId } };
}

/** "account" shares the block with every fleet. */
export async function blockHost(r: FleetRunner, machineId: number, reason: string, scope: BlockScope): Promise<RpcResult<Blocked>> {
  const now = await r.now();
  // Typed by a person, kept for days and copied to every fleet: a pasted key must not ride along.
  const { state, host } = block(r.state(now), machineId, `blocked by the operator: ${redact(reason, r.env)}`, now);
  if (scope === "account") {
    // Shared first: if the registry cannot take it, nothing is stored and the caller sees the error.
    r.usage.registryCalls++;
    await registry(r.env).shareHostBlocks([
      { machineId, gpuName: host.gpuName, reason: host.blockedReason, fleet: r.fleet, at: now, permanent: true },
    ]);
  }
  r.store.put("state", state);
  await r.event({
    action: "host",
    reason: `machine ${machineId} blocked through the API${scope === "account" ? " for every fleet" : ""}: ${reason}`,
    ok: true,
  });
  return { ok: true, value: { blocked: machineId, scope, reason: host.blockedReason } };
}
