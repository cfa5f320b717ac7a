import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class FleetObject extends DurableObject<Env> {}
