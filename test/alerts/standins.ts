/**
 * Local stand-ins for Slack's incoming webhook and the Hugging Face Hub, as fetch-compatible
 * handlers. Plain TypeScript with no Workers imports: the same Slack stand-in also runs in Node
 * behind miniflare's outboundService (vitest.config.ts) for tests through the real Durable Object.
 */

export interface SlackAnswer {
  status: number;
  body: string;
  retryAfter?: number;
}

export interface Received {
  fleet: string;
  payload: unknown;
  violations: string[];
}

const SLACK_MAX_BLOCKS = 50;
const SLACK_MAX_SECTION = 3000;

/** What Slack itself would refuse, per its documented limits. */
export function violations(payload: unknown): string[] {
  const out: string[] = [];
  if (typeof payload !== "object" || payload === null) return ["payload is not a JSON object"];
  const p = payload as { text?: unknown; blocks?: unknown };
  if (typeof p.text !== "string" || p.text.length === 0) out.push("no text fallback");
  if (!Array.isArray(p.blocks)) return [...out, "no blocks"];
  if (p.blocks.length > SLACK_MAX_BLOCKS) out.push(`${p.blocks.length} blocks > ${SLACK_MAX_BLOCKS}`);
  for (const b of p.blocks as { type?: unknown; text?: { text?: unknown } }[]) {
    if (b.type === "section") {
      const t = b.text?.text;
      if (typeof t !== "string" || t.length === 0) out.push("section without text");
      else if (t.length > SLACK_MAX_SECTION) out.push(`section text ${t.length} > ${SLACK_MAX_SECTION}`);
    }
    if (b.type === "header" && (typeof b.text?.text !== "string" || b.text.text.length > 150)) out.push("header text missing or > 150");
  }
  return out;
}

/** The fleet a payload is about, from our header ("vastfleet · <fleet>: …"). */
export function fleetOf(payload: unknown): string {
  const text = (payload as { text?: unknown } | null)?.text;
  return typeof text === "string" ? (/^vastfleet · ([a-z0-9-]+):/.exec(text)?.[1] ?? "") : "";
}

/**
 * Slack's incoming webhook: `ok` by default; scripted answers (429 with Retry-After, 404
 * `no_service`, 500) per fleet, in order. A payload over Slack's limits is refused as Slack would.
 * Under `/__standin/` it has a small control API for tests that cannot reach the object.
 */
export function slackStandIn() {
  const received: Received[] = [];
  const scripts = new Map<string, SlackAnswer[]>();
  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/__standin/answer" && req.method === "POST") {
      const { fleet, answers } = (await req.json()) as { fleet: string; answers: SlackAnswer[] };
      scripts.set(fleet, [...(scripts.get(fleet) ?? []), ...answers]);
      return new Response("ok");
    }
    if (url.pathname === "/__standin/received") {
      const fleet = url.searchParams.get("fleet");
      return Response.json(received.filter((r) => r.fleet === fleet));
    }
    if (req.method !== "POST" || !url.pathname.startsWith("/services/")) return new Response("no_service", { status: 404 });
    let payload: unknown;
    try {
      payload = await req.json();
    } catch {
      return new Response("invalid_payload", { status: 400 });
    }
    const fleet = fleetOf(payload);
    const v = violations(payload);
    received.push({ fleet, payload, violations: v });
    if (v.length > 0) return new Response("invalid_blocks", { status: 400 });
    const next = scripts.get(fleet)?.shift();
    if (!next) return new Response("ok");
    const headers: Record<string, string> = { "Content-Type": "text/plain" };
    if (next.retryAfter !== undefined) headers["Retry-After"] = String(next.retryAfter);
    return new Response(next.body, { status: next.status, headers });
  };
  return {
    handle,
    received,
    script: (fleet: string, ...answers: SlackAnswer[]) => scripts.set(fleet, [...(scripts.get(fleet) ?? []), ...answers]),
  };
}

export interface HfFiles {
  /** `owner/name` → file path → content; an `.pt` is an LFS file (302 to the CDN). */
  repos: Record<string, Record<string, string>>;
  /** Dataset `owner/name` → commits, newest first. */
  commits: Record<string, { id: string; title: string; date: string }[]>;
  token: string;
  /** Answer every request with this status (e.g. 503), as an outage would. */
  down: number | null;
}

/** The Hub's resolve and commits endpoints with its real status codes and error headers. */
export function hfStandIn(files: Partial<HfFiles> = {}) {
  const hub: HfFiles = { repos: {}, commits: {}, token: "", down: null, ...files };
  const seen: { method: string; path: string; auth: string | null; redirect: Request["redirect"] }[] = [];
  const error = (status: number, code: string | null, message: string) => {
    const headers: Record<string, string> = { "Content-Type": "application/json", "X-Error-Message": message };
    if (code) headers["X-Error-Code"] = code;
    return new Response(JSON.stringify({ error: message }), { status, headers });
  };
  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    seen.push({ method: req.method, path: url.pathname, auth: req.headers.get("Authorization"), redirect: req.redirect });
    if (hub.down !== null) return new Response("upstream error", { status: hub.down });
    if (req.headers.get("Authorization") !== `Bearer ${hub.token}`) return error(401, null, "Invalid credentials in Authorization header");
    const commits = /^\/api\/datasets\/([\w.-]+\/[\w.-]+)\/commits\/main$/.exec(url.pathname);
    if (commits && req.method === "GET") {
      const list = hub.commits[commits[1] ?? ""];
      return list ? Response.json(list) : error(404, "RepoNotFound", "Repository not found");
    }
    const resolve = /^\/([\w.-]+\/[\w.-]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    if (!resolve || (req.method !== "GET" && req.method !== "HEAD")) return error(404, null, "Not found");
    const repo = hub.repos[resolve[1] ?? ""];
    if (!repo) return error(404, "RepoNotFound", "Repository not found");
    const body = repo[resolve[2] ?? ""];
    if (body === undefined) return error(404, "EntryNotFound", `${resolve[2]} does not exist on "main"`);
    const headers = { "X-Repo-Commit": "0123456789abcdef0123456789abcdef01234567", ETag: `"${body.length}"` };
    if (resolve[2]?.endsWith(".pt")) {
      return new Response(null, {
        status: 302,
        headers: { ...headers, Location: `https://cdn-lfs.hf.test/${resolve[1]}/${resolve[2]}`, "X-Linked-Size": String(body.length) },
      });
    }
    return new Response(req.method === "HEAD" ? null : body, { status: 200, headers: { ...headers, "Content-Type": "application/json" } });
  };
  return { handle, hub, seen };
}
