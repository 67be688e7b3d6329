// Stagewise web UI: a hash-routed page over the public API, one ES module
// per screen, no build step. This module routes, signs in and out, and
// draws the navigation the signed-in role needs.
import { api, badge, h, newNavigation, problemNode, setSignedOutHandler, show, state } from "./js/core.js";
import { claimView, signInView } from "./js/signin.js";

// Each screen is its own module, loaded when first visited.
const screens = {
  models: () => import("./js/models.js"),
  version: () => import("./js/version.js"),
  rounds: () => import("./js/rounds.js"),
  datasets: () => import("./js/datasets.js"),
  comparisons: () => import("./js/comparisons.js"),
};
// A screen whose navigation was overtaken while its module loaded is not drawn.
const lazy = (mod, fn) => async (signal, ...args) => {
  const m = await screens[mod]();
  if (!signal.aborted) await m[fn](...args);
};

// What each role finds in the navigation, and where it lands.
const navs = {
  admin: [["#/models", "Models"], ["#/rounds", "Panel rounds"], ["#/datasets", "Datasets"], ["#/comparisons", "Comparisons"]],
  pi: [["#/models", "Models"], ["#/rounds", "Panel rounds"], ["#/datasets", "Datasets"], ["#/comparisons", "Comparisons"]],
  panelist: [["#/rounds", "My rounds"], ["#/models", "Approved models"]],
  coder: [["#/datasets", "Datasets"]],
  client: [["#/models", "Approved models"]],
};
const landing = { panelist: "#/rounds", coder: "#/datasets" };

const routes = [
  [/^#\/?$/, () => { location.replace(landing[state.me.role] || "#/models"); }],
  [/^#\/models$/, lazy("models", "modelsView")],
  [/^#\/models\/([^/]+)$/, lazy("models", "modelView")],
  [/^#\/models\/([^/]+)\/new$/, lazy("version", "newVersionView")],
  [/^#\/models\/([^/]+)\/versions\/(\d+|latest)(?:\/(overview|edit|diff|panel|changes))?$/, lazy("version", "versionView")],
  [/^#\/rounds$/, lazy("rounds", "myRoundsView")],
  [/^#\/rounds\/(\d+)$/, lazy("rounds", "roundView")],
  [/^#\/datasets$/, lazy("datasets", "datasetsView")],
  [/^#\/datasets\/(\d+)$/, lazy("datasets", "datasetView")],
  [/^#\/comparisons$/, lazy("comparisons", "comparisonsView")],
  [/^#\/comparisons\/(\d+)$/, lazy("comparisons", "comparisonView")],
];

function renderChrome() {
  const nav = document.getElementById("nav"), who = document.getElementById("who");
  if (!state.me) { nav.replaceChildren(); who.replaceChildren(); return; }
  const hash = location.hash || "#/";
  nav.replaceChildren(...(navs[state.me.role] || []).map(([href, label]) => {
    const here = hash === href || hash.startsWith(href + "/");
    return h("a", { href, class: here ? "active" : "", "aria-current": here ? "page" : null }, label);
  }));
  who.replaceChildren(h("span", {}, state.me.name, " ", badge(state.me.role, "")),
    h("button", { type: "button", onclick: signOut }, "Sign out"));
}

async function signOut() {
  try { await api("DELETE", "/session", undefined, { quiet: true }); } catch (_) { /* already ended */ }
  state.me = null; state.csrf = "";
  location.hash = "#/";
  route();
}

export function signedIn(session) {
  state.me = session.user; state.csrf = session.csrf_token;
}

export async function route() {
  const signal = newNavigation();
  const hash = location.hash || "#/";
  const claim = hash.match(/^#\/claim\/([^/]+)$/);
  if (claim) { renderChrome(); claimView(decodeURIComponent(claim[1]), signedIn, route); return; }
  if (!state.me) {
    let ses = null;
    try { ses = await api("GET", "/session", undefined, { quiet: true }); } catch (_) { /* offline or failing: sign in */ }
    if (signal.aborted) return; // a newer navigation draws the page
    if (!ses || !ses.signed_in) { renderChrome(); signInView(signedIn, route); return; }
    signedIn(ses);
  }
  renderChrome();
  for (const [re, view] of routes) {
    const m = hash.match(re);
    if (m) {
      try { await view(signal, ...m.slice(1).map((x) => (x === undefined ? undefined : decodeURIComponent(x)))); }
      catch (err) { if (!signal.aborted && err.status !== 401) show(h("h1", {}, "Something went wrong"), problemNode(err)); }
      return;
    }
  }
  show(h("h1", {}, "No such page"), h("p", {}, h("a", { href: "#/" }, "Go to your start page")));
}

setSignedOutHandler((message) => { renderChrome(); signInView(signedIn, route, message); });
window.addEventListener("hashchange", route);
route();
