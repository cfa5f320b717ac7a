import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class SimObject extends DurableObject<Env> {}
