import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class Registry extends DurableObject<Env> {}
