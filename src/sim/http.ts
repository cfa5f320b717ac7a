/**
 * Small response helpers shared by the Vast, HF and control routes.
 * @module
 */

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function vastError(status: number, error: string, msg: string): Response {
  return json({ success: false, error, msg }, status);
}

/** Reads a JSON body; an empty or unparsable body counts as `{}`, as Vast's handlers treat it. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
