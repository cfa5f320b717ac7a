/**
 * The dashboard's browser script, served as /assets/app.js. Plain ES2020 in a string because the
 * Worker serves it itself (no bundler step, no CDN) and the CSP forbids inline scripts. It builds
 * the DOM with createElement and textContent only (never innerHTML): worker labels, event reasons
 * and log-derived text are upstream data. Keep it free of backticks and dollar-brace sequences,
 * which would end or interpolate this template literal. Its JSDoc types the API's answers from
 * src/api/contract.ts (as "./api"), which scripts/typecheck-client.ts supplies.
 * @module
 */

export const APP_JS = String.raw`// @ts-check
"use strict";
(function () {
  /**
   * @typedef {import("./api").DashboardRoutes} Routes
   * @typedef {import("./api").ErrorBody} ErrorBody
   * @typedef {import("./api").WhoamiBody} WhoamiBody
   * @typedef {import("./api").FleetStatus} FleetStatus
   * @typedef {import("./api").GrandTotals} GrandTotals
   * @typedef {import("./api").HistoryBody} HistoryBody
   * @typedef {import("./api").HistoryPoint} HistoryPoint
   * @typedef {import("./api").FleetEvent} FleetEvent
   * @typedef {import("./api").HostRow} HostRow
   * @typedef {import("./api").ScaleBody} ScaleBody
   * @typedef {import("./api").UpBody} UpBody
   * @typedef {import("./api").PauseBody} PauseBody
   * @typedef {import("./api").ReplaceBody} ReplaceBody
   */
  /**
   * A fleet's card, built once so that typed input survives refreshes.
   * @typedef {object} Section
   * @property {string} name
   * @property {string[] | null} gpus the fleet's GPU models for the up form, once GET /fleets/{fleet} said
   * @property {HTMLElement} root
   * @property {HTMLDivElement} head
   * @property {HTMLDivElement} state
   * @property {HTMLDivElement} totals
   * @property {HTMLDivElement} workers
   * @property {HTMLDivElement} charts
   * @property {HTMLDivElement} value
   * @property {HTMLUListElement} events
   * @property {HTMLDivElement} hosts
   * @property {HTMLParagraphElement} msg
   * @property {HTMLInputElement} n the scale form's target
   * @property {HTMLSelectElement} gpu the up form's GPU model
   * @property {HTMLInputElement} confirm the down form's fleet name
   * @property {HTMLButtonElement} roll starts a roll, or cancels the one under way (data-cancel)
   * @property {HTMLSpanElement} rollNote what the roll button will do
   * @property {HTMLInputElement} blockId the block form's machine, filled by a worker row's "block host"
   * @property {HTMLInputElement} blockWhy the block form's reason
   */

  var KEY = "vastfleet.token";
  var REFRESH_MS = 10000;

  /** @type {string | null} */
  var token = null;
  /** @type {WhoamiBody["role"] | null} */
  var role = null;
  /** @type {number | undefined} */
  var timer;
  /** @type {Record<string, Section>} */
  var sections = {};

  /** @param {string} id */
  function $(id) { var e = document.getElementById(id); if (!e) throw new Error("missing #" + id); return e; }

  /**
   * @typedef {Record<string, string | number | boolean | null | undefined>} Attrs
   *   "text" sets the text; null, undefined and false leave the attribute out, true sets it empty
   * @typedef {Node | string | number | null | undefined | false} Kid null, undefined and false add nothing
   * @typedef {Kid | Kid[] | Kid[][]} Kids JSDoc has no recursive aliases: two levels of lists are enough
   */
  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag @param {Attrs | null} [attrs] @param {...Kids} kids
   * @returns {HTMLElementTagNameMap[K]}
   */
  function h(tag, attrs, ...kids) { return build(document.createElement(tag), attrs, kids); }
  /**
   * @template {keyof SVGElementTagNameMap} K
   * @param {K} tag @param {Attrs | null} [attrs] @param {...Kids} kids
   * @returns {SVGElementTagNameMap[K]}
   */
  function svg(tag, attrs, ...kids) { return build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, kids); }
  /**
   * @template {Element} E
   * @param {E} el @param {Attrs | null | undefined} attrs @param {Kids[]} kids
   */
  function build(el, attrs, kids) {
    if (attrs) for (var k in attrs) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") el.textContent = String(v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    kids.forEach(function (kid) { add(el, kid); });
    return el;
  }
  /**
   * Replaces an element's children; nested arrays are flattened (replaceChildren would print them).
   * @param {Element} el @param {...Kids} kids
   */
  function fill(el, ...kids) {
    el.replaceChildren();
    kids.forEach(function (kid) { add(el, kid); });
  }
  /** @param {Element} el @param {Kids} kid */
  function add(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) kid.forEach(function (k) { add(el, k); });
    else el.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
  }

  // --- formatting ---------------------------------------------------------------------------
  /** @param {number | null | undefined} x @param {number} d */
  function num(x, d) { return x === null || x === undefined ? "—" : Number(x).toFixed(d); }
  /** @param {number | null | undefined} x */
  function usd(x) { return x === null || x === undefined ? "—" : "$" + Number(x).toFixed(Math.abs(x) < 10 ? 3 : 2); }
  /** @param {number | null | undefined} x */
  function int(x) { return x === null || x === undefined ? "—" : Math.round(x).toLocaleString("en-US"); }
  /** @param {number | null | undefined} s seconds */
  function dur(s) {
    if (s === null || s === undefined) return "—";
    if (s < 90) return Math.round(s) + "s";
    if (s < 5400) return Math.round(s / 60) + "m";
    if (s < 172800) return (s / 3600).toFixed(1) + "h";
    return Math.round(s / 86400) + "d";
  }
  /** games per dollar from games/s and $/hr */
  function gpd(/** @type {number} */ gps, /** @type {number | null} */ dph) { return dph && dph > 0 ? (gps * 3600) / dph : null; }

  // --- API ------------------------------------------------------------------------------------
  /**
   * @template T
   * @typedef {{ok: true, status: number, body: T} | {ok: false, status: number, body: ErrorBody | null}} ApiResult
   */
  /** @typedef {Record<string, string | number | null | undefined>} Params */
  /**
   * Calls a route: params fill the path's {placeholders}, the rest go to the query string.
   * @template {keyof Routes} R
   * @param {R} route method and path, as Routes names it
   * @param {Params} [params]
   * @param {Record<string, unknown>} [json] the request body, sent as JSON
   * @returns {Promise<ApiResult<Routes[R]>>}
   */
  async function api(route, params, json) {
    /** @type {Params} */
    var q = Object.assign({}, params);
    var space = route.indexOf(" ");
    var path = route.slice(space + 1).replace(/\{(\w+)\}/g, function (_, /** @type {string} */ k) { var v = q[k]; delete q[k]; return encodeURIComponent(String(v)); });
    /** @type {Response} */
    var res;
    try {
      /** @type {Record<string, string>} */
      var headers = { Authorization: "Bearer " + token, Accept: "application/json" };
      if (json) headers["Content-Type"] = "application/json";
      res = await fetch(withQuery(path, q), { method: route.slice(0, space), cache: "no-store", headers: headers, body: json ? JSON.stringify(json) : null });
    } catch (e) {
      return { ok: false, status: 0, body: { error: "network", message: "cannot reach the Worker: " + String(e) } };
    }
    /** @type {unknown} */
    var body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    // A 2xx that is not JSON (a proxy's page) is no answer from the API.
    if (!res.ok || body === null) return { ok: false, status: res.status, body: /** @type {ErrorBody | null} */ (body) };
    // Trusted, not parsed: the routes build these bodies to satisfy the same types.
    return { ok: true, status: res.status, body: /** @type {Routes[R]} */ (body) };
  }
  /** @param {ApiResult<unknown>} r */
  function why(r) {
    var b = r.ok ? null : r.body;
    return ((b && b.message) || "HTTP " + r.status) + (r.status ? " (" + r.status + (b && b.error ? " " + b.error : "") + ")" : "");
  }
  /** @param {string} path @param {Params} q */
  function withQuery(path, q) {
    var p = new URLSearchParams();
    for (var k in q) if (q[k] !== null && q[k] !== undefined && q[k] !== "") p.set(k, String(q[k]));
    var s = p.toString();
    return s ? path + "?" + s : path;
  }

  // --- sign-in --------------------------------------------------------------------------------
  /** @param {string} candidate */
  async function signIn(candidate) {
    token = candidate;
    var r = await api("GET /whoami");
    if (r.ok && (r.body.role === "admin" || r.body.role === "read")) {
      sessionStorage.setItem(KEY, candidate);
      role = r.body.role;
      showDash();
      await refresh();
      return;
    }
    var message = r.status === 401 ? "Token refused: " + why(r) : "Cannot sign in: " + why(r);
    signOut(message);
  }

  /** @param {string} [message] */
  function signOut(message) {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    token = null;
    role = null;
    sessionStorage.removeItem(KEY);
    sections = {};
    fill($("fleets"));
    fill($("overview"));
    $("dash").hidden = true;
    $("signin").hidden = false;
    $("who").hidden = true;
    $("signout").hidden = true;
    $("updated").textContent = "";
    var err = $("signin-error");
    err.hidden = !message;
    err.textContent = message || "";
    var input = /** @type {HTMLInputElement} */ ($("token"));
    input.value = "";
    input.focus();
  }

  function showDash() {
    $("signin").hidden = true;
    $("signin-error").hidden = true;
    $("dash").hidden = false;
    var who = $("who");
    who.hidden = false;
    who.className = "who " + role;
    who.textContent = role === "admin" ? "admin" : "read-only";
    $("signout").hidden = false;
  }

  /** @param {string} text @param {boolean} [bad] */
  function notice(text, bad) {
    var n = $("notice");
    n.hidden = !text;
    n.textContent = text;
    n.className = "notice" + (bad ? " bad" : "");
  }

  // --- refresh --------------------------------------------------------------------------------
  async function refresh() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!token) return;
    // A tab nobody looks at would spend the Free plan's Durable Object requests (about five a
    // refresh): it waits, and catches up when shown again.
    if (document.hidden) return;
    try {
      var st = await api("GET /status");
      if (st.status === 401) return signOut("Signed out: the token is no longer accepted: " + why(st));
      if (!st.ok) { notice("Could not refresh: " + why(st), true); return; }
      notice("");
      var fleets = st.body.fleets;
      renderOverview(st.body.totals, fleets);
      var names = fleets.map(function (f) { return f.fleet; });
      for (var name in sections) if (names.indexOf(name) < 0) { sections[name].root.remove(); delete sections[name]; }
      await Promise.all(fleets.map(async function (f) {
        var s = sections[f.fleet] || buildFleet(f.fleet);
        renderFleet(s, f);
        var more = await Promise.all([
          api("GET /history", { fleet: f.fleet }),
          api("GET /events", { fleet: f.fleet, limit: 12 }),
          api("GET /hosts", { fleet: f.fleet }),
          s.gpus ? null : api("GET /fleets/{fleet}", { fleet: f.fleet }),
        ]);
        renderCharts(s, more[0].ok ? more[0].body : null);
        renderEvents(s, more[1].ok ? more[1].body.events : null, f.now);
        renderHosts(s, more[2].ok ? more[2].body.hosts : null, f.now);
        if (more[3] && more[3].ok && more[3].body.config) setGpus(s, more[3].body.config.gpus);
      }));
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } finally {
      if (token) timer = window.setTimeout(refresh, REFRESH_MS);
    }
  }

  /** @param {GrandTotals} t @param {FleetStatus[]} fleets */
  function renderOverview(t, fleets) {
    var target = fleets.reduce(function (a, f) { return a + (f.target || 0); }, 0);
    var perDollar = gpd(t.gamesPerSec, t.dph);
    // One fleet: its own card says it all.
    $("overview").hidden = fleets.length < 2;
    fill($("overview"), 
      h("h2", { text: fleets.length === 1 ? "Fleet " + fleets[0].fleet : "All " + fleets.length + " fleets" }),
      h("div", { class: "stats" },
        stat(t.running + " / " + t.instances, "running / workers (target " + target + ")"),
        stat(usd(t.dph), "$ / hour"),
        stat(usd(t.dpd), "$ / day"),
        stat(num(t.gamesPerSec, 1), "games / s"),
        stat(int(perDollar), "games per $")));
  }
  /** @param {string} value @param {string} label */
  function stat(value, label) { return h("div", { class: "stat" }, h("b", { text: value }), h("span", { text: label })); }

  // --- one fleet ------------------------------------------------------------------------------
  /** @param {string} name */
  function buildFleet(name) {
    var dis = role !== "admin";
    /** @type {Section} */
    var s = {
      name: name,
      gpus: null,
      root: h("section", { class: "card fleet", "data-fleet": name }),
      head: h("div", { class: "fleet-head" }),
      state: h("div"),
      totals: h("div", { class: "stats" }),
      workers: h("div", { class: "scroll" }),
      charts: h("div", { class: "charts" }),
      value: h("div", { class: "scroll" }),
      events: h("ul", { class: "events" }),
      hosts: h("div", { class: "scroll" }),
      msg: h("p", { class: "msg", role: "status", "aria-live": "polite" }),
      n: h("input", { type: "number", min: 0, max: 1000, step: 1, required: true, name: "n", "aria-label": "target workers", disabled: dis }),
      gpu: h("select", { name: "gpu", "aria-label": "GPU model", disabled: dis }, h("option", { value: "", text: "any GPU" })),
      confirm: h("input", { type: "text", name: "confirm", placeholder: "type " + name + " to confirm", "aria-label": "fleet name to confirm down", autocomplete: "off", spellcheck: "false", disabled: dis }),
      roll: h("button", { type: "submit", class: "secondary", "data-action": "roll", disabled: dis, text: "Roll" }),
      rollNote: h("span", { class: "muted", text: "new instances for all, one at a time" }),
      blockId: h("input", { type: "number", min: 1, step: 1, required: true, name: "machineId", placeholder: "machine", "aria-label": "machine to block", disabled: dis }),
      blockWhy: h("input", { type: "text", required: true, maxlength: 200, name: "reason", placeholder: "why", "aria-label": "why block it", disabled: dis }),
    };
    fill(s.root,
      s.head, s.state, s.totals,
      h("h3", { text: "Workers" }), s.workers,
      h("h3", { text: "Last 24 hours" }), s.charts,
      h("div", { class: "cols" },
        h("div", null, h("h3", { text: "GPU value" }), s.value),
        h("div", null, h("h3", { text: "Recent events" }), s.events)),
      h("h3", { text: "Hosts with strikes" }), s.hosts,
      h("h3", { text: "Actions" }), buildActions(s), s.msg);
    $("fleets").appendChild(s.root);
    sections[name] = s;
    return s;
  }

  /** @param {Section} s */
  function buildActions(s) {
    var fleet = s.name;
    var admin = role === "admin";
    var dis = !admin;
    var upN = h("input", { type: "number", min: 1, max: 1000, step: 1, value: 1, required: true, name: "n", "aria-label": "workers to add", disabled: dis });
    var downBtn = h("button", { type: "submit", class: "danger", disabled: true, "data-action": "down", text: "Down" });
    var blockMine = h("input", { type: "checkbox", name: "fleetOnly", disabled: dis });
    s.confirm.addEventListener("input", function () { downBtn.disabled = s.confirm.value !== fleet || role !== "admin"; });
    var box = h("div", { class: "actions" },
      form("POST /scale", [h("label", { text: "Target" }), s.n, h("button", { type: "submit", "data-action": "scale", disabled: dis, text: "Scale" })],
        function () { return { fleet: fleet, n: s.n.value }; },
        function (b) { return passLine(b, "target set to " + b.target); }),
      form("POST /up", [h("label", { text: "Add" }), upN, s.gpu, h("button", { type: "submit", "data-action": "up", disabled: dis, text: "Up" })],
        function () { return { fleet: fleet, n: upN.value, gpu: s.gpu.value }; },
        function (b) { return passLine(b, "added " + b.added + (b.gpu ? " on " + b.gpu : "")); }),
      form("POST /pause", [h("button", { type: "submit", class: "secondary", "data-action": "pause", disabled: dis, text: "Pause" }), h("span", { class: "muted", text: "autonomous actions" })],
        function () { return { fleet: fleet }; }, paused),
      form("POST /resume", [h("button", { type: "submit", class: "secondary", "data-action": "resume", disabled: dis, text: "Resume" })],
        function () { return { fleet: fleet }; }, paused),
      form("POST /roll", [s.roll, s.rollNote],
        function () { return { fleet: fleet, cancel: s.roll.getAttribute("data-cancel") }; },
        function (b) {
          if (b.rolling) return "Fleet " + b.fleet + " rolling: " + b.remaining + " worker(s) to replace, one at a time, each after its replacement runs.";
          // A cancel answers with no pass; a start that found nothing to roll answers with one.
          return b.report === null ? "Fleet " + b.fleet + ": roll cancelled; workers already replaced stay, the others keep running." : "Fleet " + b.fleet + ": no worker to roll.";
        }),
      form("POST /down", [s.confirm, downBtn],
        function () { return s.confirm.value === fleet ? { fleet: fleet, confirm: s.confirm.value } : null; },
        function (b) { return b.confirmed ? "Fleet " + b.fleet + " down: destroyed " + b.destroyed.length + " instance(s)" + (b.errors.length ? "; errors: " + b.errors.join("; ") : ".") : b.message; }),
      form("PUT /hosts/{machineId}", [h("label", { text: "Block host" }), s.blockId, s.blockWhy, h("label", null, blockMine, " this fleet only"), h("button", { type: "submit", class: "secondary", "data-action": "block", disabled: dis, text: "Block" })],
        function () { return { fleet: fleet, machineId: s.blockId.value }; },
        function (b) {
          s.blockId.value = s.blockWhy.value = "";
          return "Host " + b.blocked + " blocked " + (b.scope === "account" ? "for every fleet" : "for fleet " + b.fleet) + " until forgotten; a worker running there stays.";
        },
        function () { return { reason: s.blockWhy.value, scope: blockMine.checked ? "fleet" : "account" }; }));
    if (!admin) box.appendChild(h("p", { class: "muted", text: "Signed in with the read token: actions need the admin token (API_TOKEN)." }));
    return box;

    /**
     * @template {keyof Routes} R
     * @param {R} route @param {Kid[]} kids
     * @param {() => Params | null} params null sends nothing
     * @param {(b: Routes[R]) => string} done what the answer says
     * @param {() => Record<string, unknown>} [json] the request body
     */
    function form(route, kids, params, done, json) {
      var f = h("form", null, kids);
      var button = f.querySelector("button");
      // The submit button names the action: the route's path would not ("hosts/{machineId}").
      var action = (button && button.getAttribute("data-action")) || route;
      f.setAttribute("data-action", action);
      f.addEventListener("submit", async function (/** @type {Event} */ ev) {
        ev.preventDefault();
        var q = params();
        if (!q) return;
        if (button) button.disabled = true;
        s.msg.className = "msg";
        s.msg.textContent = action + ": working…";
        var r = await api(route, q, json && json());
        if (button && role === "admin" && action !== "down") button.disabled = false;
        if (r.status === 401) return signOut("Signed out: the token is no longer accepted: " + why(r));
        if (!r.ok) {
          s.msg.className = "msg bad";
          s.msg.textContent = action + " refused: " + why(r);
          return;
        }
        s.msg.className = "msg good";
        s.msg.textContent = done(r.body);
        if (action === "down") s.confirm.value = "";
        await refresh();
      });
      return f;
    }
  }

  /** @param {ScaleBody | UpBody | ReplaceBody} b @param {string} head */
  function passLine(b, head) {
    /** @type {Record<string, number>} */
    var counts = {};
    b.report.actions.forEach(function (a) { counts[a.kind] = (counts[a.kind] || 0) + 1; });
    var did = Object.keys(counts).map(function (k) { return counts[k] + " " + k; }).join(", ") || "nothing to do yet";
    var held = b.report.held;
    return "Fleet " + b.fleet + ": " + head + "; this pass: " + did + (held.length ? "; held: " + held.join("; ") : "") + ".";
  }

  /** @param {PauseBody} b */
  function paused(b) { return "Fleet " + b.fleet + (b.paused ? " paused: no autonomous actions until resumed." : " resumed."); }

  /** @param {Section} s @param {string[]} gpus */
  function setGpus(s, gpus) {
    s.gpus = gpus;
    fill(s.gpu, h("option", { value: "", text: "any GPU" }), gpus.map(function (g) { return h("option", { value: g, text: g }); }));
  }

  /** @param {Section} s @param {FleetStatus} f */
  function renderFleet(s, f) {
    var badges = [];
    badges.push(f.paused ? h("span", { class: "badge warn", text: "paused" }) : h("span", { class: "badge ok", text: "active" }));
    badges.push(f.breaker.open ? h("span", { class: "badge bad", text: "circuit breaker open" }) : h("span", { class: "badge ok", text: "breaker closed" }));
    if (f.launchHold) badges.push(h("span", { class: "badge bad", text: "launches held" }));
    if (f.creditPausedUntil) badges.push(h("span", { class: "badge bad", text: "credit low" }));
    var firing = (f.alerts && f.alerts.firing) || [];
    badges.push(firing.length ? h("span", { class: "badge bad", text: firing.length + " alert(s)" }) : h("span", { class: "badge ok", text: "no alerts" }));
    fill(s.head, h("h2", { text: f.fleet }), badges);

    var lines = [];
    if (f.breaker.open) lines.push("Circuit breaker open" + (f.breaker.reason ? ": " + f.breaker.reason : "") + " (" + f.breaker.failures + " failed launches in a row).");
    if (f.launchHold) lines.push("Launches held: " + f.launchHold);
    if (f.creditPausedUntil) lines.push("Launches paused for low credit for " + dur((f.creditPausedUntil - f.now) / 1000) + ".");
    (f.configErrors || []).forEach(function (/** @type {string} */ e) { lines.push("Config error: " + e); });
    firing.forEach(function (a) { lines.push("Alert: " + a.title + " (for " + dur((f.now - a.since) / 1000) + ")"); });
    if (f.alerts && f.alerts.slackError) lines.push(f.alerts.slackError);
    if (f.lastPass) (f.lastPass.errors || []).forEach(function (/** @type {string} */ e) { lines.push("Last pass: " + e); });
    var pass = f.lastPass ? "Last pass " + dur((f.now - f.lastPass.at) / 1000) + " ago, " + f.lastPass.actions.length + " action(s)." : "No pass has run yet.";
    var pend = f.pending.launches + f.pending.destroys + f.pending.upgrades ? " Pending: " + f.pending.launches + " launch, " + f.pending.destroys + " destroy, " + f.pending.upgrades + " upgrade." : "";
    fill(s.state, 
      h("p", { class: "muted", text: pass + pend + (f.blockedHosts ? " " + f.blockedHosts + " host(s) blocked." : "") + (f.roll ? " Rolling: " + f.roll.remaining + " worker(s) started before it left." : "") + (!f.breaker.open && f.breaker.failures ? " Breaker closed, " + f.breaker.failures + " failed launch(es) in a row." : "") }),
      lines.length ? h("ul", { class: "alerts" }, lines.map(function (l) { return h("li", { text: l }); })) : null);

    var t = f.totals;
    fill(s.totals, 
      stat(t.running + " / " + t.instances, "running / workers (target " + (f.target === null ? "?" : f.target) + ")"),
      stat(usd(t.dph), "$ / hour"), stat(usd(t.dpd), "$ / day"), stat(num(t.gamesPerSec, 1), "games / s"), stat(int(t.gamesPerDollar), "games per $"));
    if (document.activeElement !== s.n && !s.n.value) s.n.value = f.target === null ? "" : String(f.target);
    s.roll.textContent = f.roll ? "Cancel roll" : "Roll";
    s.roll.setAttribute("data-cancel", f.roll ? "1" : "");
    s.rollNote.textContent = f.roll ? f.roll.remaining + " worker(s) left to roll" : "new instances for all, one at a time";

    var cols = ["Worker", "Phase", "GPU", "$/hr", "games/s", "batch", "age", "ssh", ""];
    var rows = f.instances.map(function (i) {
      return h("tr", { "data-id": i.id, "data-phase": i.phase },
        h("td", { "data-label": cols[0] }, h("span", { text: i.label }), h("span", { class: "muted", text: " #" + i.id + (i.machineId === null ? "" : " · machine " + i.machineId) })),
        h("td", { "data-label": cols[1] }, h("span", { class: "phase phase-" + i.phase, title: i.detail + " (for " + dur(i.phaseForS) + ")", text: i.phase })),
        h("td", { "data-label": cols[2], text: i.gpu || "—" }),
        h("td", { class: "num", "data-label": cols[3], text: usd(i.dph) }),
        h("td", { class: "num", "data-label": cols[4], text: num(i.gamesPerSec, 2) }),
        h("td", { class: "num", "data-label": cols[5], text: i.batch === null ? "—" : String(i.batch) }),
        h("td", { class: "num", "data-label": cols[6], text: dur(i.ageS) }),
        h("td", { "data-label": cols[7] }, i.ssh ? sshCell(i.ssh) : "—"),
        h("td", { "data-label": "" }, replaceButton(s, i), i.machineId === null ? null : blockHostButton(s, i.machineId)));
    });
    fill(s.workers, rows.length
      ? h("table", { class: "cards workers" }, h("thead", null, h("tr", null, cols.map(function (c, k) { return h("th", { class: k >= 3 && k <= 6 ? "num" : null, text: c }); }))), h("tbody", null, rows))
      : h("p", { class: "muted", text: "No workers." + (f.target ? " Launching toward " + f.target + "." : "") }));

    renderValue(s, f);
  }

  /**
   * The runbook's "destroy it, then vast_up.sh 1" for one worker (POST /instances/{id}/replace),
   * after a confirmation: its unsent games are lost.
   * @param {Section} s @param {FleetStatus["instances"][number]} i
   */
  function replaceButton(s, i) {
    var b = h("button", { type: "button", class: "secondary", "data-action": "replace", disabled: role !== "admin", title: "destroy this worker now and launch a replacement", text: "replace" });
    b.addEventListener("click", async function () {
      if (!confirm("Replace " + i.label + " (#" + i.id + ")? It is destroyed now, with the games it has not uploaded, and its slot refilled.")) return;
      b.disabled = true;
      var r = await api("POST /instances/{id}/replace", { id: i.id, fleet: s.name });
      if (r.status === 401) return signOut("Signed out: the token is no longer accepted: " + why(r));
      s.msg.className = r.ok ? "msg good" : "msg bad";
      s.msg.textContent = r.ok ? passLine(r.body, i.label + " (#" + r.body.replaced + ") replaced") : "replace refused: " + why(r);
      if (!r.ok) b.disabled = role !== "admin";
      else await refresh();
    });
    return b;
  }

  /**
   * Fills the block form with the row's machine and asks for the reason: the block itself is the
   * form's, so the scope and the reason stay the operator's to choose.
   * @param {Section} s @param {number} machineId
   */
  function blockHostButton(s, machineId) {
    var b = h("button", { type: "button", class: "secondary", "data-action": "block-host", disabled: role !== "admin", title: "fill the Block host form with machine " + machineId, text: "block host" });
    b.addEventListener("click", function () {
      s.blockId.value = String(machineId);
      s.blockWhy.scrollIntoView({ block: "center" });
      s.blockWhy.focus();
    });
    return b;
  }

  /** @param {string} cmd */
  function sshCell(cmd) {
    var b = h("button", { type: "button", class: "secondary", title: "copy the ssh command", text: "copy" });
    b.addEventListener("click", async function () {
      try { await navigator.clipboard.writeText(cmd); b.textContent = "copied"; }
      catch (e) { b.textContent = "select"; var sel = getSelection(); if (sel) sel.selectAllChildren(code); }
      setTimeout(function () { b.textContent = "copy"; }, 1500);
    });
    var code = h("code", { title: cmd, text: cmd });
    return h("span", { class: "ssh" }, code, b);
  }

  /** The GPU value table: measured throughput per GPU model against what the fleet pays for it. */
  function renderValue(/** @type {Section} */ s, /** @type {FleetStatus} */ f) {
    /** @type {Record<string, {gpu: string, gps: number | null, est: boolean, samples: number, dph: number[]}>} */
    var by = {};
    f.throughput.forEach(function (t) {
      by[t.gpu] = { gpu: t.gpu, gps: t.samples > 0 ? t.gamesPerSec : t.expected, est: t.samples === 0, samples: t.samples, dph: [] };
    });
    f.instances.forEach(function (i) {
      if (!i.gpu) return;
      var e = by[i.gpu] || (by[i.gpu] = { gpu: i.gpu, gps: null, est: true, samples: 0, dph: [] });
      if (i.dph !== null) e.dph.push(i.dph);
    });
    var rows = Object.keys(by).map(function (k) {
      var e = by[k];
      var dph = e.dph.length ? e.dph.reduce(function (a, b) { return a + b; }, 0) / e.dph.length : null;
      return { gpu: e.gpu, gps: e.gps, est: e.est, samples: e.samples, workers: e.dph.length, dph: dph, gpd: e.gps === null ? null : gpd(e.gps, dph) };
    }).sort(function (a, b) { return (b.gpd || 0) - (a.gpd || 0) || a.gpu.localeCompare(b.gpu); });
    if (!rows.length) { fill(s.value, h("p", { class: "muted", text: "No throughput measured yet." })); return; }
    var cols = ["GPU", "games/s per worker", "$/hr", "games per $", "workers"];
    fill(s.value, h("table", { class: "cards value" },
      h("thead", null, h("tr", null, cols.map(function (c, k) { return h("th", { class: k ? "num" : null, text: c }); }))),
      h("tbody", null, rows.map(function (r, k) {
        return h("tr", { class: k === 0 && r.gpd ? "best" : null },
          h("td", { "data-label": cols[0], text: r.gpu }),
          h("td", { class: "num", "data-label": cols[1], title: r.est ? "expected (no measurement yet)" : r.samples + " samples", text: num(r.gps, 2) + (r.est && r.gps !== null ? " est." : "") }),
          h("td", { class: "num", "data-label": cols[2], text: usd(r.dph) }),
          h("td", { class: "num", "data-label": cols[3], text: int(r.gpd) }),
          h("td", { class: "num", "data-label": cols[4], text: String(r.workers) }));
      }))));
  }

  /**
   * Host reputation (GET /hosts): the hosts this fleet has struck or blocked, and why; an admin can
   * forget one it knows is fixed (DELETE /hosts/:machineId).
   * @param {Section} s @param {HostRow[] | null} hosts @param {number} now
   */
  function renderHosts(s, hosts, now) {
    if (!hosts) return;
    var struck = hosts.filter(function (x) { return x.blocked || x.strikes > 0; });
    if (!struck.length) { fill(s.hosts, h("p", { class: "muted", text: "No host has failed this fleet." })); return; }
    var cols = ["Host", "GPU", "strikes", "", "last", "why", ""];
    fill(s.hosts, h("table", { class: "cards hosts" },
      h("thead", null, h("tr", null, cols.map(function (c, k) { return h("th", { class: k === 2 || k === 4 ? "num" : null, text: c }); }))),
      h("tbody", null, struck.map(function (x) {
        var forget = h("button", { type: "button", class: "secondary", "data-action": "forget", disabled: role !== "admin", title: "forget this host's record", text: "forget" });
        forget.addEventListener("click", function () { forgetHost(s, x.machineId, forget); });
        return h("tr", { "data-machine": x.machineId },
          h("td", { "data-label": "machine_id", text: String(x.machineId) }),
          h("td", { "data-label": cols[1], text: x.gpu || "—" }),
          h("td", { class: "num", "data-label": cols[2], text: num(x.strikes, 2) }),
          h("td", { "data-label": "status" }, x.blocked ? h("span", { class: "badge bad", text: "blocked" }) : h("span", { class: "badge warn", text: "struck" })),
          h("td", { class: "num", "data-label": cols[4], text: x.lastStrikeAt ? dur((now - x.lastStrikeAt) / 1000) + " ago" : "—" }),
          h("td", { "data-label": cols[5], text: x.reason || "—" }),
          h("td", { "data-label": "" }, forget));
      }))));
  }

  /** @param {Section} s @param {number} machineId @param {HTMLButtonElement} button */
  async function forgetHost(s, machineId, button) {
    button.disabled = true;
    var r = await api("DELETE /hosts/{machineId}", { machineId: machineId, fleet: s.name });
    if (r.status === 401) return signOut("Signed out: the token is no longer accepted: " + why(r));
    s.msg.className = r.ok ? "msg good" : "msg bad";
    s.msg.textContent = r.ok ? "Host " + machineId + " forgotten: it may be rented again." : "forget refused: " + why(r);
    if (!r.ok) button.disabled = role !== "admin";
    else await refresh();
  }

  /** @param {Section} s @param {FleetEvent[] | null} events @param {number} now */
  function renderEvents(s, events, now) {
    if (!events) return;
    fill(s.events, events.length ? events.map(function (e) {
      return h("li", { class: e.ok ? null : "failed" },
        h("span", { class: "when", text: dur((now - e.at) / 1000) + " ago" }),
        h("span", { class: "act", text: e.action + (e.ok ? "" : " ✗") }),
        h("span", { class: "why", text: (e.label ? e.label + ": " : "") + e.reason }));
    }) : h("li", { class: "muted", text: "No events yet." }));
  }

  // --- charts ---------------------------------------------------------------------------------
  /** @param {Section} s @param {HistoryBody | null} hist */
  function renderCharts(s, hist) {
    if (!hist) return;
    fill(s.charts, 
      chart("gps", "games / s", hist, function (p) { return p.gamesPerSec; }, function (v) { return num(v, 1); }),
      chart("dph", "$ / hour", hist, function (p) { return p.dph; }, function (v) { return "$" + v.toFixed(2); }));
  }

  /**
   * A line over the last 24 hours; a gap of more than one bucket breaks the line rather than
   * drawing a slope through hours nobody measured.
   * @param {string} cls @param {string} title @param {HistoryBody} hist @param {(p: HistoryPoint) => number} pick @param {(v: number) => string} fmt
   */
  function chart(cls, title, hist, pick, fmt) {
    var W = 360, H = 130, L = 34, R = 6, T = 8, B = 18;
    // The last 24 hours, or less while the fleet is younger (at least 1 hour), so a new fleet's
    // line is not a sliver at the right edge.
    var end = hist.now, day = end - 24 * 3600000;
    var pts = hist.points.filter(function (p) { return p.at >= day; });
    var start = Math.max(day, Math.min(end - 3600000, pts.length ? pts[0].at : end));
    var max = pts.reduce(function (/** @type {number} */ m, p) { return Math.max(m, pick(p)); }, 0);
    max = niceMax(max);
    /** @param {number} at */ function x(at) { return L + ((at - start) / (end - start)) * (W - L - R); }
    /** @param {number} v */ function y(v) { return T + (1 - v / max) * (H - T - B); }
    var line = "", area = "", run = [];
    for (var i = 0; i < pts.length; i++) {
      var p = pts[i], prev = pts[i - 1];
      var join = prev && p.at - prev.at <= hist.bucketMs * 1.5;
      if (!join && run.length) { area += closeArea(run); run = []; }
      var px = x(p.at).toFixed(1), py = y(pick(p)).toFixed(1);
      line += (join ? "L" : "M") + px + " " + py;
      run.push([px, py]);
    }
    if (run.length) area += closeArea(run);
    /** @param {string[][]} r */
    function closeArea(r) {
      var base = y(0).toFixed(1);
      return "M" + r[0][0] + " " + base + r.map(function (q) { return "L" + q[0] + " " + q[1]; }).join("") + "L" + r[r.length - 1][0] + " " + base + "Z";
    }
    var grid = [0, 0.5, 1].map(function (f) {
      var v = max * f;
      return [svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }), svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end", text: fmt(v) })];
    });
    /** @param {number} at */ function ago(at) { var hrs = (end - at) / 3600000; return "-" + (hrs >= 2 ? Math.round(hrs) + "h" : Math.round(hrs * 60) + "m"); }
    var ticks = [[start, ago(start)], [(start + end) / 2, ago((start + end) / 2)], [end, "now"]].map(function (t, k) {
      return svg("text", { x: x(Number(t[0])), y: H - 4, "text-anchor": k === 0 ? "start" : k === 2 ? "end" : "middle", text: t[1] });
    });
    var last = pts.length ? pick(pts[pts.length - 1]) : null;
    var plot = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title + " over the last 24 hours" },
      grid, ticks,
      area ? svg("path", { class: "area", d: area }) : null,
      line ? svg("path", { class: "line", d: line }) : null,
      pts.length === 1 ? svg("circle", { class: "line", cx: x(pts[0].at), cy: y(pick(pts[0])), r: 2 }) : null,
      pts.length ? null : svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", text: "no samples yet" }));
    return h("div", { class: "chart " + cls, "data-points": pts.length },
      h("p", { class: "title", text: title + (last === null ? "" : " — now " + fmt(last)) + (start > day ? " (since " + ago(start).slice(1) + " ago)" : "") }), plot);
  }
  /** @param {number} v */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = [1, 2, 2.5, 5, 10].find(function (k) { return k * p >= v * 1.05; }) || 10;
    return m * p;
  }

  // --- start ----------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    $("signin-form").addEventListener("submit", function (/** @type {Event} */ ev) {
      ev.preventDefault();
      var value = /** @type {HTMLInputElement} */ ($("token")).value.trim();
      if (value) signIn(value);
    });
    $("signout").addEventListener("click", function () { signOut(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
    var saved = sessionStorage.getItem(KEY);
    if (saved) signIn(saved);
    else /** @type {HTMLInputElement} */ ($("token")).focus();
  });
})();
`;
