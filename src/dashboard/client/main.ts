/**
 * The dashboard's browser script (bundled by scripts/build-client.ts into client.gen.ts, served as
 * /assets/app.js): wires sign-in, the refresh loop and the tab's visibility.
 * @module
 */
import { $ } from "./dom";
import { refresh, stopRefresh } from "./refresh";
import { session } from "./session";
import { savedToken, signIn, signOut } from "./signin";

session.refresh = refresh;
session.signOut = (message) => {
  stopRefresh();
  signOut(message);
};

document.addEventListener("DOMContentLoaded", () => {
  const input = $("token") as HTMLInputElement;
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    if (value) void signIn(value);
  });
  $("signout").addEventListener("click", () => session.signOut());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) void refresh();
  });
  const saved = savedToken();
  if (saved) void signIn(saved);
  else input.focus();
});
