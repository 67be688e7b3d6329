// Shared building blocks of the web UI: DOM helpers, the API client and
// small widgets. Every value from the server is inserted as text (never as
// HTML), and diagrams are shown as <img> from a blob, so nothing the server
// returns can run. The UI holds no credential a script could read: the
// session lives in an HttpOnly cookie; only its CSRF token is kept here,
// in memory, and echoed on every state change.

export const API = "/api/v1";
export const state = { me: null, csrf: "" };

// ---------- DOM ----------
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
const SVGNS = "http://www.w3.org/2000/svg";
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
export const main = () => document.getElementById("main");
let uid = 0;
export const nextId = (p = "f") => `${p}${++uid}`;
export function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  m.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}
export function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "—";
  if (typeof x !== "number") return String(x);
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}
export const pct = (x) => (x === null || x === undefined ? "—" : (100 * x).toFixed(0) + " %");
export const when = (t) => (t ? new Date(t).toLocaleString() : "—");
export const words = (x) => String(x).replaceAll("_", " ");
export const badge = (v, cls) => h("span", { class: "badge " + (cls === undefined ? v : cls) }, words(v));
export function bar(v, threshold, label) {
  return h("div", { class: "bar", role: "img", "aria-label": label || pct(v) },
    h("span", { style: `width:${Math.max(0, Math.min(1, v || 0)) * 100}%` }),
    threshold !== undefined ? h("i", { class: "th", style: `left:${threshold * 100}%` }) : null);
}
export function table(cols, rows, empty = "Nothing here yet.", caption) {
  if (!rows.length) return h("div", { class: "empty" }, empty);
  // The wrapper scrolls on narrow screens, so it takes keyboard focus.
  const name = caption || "Table of " + cols.map((c) => c.label).filter(Boolean).slice(0, 3).join(", ").toLowerCase();
  return h("div", { class: "tablewrap", tabindex: "0", role: "region", "aria-label": name }, h("table", {}, caption ? h("caption", { class: "sr" }, caption) : null,
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { class: c.num ? "num" : "", scope: "col" }, c.label)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", { class: c.num ? "num" : "" }, c.get(r))))))));
}
export function stat(k, v) { return h("div", { class: "stat" }, h("div", { class: "v" }, v), h("div", { class: "k" }, k)); }
export function notice(kind, ...kids) { return h("div", { class: "notice " + kind, role: kind === "error" ? "alert" : "status" }, ...kids); }
export function problemNode(err) {
  const p = err.problem || {};
  return notice("error", h("strong", {}, p.title || "Error"), " ", p.detail || err.message,
    p.errors && p.errors.length ? h("ul", {}, p.errors.map((e) => h("li", {}, h("span", { class: "mono" }, e.field), ": ", e.message))) : null);
}
// field wraps a control in a visible label.
export function field(label, control, hint) {
  const id = control.id || (control.id = nextId());
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("div", { class: "muted small" }, hint) : null);
}
// report puts a message next to the form that caused it and brings it
// into view; success messages stay until the next action.
export function report(out, node) {
  out.replaceChildren(node);
  out.scrollIntoView({ block: "nearest" });
}

// busy disables the buttons of a form (or one button) while work runs
// and marks the region busy for assistive technology.
export async function busy(scope, label, work) {
  const buttons = scope instanceof HTMLButtonElement ? [scope] : [...scope.querySelectorAll("button")];
  const region = scope instanceof HTMLButtonElement ? scope.parentElement : scope;
  const old = buttons.map((b) => [b, b.disabled, b.textContent]);
  for (const b of buttons) b.disabled = true;
  const main = buttons.find((b) => b.type === "submit" || b === scope) || buttons[0];
  if (main) main.textContent = label;
  region && region.setAttribute("aria-busy", "true");
  try { return await work(); } finally {
    for (const [b, d, t] of old) { b.disabled = d; b.textContent = t; }
    region && region.removeAttribute("aria-busy");
  }
}

// ---------- API ----------
export let onSignedOut = () => {};
export function setSignedOutHandler(f) { onSignedOut = f; }

// Each navigation owns the reads it starts: a new navigation aborts the
// previous one's GETs, so a screen that loads slowly can never replace a
// later one or take the focus from a reader who has moved on. Writes are
// never aborted (leaving a page must not cancel an import).
let nav = new AbortController();
export function newNavigation() {
  nav.abort();
  nav = new AbortController();
  return nav.signal;
}
export async function api(method, path, body, opts = {}) {
  const headers = {};
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = state.csrf;
  let payload;
  if (body !== undefined) {
    if (opts.csv) { headers["Content-Type"] = "text/csv"; payload = body; }
    else { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  }
  const signal = method === "GET" ? nav.signal : undefined;
  const res = await fetch(API + path, { method, headers, body: payload, credentials: "same-origin", signal });
  if (res.status === 401 && !opts.quiet) {
    state.me = null; state.csrf = "";
    onSignedOut("Your session has ended. Sign in again.");
    throw Object.assign(new Error("signed out"), { status: 401, problem: { title: "Signed out", detail: "Your session has ended." } });
  }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch (_) { /* not JSON */ }
    throw Object.assign(new Error(problem.detail || res.statusText), { status: res.status, problem });
  }
  if (opts.blob) return res.blob();
  if (opts.text) return res.text();
  return res.status === 204 ? null : res.json();
}
export async function download(path, name) {
  const b = await api("GET", path, undefined, { blob: true });
  const a = h("a", { href: URL.createObjectURL(b), download: name });
  document.body.append(a); a.click(); a.remove();
}
export const can = (...roles) => state.me && roles.includes(state.me.role);

// diagram shows a diagram with zoom, pan (scrolling) and a full-size
// view: either an SVG from the API (path) or an SVG element drawn here. At
// "fit" it never shrinks below half its natural size, it scrolls instead,
// so labels stay legible on narrow screens.
export function diagram(source, alt) {
  const view = h("div", { class: "diagram-view", tabindex: "0", role: "group", "aria-label": alt + " (scroll to pan)" }, h("p", { class: "muted small" }, "Drawing…"));
  let zoom = 1, natural = 0, el = null;
  const zoomOut = h("output", { class: "small muted", "aria-live": "polite" }, "100 %");
  const apply = () => {
    if (!natural || !el) return;
    const w = Math.round(natural * zoom);
    if (el.tagName === "IMG") el.style.width = w + "px";
    else { el.setAttribute("width", w); el.setAttribute("height", Math.round(el._h * zoom)); }
    zoomOut.textContent = Math.round(zoom * 100) + " %";
  };
  const set = (z) => { zoom = Math.max(0.25, Math.min(4, z)); apply(); };
  const fit = () => { if (natural) set(Math.max(0.5, Math.min(1, (view.clientWidth - 24) / natural))); };
  if (typeof source === "string") {
    const img = h("img", { alt });
    img.addEventListener("load", () => { el = img; natural = img.naturalWidth || 600; fit(); });
    api("GET", source, undefined, { blob: true }).then((b) => { img.src = URL.createObjectURL(b); view.replaceChildren(img); })
      .catch((e) => view.replaceChildren(problemNode(e)));
  } else {
    el = source;
    natural = Number(source.getAttribute("width")) || 600;
    el._h = Number(source.getAttribute("height")) || 300;
    view.replaceChildren(source);
    requestAnimationFrame(fit);
  }
  const controls = h("div", { class: "row zoom" },
    h("button", { type: "button", "aria-label": "Zoom in", onclick: () => set(zoom * 1.25) }, "+"),
    h("button", { type: "button", "aria-label": "Zoom out", onclick: () => set(zoom / 1.25) }, "−"),
    h("button", { type: "button", onclick: fit }, "Fit"),
    h("button", { type: "button", onclick: () => set(1) }, "Full size"), zoomOut);
  return h("figure", { class: "diagram" }, controls, view);
}
