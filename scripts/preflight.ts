/**
 * `npm run preflight -- --url https://vastfleet.<you>.workers.dev [--token T] [--fleet F] [--n N] [--slack]`:
 * asks the Worker's `GET /preflight` (also `wrangler dev`'s, e.g. `npm start`'s) and prints each check
 * and what the first pass would rent. Exit 0 when every check passed, 1 when one failed, 2 when
 * there was no answer to judge. The token comes from --token or VASTFLEET_TOKEN.
 */
import { formatPreflight, parseCli, preflightRequest, readAnswer } from "../src/preflight/cli";

async function main(): Promise<number> {
  const options = parseCli(process.argv.slice(2), process.env.VASTFLEET_TOKEN);
  if (!options.ok) {
    console.error(options.error);
    return 2;
  }
  const { url, headers } = preflightRequest(options.value);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    console.error(`cannot reach ${new URL(url).origin}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const answer = readAnswer(res.status, await res.text());
  if (!answer.ok) {
    console.error(answer.error);
    return 2;
  }
  console.log(formatPreflight(answer.value));
  return answer.value.ok ? 0 : 1;
}

process.exitCode = await main();
