import type { Env } from "../env";
import { isSimulated } from "../vast/transport";

/**
 * The time a pass reasons with. Against the simulator it is the market's clock, which may run
 * faster than real time or be advanced by tests, so timeouts and market events stay in step.
 */
export async function nowFor(env: Env): Promise<number> {
  return isSimulated(env) ? env.SIM.getByName("market").clock() : Date.now();
}
