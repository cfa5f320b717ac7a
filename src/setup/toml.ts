/**
 * Setting `[vars]` in wrangler.toml without rewriting the file: each key's line is replaced where it
 * is, a missing key is added at the end of the table, and every comment and other table is kept.
 * @module
 */

const TABLE = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;

/** A TOML basic string: JSON's escapes are TOML's for the characters settings may hold. */
const quote = (value: string) => JSON.stringify(value);

export function setVars(toml: string, vars: Record<string, string>): string {
  const lines = toml.split("\n");
  let start = lines.findIndex((l) => TABLE.exec(l)?.[1] === "vars");
  if (start === -1) {
    if (lines.at(-1) === "") lines.pop();
    lines.push("", "[vars]");
    start = lines.length - 1;
    lines.push("");
  }
  let end = lines.findIndex((l, i) => i > start && TABLE.test(l));
  if (end === -1) end = lines.length;
  const added: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    const at = lines.findIndex((l, i) => i > start && i < end && new RegExp(`^\\s*${key}\\s*=`).test(l));
    if (at === -1) added.push(`${key} = ${quote(value)}`);
    else lines[at] = `${key} = ${quote(value)}`;
  }
  // New keys go after the table's last non-blank line, so a blank line before the next table stays.
  let last = end - 1;
  while (last > start && (lines[last] ?? "").trim() === "") last--;
  lines.splice(last + 1, 0, ...added);
  return lines.join("\n");
}
