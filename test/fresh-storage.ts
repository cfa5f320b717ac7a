import { abortAllDurableObjects, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";

/**
 * Test files share one workerd per vitest worker (`isolate: false` in vitest.config.ts: starting
 * a runtime per file cost more than the tests). So each file starts as if it ran alone: every
 * Durable Object's storage deleted, every instance dropped (in-memory state with it), KV emptied.
 * (`reset()` from cloudflare:test left SQLite-backed objects' tables in place.)
 * @module
 */
async function wipe<T extends Rpc.DurableObjectBranded>(ns: DurableObjectNamespace<T>): Promise<void> {
  for (const id of await listDurableObjectIds(ns)) {
    await runInDurableObject(ns.get(id), (_object, state) => state.storage.deleteAll());
  }
}

beforeAll(async () => {
  await wipe(env.FLEET);
  await wipe(env.REGISTRY);
  await wipe(env.SIM);
  await abortAllDurableObjects();
  for (let page = await env.FIRST_SEEN.list(); ; page = await env.FIRST_SEEN.list({ cursor: page.cursor })) {
    await Promise.all(page.keys.map((k) => env.FIRST_SEEN.delete(k.name)));
    if (page.list_complete) break;
  }
});
