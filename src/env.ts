import type { FleetObject } from "./fleet/object";
import type { Registry } from "./fleet/registry";
import type { SimObject } from "./sim/object";

/** Bindings, vars and secrets of the vastfleet Worker (see wrangler.toml and the README). */
export interface Env {
  FLEET: DurableObjectNamespace<FleetObject>;
  REGISTRY: DurableObjectNamespace<Registry>;
  SIM: DurableObjectNamespace<SimObject>;
  FIRST_SEEN: KVNamespace;

  VAST_API_URL?: string;
  /** Simulated seconds per real second of the embedded simulator (`npm start` sets it). */
  SIM_SPEED?: string;
  HF_ENDPOINT?: string;
  /** The runbook's fleet settings (ZEB_FLEET, ZEB_WORKERS, ZEB_MAX_DPH, ...): see src/config/fleet.ts. */
  [key: `ZEB_${string}`]: string | undefined;

  VAST_API_KEY?: string;
  HF_TOKEN?: string;
  API_TOKEN?: string;
  API_READ_TOKEN?: string;
  SLACK_WEBHOOK_URL?: string;
}

type WorkerEnv = Env;

// Tells `cloudflare:workers` (env, exports) what this Worker binds and exports.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "FleetObject" | "Registry" | "SimObject";
    }
  }
}
