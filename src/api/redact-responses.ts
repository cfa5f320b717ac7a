import type { MiddlewareHandler } from "hono";
import { redact } from "../redact";
import type { ApiEnv } from "./hono";

/**
 * The last line of defence for "no secret in any response": answers echo upstream text (Vast
 * errors, worker logs, pass errors), and one missed redact() call would leak a key. So every
 * textual answer is redacted as a whole, and none may be cached by a browser or a proxy.
 */
export const guardResponses: MiddlewareHandler<ApiEnv> = async (c, next) => {
  await next();
  const type = c.res.headers.get("content-type") ?? "";
  if (/^(application\/json|text\/)/.test(type)) {
    const body = await c.res.text();
    c.res = new Response(redact(body, c.env), c.res);
  }
  c.res.headers.set("Cache-Control", "no-store");
};
