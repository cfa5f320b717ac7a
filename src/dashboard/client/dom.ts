/**
 * The page's DOM, built with createElement and textContent only (never HTML from a string):
 * worker labels, event reasons and log lines are upstream text.
 * @module
 */

/** "text" sets the text; null, undefined and false leave the attribute out, true sets it empty. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;
/** null, undefined and false add nothing; lists are flattened. */
export type Kids = Node | string | number | null | undefined | false | readonly Kids[];

export function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Kids[]): HTMLElementTagNameMap[K] {
  return build(document.createElement(tag), attrs, kids);
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Kids[]): SVGElementTagNameMap[K] {
  return build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, kids);
}

function build<E extends Element>(el: E, attrs: Attrs | null | undefined, kids: Kids[]): E {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  add(el, kids);
  return el;
}

/** Replaces an element's children (replaceChildren would print nested lists). */
export function fill(el: Element, ...kids: Kids[]): void {
  el.replaceChildren();
  add(el, kids);
}

function add(el: Element, kid: Kids): void {
  if (kid === null || kid === undefined || kid === false) return;
  if (Array.isArray(kid)) for (const k of kid as readonly Kids[]) add(el, k);
  else el.appendChild(typeof kid === "object" ? (kid as Node) : document.createTextNode(String(kid)));
}

/** A labelled figure of a stats row. */
export function stat(value: string, label: string, title?: string, wide = false): HTMLDivElement {
  return h("div", { class: wide ? "stat wide" : "stat", title }, h("b", { text: value }), h("span", { text: label }));
}
