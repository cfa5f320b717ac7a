/**
 * Signing in and out. The token stays in this tab's session storage and is sent only in the
 * Authorization header.
 * @module
 */
import { api, why } from "./api";
import { $, fill } from "./dom";
import { forgetSections } from "./sections";
import { session } from "./session";

const KEY = "vastfleet.token";

export async function signIn(candidate: string): Promise<void> {
  session.token = candidate;
  const r = await api("GET /whoami");
  if (r.ok && (r.body.role === "admin" || r.body.role === "read")) {
    sessionStorage.setItem(KEY, candidate);
    session.role = r.body.role;
    showDash();
    await session.refresh();
    return;
  }
  session.signOut(r.status === 401 ? `Token refused: ${why(r)}` : `Cannot sign in: ${why(r)}`);
}

export function savedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signOut(message?: string): void {
  session.token = null;
  session.role = null;
  sessionStorage.removeItem(KEY);
  forgetSections();
  fill($("overview"));
  $("dash").hidden = true;
  $("signin").hidden = false;
  $("who").hidden = true;
  $("signout").hidden = true;
  $("updated").textContent = "";
  const err = $("signin-error");
  err.hidden = !message;
  err.textContent = message ?? "";
  const input = $("token") as HTMLInputElement;
  input.value = "";
  input.focus();
}

function showDash(): void {
  $("signin").hidden = true;
  $("signin-error").hidden = true;
  $("dash").hidden = false;
  const who = $("who");
  who.hidden = false;
  who.className = `who ${session.role}`;
  who.textContent = session.role === "admin" ? "admin" : "read-only";
  $("signout").hidden = false;
}

export function notice(text: string, bad = false): void {
  const n = $("notice");
  n.hidden = !text;
  n.textContent = text;
  n.className = `notice${bad ? " bad" : ""}`;
}
