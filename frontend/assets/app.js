// Stagewise web UI: a small hash-routed page over the public API. Every
// value from the server is inserted as text (never as HTML), and diagrams
// are shown as <img> from a blob, so nothing the server returns can run.
"use strict";

const API = "/api/v1";
const state = { token: localStorage.getItem("stagewise.token") || "", me: null };

// ---------- DOM helpers ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
const main = () => document.getElementById("main");
function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  m.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}
function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "—";
  if (typeof x !== "number") return String(x);
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}
const pct = (x) => (x === null || x === undefined ? "—" : (100 * x).toFixed(0) + " %");
const when = (t) => (t ? new Date(t).toLocaleString() : "—");
const badge = (s, cls) => h("span", { class: "badge " + (cls || s) }, String(s).replace("_", " "));
function bar(v, threshold) {
  return h("div", { class: "bar", title: pct(v) },
    h("span", { style: `width:${Math.max(0, Math.min(1, v || 0)) * 100}%` }),
    threshold !== undefined ? h("i", { class: "th", style: `left:${threshold * 100}%` }) : null);
}
function table(cols, rows, empty = "Nothing here yet.") {
  if (!rows.length) return h("div", { class: "empty" }, empty);
  return h("div", { class: "tablewrap" }, h("table", {},
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { class: c.num ? "num" : "" }, c.label)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", { class: c.num ? "num" : "" }, c.get(r))))))));
}
function stat(k, v) { return h("div", { class: "stat" }, h("div", { class: "v" }, v), h("div", { class: "k" }, k)); }
function notice(kind, ...kids) { return h("div", { class: "notice " + kind, role: kind === "error" ? "alert" : "status" }, ...kids); }
function problemNode(err) {
  const p = err.problem || {};
  return notice("error", h("strong", {}, p.title || "Error"), " ", p.detail || err.message,
    p.errors && p.errors.length ? h("ul", {}, p.errors.map((e) => h("li", {}, h("span", { class: "mono" }, e.field), ": ", e.message))) : null);
}

// ---------- API ----------
async function api(method, path, body, opts = {}) {
  const headers = { Authorization: "Bearer " + state.token };
  let payload;
  if (body !== undefined) {
    if (opts.csv) { headers["Content-Type"] = "text/csv"; payload = body; }
    else { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  }
  const res = await fetch(API + path, { method, headers, body: payload });
  if (res.status === 401 && !opts.quiet) { signOut(); throw Object.assign(new Error("signed out"), { problem: { title: "Signed out", detail: "Your token was not accepted." } }); }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch (_) { /* not JSON */ }
    throw Object.assign(new Error(problem.detail || res.statusText), { status: res.status, problem });
  }
  if (opts.blob) return res.blob();
  if (opts.text) return res.text();
  return res.status === 204 ? null : res.json();
}
async function image(path, alt) {
  const img = h("img", { alt });
  const box = h("div", { class: "diagram" }, h("p", { class: "muted small" }, "Drawing…"));
  api("GET", path, undefined, { blob: true }).then((b) => {
    img.src = URL.createObjectURL(b);
    box.replaceChildren(img);
  }).catch((e) => box.replaceChildren(problemNode(e)));
  return box;
}
async function download(path, name) {
  const b = await api("GET", path, undefined, { blob: true });
  const a = h("a", { href: URL.createObjectURL(b), download: name });
  document.body.append(a); a.click(); a.remove();
}
const can = (...roles) => state.me && roles.includes(state.me.role);

// ---------- sign-in ----------
function signOut() {
  localStorage.removeItem("stagewise.token");
  state.token = ""; state.me = null;
  renderWho(); route();
}
function renderWho() {
  const who = document.getElementById("who");
  if (!state.me) { who.replaceChildren(); return; }
  who.replaceChildren(h("span", {}, state.me.name, " · ", badge(state.me.role, "")), h("button", { onclick: signOut }, "Sign out"));
}
function signInView(message) {
  const input = h("input", { type: "password", placeholder: "sw_…", autocomplete: "off", "aria-label": "Token" });
  const out = h("div");
  const form = h("form", {
    class: "card signin", onsubmit: async (e) => {
      e.preventDefault();
      state.token = input.value.trim();
      try {
        state.me = await api("GET", "/me", undefined, { quiet: true });
        localStorage.setItem("stagewise.token", state.token);
        renderWho(); route();
      } catch (err) { out.replaceChildren(problemNode(err)); }
    },
  },
  h("h1", {}, "Sign in"),
  h("p", { class: "muted" }, "Paste the token you were given. ", h("span", { class: "mono" }, "stagewise serve --demo"), " prints a PI token and a read-only client token."),
  message ? notice("error", message) : null,
  h("label", {}, "Bearer token", input), h("p"), h("button", { class: "primary", type: "submit" }, "Sign in"), out);
  show(form);
  input.focus();
}

// ---------- models ----------
async function modelsView() {
  const list = await api("GET", "/models?limit=200");
  const out = h("div");
  const form = can("pi", "admin") ? newModelForm(out) : null;
  show(h("div", { class: "spread" }, h("div", {}, h("h1", {}, "Models"), h("p", { class: "muted" }, "Stage-process models of therapeutic tasks, each in numbered versions."))),
    list.items.length ? h("div", { class: "grid" }, list.items.map((m) => h("a", { class: "card", href: `#/models/${m.slug}` },
      h("h3", {}, m.title), h("div", { class: "mono muted" }, m.slug),
      h("p", { class: "small" }, h("strong", {}, "Marker: "), m.marker), h("p", { class: "small" }, h("strong", {}, "Resolution: "), m.resolution),
      h("div", { class: "muted small" }, "PI: ", m.owner.name)))) : h("div", { class: "empty" }, "No models yet."),
    form ? [h("h2", {}, "New model"), form, out] : null);
}
function newModelForm(out) {
  const f = {};
  const field = (k, label, attrs = {}) => h("label", {}, label, (f[k] = h(attrs.multi ? "textarea" : "input", { rows: 2, ...attrs })));
  return h("form", {
    class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const body = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value]));
      try { const m = await api("POST", "/models", body); location.hash = `#/models/${m.slug}`; } catch (err) { out.replaceChildren(problemNode(err)); }
    },
  }, h("div", { class: "grid" }, field("slug", "Slug", { placeholder: "withdrawal-repair" }), field("title", "Title"),
    field("marker", "Task marker", { multi: true }), field("resolution", "Resolution", { multi: true }), field("context", "Context", { multi: true })),
  h("p"), h("button", { class: "primary" }, "Create model"));
}

async function modelView(slug) {
  const [m, vs] = await Promise.all([api("GET", `/models/${slug}`), api("GET", `/models/${slug}/versions?limit=200`)]);
  const latest = vs.items.filter((v) => v.status === "approved").map((v) => v.number).pop();
  const out = h("div");
  show(h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", m.slug),
    h("h1", {}, m.title),
    h("p", { class: "muted" }, h("strong", {}, "Marker: "), m.marker, " · ", h("strong", {}, "Resolution: "), m.resolution),
    m.context ? h("p", { class: "muted small" }, m.context) : null,
    latest ? h("p", {}, "Latest approved: ", h("a", { href: `#/models/${slug}/versions/${latest}` }, `version ${latest}`)) : null,
    h("h2", {}, "Versions"),
    table([
      { label: "Version", get: (v) => h("a", { href: `#/models/${slug}/versions/${v.number}` }, `v${v.number}`) },
      { label: "Kind", get: (v) => v.kind.replace("_", "-") },
      { label: "Status", get: (v) => badge(v.status) },
      { label: "Stages", num: true, get: (v) => v.stages.length },
      { label: "Parent", get: (v) => (v.parent ? `v${v.parent}` : "—") },
      { label: "Created", get: (v) => when(v.created_at) },
      { label: "Approved", get: (v) => (v.approved_at ? `${when(v.approved_at)} by ${v.approved_by}` : "—") },
    ], vs.items, "No versions yet."),
    can("pi", "admin") ? [h("h2", {}, "Draft a new version"), versionEditor(slug, vs.items[vs.items.length - 1], out), out] : null);
}

function versionEditor(slug, from, out, number) {
  const content = from ? { parent: from.number, kind: from.kind, notes: "", stages: from.stages, transitions: from.transitions, clusters: from.clusters }
    : { notes: "", stages: [{ key: "marker", name: "Marker", description: "", actor: "patient", role: "marker", optional: false, cluster: "", codes: ["W1"] },
      { key: "resolution", name: "Resolution", description: "", actor: "dyad", role: "resolution", optional: false, cluster: "", codes: ["RS02"] }],
    transitions: [{ from: "marker", to: "resolution", kind: "hypothesized", note: "" }], clusters: [] };
  if (number) delete content.parent;
  const ta = h("textarea", { rows: 18, class: "mono", style: "width:100%", spellcheck: "false", "aria-label": "Version content (JSON)" }, JSON.stringify(content, null, 2));
  return h("form", {
    class: "card", onsubmit: async (e) => {
      e.preventDefault();
      let body;
      try { body = JSON.parse(ta.value); } catch (err) { out.replaceChildren(notice("error", "That is not valid JSON: " + err.message)); return; }
      try {
        const v = number ? await api("PUT", `/models/${slug}/versions/${number}`, body) : await api("POST", `/models/${slug}/versions`, body);
        location.hash = `#/models/${slug}/versions/${v.number}`; route();
      } catch (err) { out.replaceChildren(problemNode(err)); }
    },
  }, h("p", { class: "muted small" }, "Stages (key, name, actor patient|therapist|dyad, role marker|process|resolution, optional, cluster, codes), transitions (from, to, kind hypothesized|alternative|loop) and clusters (key, name). Every problem is named by its field path."),
  ta, h("p"), h("button", { class: "primary" }, number ? "Save draft" : "Create draft"));
}

async function versionView(slug, n, tab) {
  const v = await api("GET", `/models/${slug}/versions/${n}`);
  const base = `#/models/${slug}/versions/${n}`;
  tab = tab || "overview";
  const tabs = h("div", { class: "tabs" }, [["overview", "Overview"], ["diff", "Diff"], ["panel", "Panel rounds"], ["changes", "Change log"]].map(([k, label]) =>
    h("a", { href: `${base}/${k}`, class: tab === k ? "active" : "" }, label)));
  const out = h("div");
  const act = (name, label, cls) => h("button", {
    class: cls, onclick: async () => {
      const note = prompt(`${label}: a note for the record (optional)`, "");
      if (note === null) return;
      try { await api("POST", `/models/${slug}/versions/${v.number}/${name}`, { note }); route(); } catch (err) { out.replaceChildren(problemNode(err)); }
    },
  }, label);
  const actions = [];
  if (can("pi", "admin")) {
    if (v.status === "draft") actions.push(act("submit", "Submit for review", "primary"));
    if (v.status === "in_review") actions.push(act("approve", "Approve", "primary"), act("reject", "Reject", "danger"));
    if (v.status === "approved") actions.push(act("retire", "Retire", "danger"));
  }
  const exportBtn = (fmtName, ext) => h("button", { onclick: () => download(`/models/${slug}/versions/${v.number}/export?format=${fmtName}`, `${slug}-v${v.number}.${ext}`).catch((e) => out.replaceChildren(problemNode(e))) }, fmtName.toUpperCase());
  const header = [h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${slug}` }, slug), " / ", `v${v.number}`),
    h("div", { class: "spread" }, h("div", {}, h("h1", {}, `${slug} · version ${v.number} `, badge(v.status)),
      h("p", { class: "muted small" }, v.kind.replace("_", "-"), v.parent ? ` · parent v${v.parent}` : "", " · ", h("span", { class: "mono" }, v.content_hash.slice(0, 19) + "…"),
        v.approved_by ? ` · approved by ${v.approved_by} ${when(v.approved_at)}` : "")),
    h("div", { class: "row" }, actions, h("span", { class: "muted small" }, "Export:"), exportBtn("json", "json"), exportBtn("dot", "dot"), exportBtn("mermaid", "mmd"), exportBtn("svg", "svg"))),
    v.notes ? h("p", {}, v.notes) : null, out, tabs];

  if (tab === "overview") {
    const clusters = Object.fromEntries(v.clusters.map((c) => [c.key, c.name]));
    show(header, h("h2", {}, "Diagram"), await image(`/models/${slug}/versions/${v.number}/export?format=svg`, `Diagram of ${slug} version ${v.number}`),
      h("h2", {}, "Stages"),
      table([
        { label: "Key", get: (s) => h("span", { class: "mono" }, s.key) },
        { label: "Stage", get: (s) => [h("strong", {}, s.name), s.description ? h("div", { class: "muted small" }, s.description) : null] },
        { label: "Actor", get: (s) => s.actor },
        { label: "Role", get: (s) => badge(s.role, s.role) },
        { label: "Cluster", get: (s) => (s.cluster ? `${clusters[s.cluster] || s.cluster} (any order)` : "—") },
        { label: "Optional", get: (s) => (s.optional ? "yes" : "") },
        { label: "Codes", get: (s) => h("span", { class: "mono" }, s.codes.join(" ")) },
      ], v.stages),
      h("h2", {}, "Transitions"),
      table([
        { label: "From", get: (t) => h("span", { class: "mono" }, t.from) }, { label: "To", get: (t) => h("span", { class: "mono" }, t.to) },
        { label: "Kind", get: (t) => t.kind }, { label: "Note", get: (t) => t.note },
      ], v.transitions),
      v.status === "draft" && can("pi", "admin") ? [h("h2", {}, "Edit this draft"), versionEditor(slug, v, out, v.number)] : null);
  } else if (tab === "diff") {
    const sel = h("select", { "aria-label": "Compare with version" });
    const vs = await api("GET", `/models/${slug}/versions?limit=200`);
    for (const o of vs.items.filter((x) => x.number !== v.number)) sel.append(h("option", { value: o.number }, `v${o.number} (${o.status})`));
    if (v.parent) sel.value = v.parent;
    const res = h("div");
    const load = async () => {
      if (!sel.value) { res.replaceChildren(h("div", { class: "empty" }, "There is no other version to compare with.")); return; }
      try {
        const d = await api("GET", `/models/${slug}/versions/${v.number}/diff?from=${sel.value}`);
        const list = (items, f) => (items.length ? h("ul", {}, items.map((x) => h("li", {}, f(x)))) : h("p", { class: "muted" }, "none"));
        res.replaceChildren(
          h("h3", {}, "Stages added"), list(d.stages.added, (s) => [h("span", { class: "mono" }, s.key), " ", s.name]),
          h("h3", {}, "Stages removed"), list(d.stages.removed, (s) => [h("span", { class: "mono" }, s.key), " ", s.name]),
          h("h3", {}, "Stages changed"), list(d.stages.changed, (c) => [h("span", { class: "mono" }, c.key), ": ",
            Object.entries(c.fields).map(([f, ch]) => `${f} ${JSON.stringify(ch.from)} → ${JSON.stringify(ch.to)}`).join("; ")]),
          h("h3", {}, "Transitions added"), list(d.transitions.added, (t) => `${t.from} → ${t.to} (${t.kind})`),
          h("h3", {}, "Transitions removed"), list(d.transitions.removed, (t) => `${t.from} → ${t.to} (${t.kind})`),
          h("h3", {}, "Clusters"), list([...d.clusters.added.map((c) => `added ${c.key} “${c.name}”`), ...d.clusters.removed.map((c) => `removed ${c.key}`),
            ...d.clusters.changed.map((c) => `renamed ${c.key}`)], (x) => x));
      } catch (err) { res.replaceChildren(problemNode(err)); }
    };
    sel.addEventListener("change", load);
    show(header, h("div", { class: "row" }, h("label", {}, "Changes since", sel)), res);
    load();
  } else if (tab === "panel") {
    show(header, await roundsPanel(slug, v));
  } else {
    show(header, table([
      { label: "Change", get: (e) => h("span", { class: "mono" }, e.op) }, { label: "Target", get: (e) => e.target },
      { label: "Evidence", get: (e) => evidenceNode(e.evidence) },
    ], v.change_log, "No recorded changes: this version was drafted by hand."),
    v.provenance.rounds.length || v.provenance.comparison ? h("p", { class: "muted" }, "Provenance: ",
      [v.provenance.rounds.length ? `panel rounds ${v.provenance.rounds.join(", ")}` : null,
        v.provenance.comparison ? h("a", { href: `#/comparisons/${v.provenance.comparison}` }, `comparison ${v.provenance.comparison}`) : null]
        .filter(Boolean).flatMap((x, i) => (i ? [" · ", x] : [x]))) : null);
  }
}

// evidenceNode shows a change's evidence: the rule in words, then each
// number, nested objects (e.g. both directions of a reversal) indented.
function evidenceNode(ev) {
  if (!ev || typeof ev !== "object") return "";
  const { rule, ...rest } = ev;
  const val = (v) => (v && typeof v === "object" ? evidenceNode(v) : typeof v === "number" ? fmt(v) : String(v));
  return h("div", { class: "small" }, rule ? h("div", {}, rule) : null,
    h("div", { class: "muted" }, Object.entries(rest).map(([k, v], i) => [i ? " · " : "", h("span", { class: "mono" }, k), " ", val(v)])));
}

// ---------- panel rounds ----------
async function roundsPanel(slug, v) {
  let rounds = { items: [] };
  const out = h("div");
  try { rounds = await api("GET", `/models/${slug}/versions/${v.number}/rounds?limit=200`); } catch (err) { return problemNode(err); }
  const nodes = [table([
    { label: "Round", get: (r) => h("a", { href: `#/rounds/${r.id}` }, `Round ${r.number}`) },
    { label: "Status", get: (r) => badge(r.status) },
    { label: "Scale", get: (r) => `${r.scale.min}-${r.scale.max}` },
    { label: "Rule", get: (r) => r.consensus.rule.replace("_", " ") },
    { label: "Responded", num: true, get: (r) => `${r.responded} / ${r.invited}` },
    { label: "Closes", get: (r) => when(r.closes_at) },
  ], rounds.items, "No panel rounds on this version.")];
  if (can("pi", "admin") && v.status === "in_review") {
    const users = await api("GET", "/users?limit=200").catch(() => ({ items: [] }));
    const boxes = users.items.filter((u) => u.role === "panelist").map((u) => h("label", { class: "row", style: "flex-direction:row" }, h("input", { type: "checkbox", value: u.id, checked: true }), u.name));
    const rule = h("select", {}, ["percent_agree", "median_iqr", "grade", "cvi", "rand_ucla"].map((r) => h("option", { value: r }, r)));
    const min = h("input", { type: "number", value: 1, style: "width:70px" }), max = h("input", { type: "number", value: 9, style: "width:70px" });
    const carry = h("select", {}, h("option", { value: "" }, "—"), rounds.items.filter((r) => r.status === "closed").map((r) => h("option", { value: r.id }, `Round ${r.number}`)));
    const skip = h("input", { type: "checkbox" });
    nodes.push(h("h2", {}, "New round"), h("form", {
      class: "card", onsubmit: async (e) => {
        e.preventDefault();
        const body = { panelists: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => Number(i.value)),
          scale: { min: Number(min.value), max: Number(max.value) }, consensus: { rule: rule.value } };
        if (carry.value) { body.carry_from = Number(carry.value); body.skip_consensus = skip.checked; }
        try { const r = await api("POST", `/models/${slug}/versions/${v.number}/rounds`, body); location.hash = `#/rounds/${r.id}`; } catch (err) { out.replaceChildren(problemNode(err)); }
      },
    }, h("h3", {}, "Panelists"), boxes.length ? h("div", { class: "grid" }, boxes) : h("p", { class: "muted" }, "No panelists yet: create users with role panelist."),
    h("div", { class: "row" }, h("label", {}, "Scale min", min), h("label", {}, "Scale max", max), h("label", {}, "Consensus rule", rule),
      h("label", {}, "Carry over from", carry), h("label", { style: "flex-direction:row;align-items:center" }, skip, " leave out items that reached consensus")),
    h("p"), h("button", { class: "primary" }, "Create round")), out);
  }
  return nodes;
}

async function myRoundsView() {
  const rs = await api("GET", "/rounds?limit=200");
  const lead = state.me.role === "panelist" ? "The rounds you are invited to. Open rounds take your review until they close."
    : "Panel rounds on your models.";
  show(h("h1", {}, "Panel rounds"), h("p", { class: "muted" }, lead),
    table([
      { label: "Round", get: (r) => h("a", { href: `#/rounds/${r.id}` }, `${r.model} · round ${r.number}`) },
      { label: "Version", get: (r) => h("a", { href: `#/models/${r.model}/versions/${r.version}` }, `v${r.version}`) },
      { label: "Status", get: (r) => badge(r.status) },
      { label: "Your review", get: (r) => (r.review_submitted === undefined ? "" : r.review_submitted ? badge("submitted", "yes") : badge("not yet", "no")) },
      { label: "Responded", num: true, get: (r) => `${r.responded} / ${r.invited}` },
      { label: "Deadline", get: (r) => when(r.closes_at) },
    ], rs.items, "No panel rounds."));
}

async function roundView(id) {
  const r = await api("GET", `/rounds/${id}`);
  const out = h("div");
  const act = (name, label) => h("button", { class: "primary", onclick: async () => { try { await api("POST", `/rounds/${id}/${name}`, {}); route(); } catch (err) { out.replaceChildren(problemNode(err)); } } }, label);
  const nodes = [h("div", { class: "crumbs" }, h("a", { href: `#/models/${r.model}` }, r.model), " / ", h("a", { href: `#/models/${r.model}/versions/${r.version}/panel` }, `v${r.version}`), " / ", `round ${r.number}`),
    h("div", { class: "spread" }, h("h1", {}, `Panel round ${r.number} `, badge(r.status)),
      h("div", { class: "row" }, can("pi", "admin") && r.status === "draft" ? act("open", "Open round") : null, can("pi", "admin") && r.status === "open" ? act("close", "Close round") : null)),
    h("div", { class: "stats" }, stat("Invited", r.invited), stat("Responded", r.responded), stat("Scale", `${r.scale.min}-${r.scale.max}`), stat("Rule", r.consensus.rule.replace("_", " ")),
      stat("Deadline", r.closes_at ? when(r.closes_at) : "none")), out];
  if (r.panelists && r.panelists.length) {
    nodes.push(h("h2", {}, "Who has responded"), h("p", { class: "muted small" }, "For reminders only: answers are never shown under a name."),
      table([{ label: "Panelist", get: (p) => p.name }, { label: "Email", get: (p) => p.email }, { label: "Responded", get: (p) => (p.responded ? badge("yes", "yes") : badge("not yet", "no")) },
        { label: "", get: (p) => h("button", { onclick: async () => {
          if (!confirm(`Give ${p.name} a new token? Their old one stops working.`)) return;
          try {
            const u = await api("POST", `/users/${p.id}/token`);
            out.replaceChildren(notice("ok", `New token for ${u.name} (shown once): `, h("span", { class: "mono" }, u.token)));
          } catch (err) { out.replaceChildren(problemNode(err)); }
        } }, "New token") }], r.panelists));
  }
  if (state.me.role === "panelist" && r.status === "open") nodes.push(h("h2", {}, "Your review"), await reviewForm(r, out));
  // Results exist after close only, for the team and the invited panelists alike.
  if (r.status === "closed") {
    try { nodes.push(h("h2", {}, "Results"), resultsNode(await api("GET", `/rounds/${id}/results`), id)); } catch (err) { nodes.push(problemNode(err)); }
  }
  if (can("pi", "admin") && r.status === "closed") nodes.push(h("h2", {}, "Proposals"), await proposalsNode(id, r));
  show(nodes);
}

function resultsNode(res, id) {
  const label = (t) => (t.type === "stage" ? t.key : `${t.from} → ${t.to}`);
  const dist = (d) => (d ? h("span", { class: "mono small" }, d.filter((c) => c.n > 0).map((c) => `${c.value}:${c.n}`).join(" "))
    : h("span", { class: "muted small" }, `withheld: fewer than ${res.min_group} ratings`));
  return [h("div", { class: "stats" }, stat("Response rate", pct(res.response_rate)), stat("Kendall's W", fmt(res.kendall_w)), stat("S-CVI/Ave", fmt(res.s_cvi_ave)), stat("S-CVI/UA", fmt(res.s_cvi_ua))),
    h("p", { class: "muted small" }, "Quartiles: ", res.quantile_method, ". ", h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/rounds/${id}/results?format=csv`, `round-${id}-results.csv`); } }, "Download CSV")),
    table([
      { label: "Item", get: (i) => h("span", { class: "mono" }, label(i.target)) },
      { label: "Measure", get: (i) => i.measure },
      { label: "n", num: true, get: (i) => i.n },
      { label: "Median", num: true, get: (i) => fmt(i.median, 1) },
      { label: "IQR", num: true, get: (i) => (i.iqr === null ? "—" : `${fmt(i.iqr, 2)} (${fmt(i.q1, 2)}-${fmt(i.q3, 2)})`) },
      { label: "Agree", num: true, get: (i) => pct(i.percent_agree) },
      { label: "Consensus", get: (i) => badge(i.consensus) },
      { label: "Distribution", get: (i) => dist(i.distribution) },
      { label: "Yours", num: true, get: (i) => (i.own === undefined ? "" : i.own) },
      { label: "Change", get: (i) => (i.stability === undefined ? "" : `Δ ${fmt(i.stability, 2)}`) },
    ], res.items, "No ratings yet."),
    res.reached_consensus ? h("p", { class: "small" }, h("strong", {}, "Reached consensus: "), res.reached_consensus.map(label).join(", ") || "none",
      h("br"), h("strong", {}, "Carried over: "), res.carried_over.map(label).join(", ") || "none",
      h("br"), h("strong", {}, "Dropped: "), res.dropped.map((d) => `${label(d.target)} (${d.reason.replace("_", " ")})`).join(", ") || "none") : null];
}

async function reviewForm(r, out) {
  const v = await api("GET", `/models/${r.model}/versions/${r.version}`);
  let mine = null;
  try { mine = await api("GET", `/rounds/${r.id}/review`); } catch (_) { /* none yet: a 404 */ }
  const opts = (cur) => [h("option", { value: "" }, "—"), ...Array.from({ length: r.scale.max - r.scale.min + 1 }, (_, i) => r.scale.min + i).map((x) => h("option", { value: x, selected: cur === x }, x))];
  const inItems = (t) => !r.items || !r.items.length || r.items.some((i) => (i.type === "stage" ? t.key === i.key : i.from === t.from && i.to === t.to));
  const sRows = v.stages.filter((s) => inItems({ key: s.key })).map((s) => {
    const old = mine && mine.stages.find((x) => x.key === s.key);
    return { s, rel: h("select", { "aria-label": `Relevance of ${s.name}` }, opts(old ? old.relevance : null)), cla: h("select", { "aria-label": `Clarity of ${s.name}` }, opts(old ? old.clarity : null)), com: h("input", { value: old ? old.comment : "", placeholder: "comment" }) };
  });
  const tRows = v.transitions.filter((t) => inItems({ from: t.from, to: t.to })).map((t) => {
    const old = mine && mine.transitions.find((x) => x.from === t.from && x.to === t.to);
    return { t, agr: h("select", { "aria-label": `Agreement with ${t.from} to ${t.to}` }, opts(old ? old.agreement : null)), com: h("input", { value: old ? old.comment : "", placeholder: "comment" }) };
  });
  const num = (el) => (el.value === "" ? null : Number(el.value));
  return h("form", {
    class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const body = { stages: sRows.map((x) => ({ key: x.s.key, relevance: num(x.rel), clarity: num(x.cla), comment: x.com.value })),
        transitions: tRows.map((x) => ({ from: x.t.from, to: x.t.to, agreement: num(x.agr), comment: x.com.value })),
        proposals: mine ? mine.proposals.map((p) => ({ kind: p.kind, target: p.target, payload: p.payload, rationale: p.rationale })) : [] };
      try { await api("PUT", `/rounds/${r.id}/review`, body); out.replaceChildren(notice("ok", "Saved. You can change your review until the round closes.")); e.submitter && (e.submitter.textContent = "Replace my review"); }
      catch (err) { out.replaceChildren(problemNode(err)); }
      out.scrollIntoView({ behavior: "smooth", block: "center" });
    },
  }, h("p", { class: "muted small" }, `Rate on ${r.scale.min}-${r.scale.max}; leave a rating empty to skip it. Other panelists never see your name.`),
  table([{ label: "Stage", get: (x) => x.s.name }, { label: "Relevance", get: (x) => x.rel }, { label: "Clarity", get: (x) => x.cla }, { label: "Comment", get: (x) => x.com }], sRows),
  h("p"), table([{ label: "Transition", get: (x) => `${x.t.from} → ${x.t.to}` }, { label: "Agreement", get: (x) => x.agr }, { label: "Comment", get: (x) => x.com }], tRows),
  h("p"), h("button", { class: "primary" }, mine ? "Replace my review" : "Submit my review"));
}

async function proposalsNode(id, r) {
  const ps = await api("GET", `/rounds/${id}/proposals`).catch(() => ({ items: [] }));
  const items = ps.items || [];
  const out = h("div");
  const decide = (p, decision) => h("button", { onclick: async () => {
    const note = prompt(`${decision}: note`, "") ?? null;
    if (note === null) return;
    try { await api("POST", `/rounds/${id}/proposals/${p.id}/decision`, { decision, note }); route(); } catch (err) { out.replaceChildren(problemNode(err)); }
  } }, decision);
  return [out, table([
    { label: "By", get: (p) => p.author || "" }, { label: "Kind", get: (p) => p.kind.replace("_", " ") }, { label: "Target", get: (p) => h("span", { class: "mono" }, p.target) },
    { label: "Payload", get: (p) => h("span", { class: "mono small" }, JSON.stringify(p.payload)) }, { label: "Rationale", get: (p) => p.rationale },
    { label: "Decision", get: (p) => [badge(p.decision, p.decision === "accepted" ? "in" : p.decision === "rejected" ? "out" : ""), " ", p.decision_note] },
    { label: "", get: (p) => h("div", { class: "row" }, decide(p, "accepted"), decide(p, "rejected"), decide(p, "deferred")) },
  ], items, "No proposals in this round."),
  h("p", { class: "muted small" }, "Accepted mechanical proposals become the next draft through ", h("span", { class: "mono" }, `POST /models/${r.model}/versions/${r.version}/revise`), ". ",
    h("button", { onclick: async () => { try { const nv = await api("POST", `/models/${r.model}/versions/${r.version}/revise`, {}); location.hash = `#/models/${r.model}/versions/${nv.number}/changes`; } catch (err) { out.replaceChildren(problemNode(err)); } } }, "Revise now"))];
}

// ---------- datasets ----------
async function datasetsView() {
  const ds = await api("GET", "/datasets?limit=200");
  const out = h("div");
  const name = h("input", { placeholder: "Trial X, CBT arm" });
  show(h("h1", {}, "Datasets"), h("p", { class: "muted" }, "Coded cases: sessions with WAI-12 and rupture reports, and 3RS-coded events from one or more coders."),
    table([
      { label: "Dataset", get: (d) => h("a", { href: `#/datasets/${d.id}` }, d.name) }, { label: "Codebook", get: (d) => d.codebook_name },
      { label: "Cases", num: true, get: (d) => d.cases }, { label: "Sessions", num: true, get: (d) => d.sessions }, { label: "Events", num: true, get: (d) => d.events },
      { label: "Coders", get: (d) => d.coders.map((c) => c.coder).join(", ") },
    ], ds.items, "No datasets yet."),
    can("pi", "coder", "admin") ? [h("h2", {}, "New dataset"), h("form", { class: "card row", onsubmit: async (e) => {
      e.preventDefault();
      try { const d = await api("POST", "/datasets", { name: name.value, codebook: "3rs-2015" }); location.hash = `#/datasets/${d.id}`; } catch (err) { out.replaceChildren(problemNode(err)); }
    } }, h("label", {}, "Name", name), h("span", { class: "muted small" }, "Codebook: 3RS (2015)"), h("button", { class: "primary" }, "Create")), out] : null);
}

async function datasetView(id) {
  const [d, sessions, sel] = await Promise.all([api("GET", `/datasets/${id}`), api("GET", `/datasets/${id}/sessions?limit=200`), api("GET", `/datasets/${id}/selection`).catch(() => null)]);
  const out = h("div");
  const upload = (kind) => {
    const file = h("input", { type: "file", accept: ".csv,text/csv", "aria-label": `${kind} CSV` });
    return h("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files[0]) return;
      try { const res = await api("POST", `/datasets/${id}/${kind}`, await file.files[0].text(), { csv: true }); out.replaceChildren(notice("ok", `Imported ${res.imported} rows (${res.replaced} replaced).`)); setTimeout(route, 1200); }
      catch (err) { out.replaceChildren(problemNode(err)); }
    } }, h("h3", {}, `Import ${kind}`), h("p", { class: "muted small mono" }, kind === "sessions" ? "case,session,rater,wai1,…,wai12,rupture,intensity,resolution" : "case,session,coder,segment,onset,code,salience"),
    file, " ", h("button", { class: "primary" }, "Upload"));
  };
  const rep = (s, rater) => s.reports.find((r) => r.rater === rater);
  const coders = d.coders.map((c) => c.coder);
  const a = h("select", {}, coders.map((c) => h("option", { value: c }, c))), b = h("select", {}, coders.map((c, i) => h("option", { value: c, selected: i === 1 }, c)));
  const rel = h("div");
  show(h("div", { class: "crumbs" }, h("a", { href: "#/datasets" }, "Datasets"), " / ", d.name), h("h1", {}, d.name),
    h("div", { class: "stats" }, stat("Cases", d.cases), stat("Sessions", d.sessions), stat("Reports", d.reports), stat("Events", d.events), stat("Coders", coders.length)),
    h("p", { class: "muted small" }, "Codebook ", d.codebook_name, " (", d.codebook.length, " codes); reverse-keyed WAI items: ", d.reverse_keyed.join(", ") || "none", ". ",
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/datasets/${id}/events?format=csv`, `dataset-${id}-events.csv`); } }, "Export events CSV"), " · ",
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/datasets/${id}/sessions?format=csv`, `dataset-${id}-sessions.csv`); } }, "Export sessions CSV")),
    out,
    h("h2", {}, "Selected sessions"), sel ? [h("p", { class: "muted small" }, "Rule ", h("span", { class: "mono" }, sel.rule), " ", h("span", { class: "mono" }, JSON.stringify(sel.params))),
      table([{ label: "Case", get: (x) => x.case }, { label: "Session", num: true, get: (x) => x.session }, { label: "Score", num: true, get: (x) => fmt(x.score) }, { label: "Why", get: (x) => x.reason }], sel.selected)]
      : h("div", { class: "empty" }, "No selection stored."),
    can("pi", "coder", "admin") ? h("div", { class: "row" }, ...["rise_after_rupture", "v_shape"].map((rule) => h("button", { onclick: async () => {
      try { await api("POST", `/datasets/${id}/selection`, { rule, params: {} }); route(); } catch (err) { out.replaceChildren(problemNode(err)); }
    } }, `Select by ${rule.replaceAll("_", " ")}`))) : null,
    h("h2", {}, "Inter-rater reliability"), coders.length >= 2 ? [h("form", { class: "row", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api("GET", `/datasets/${id}/reliability?coders=${encodeURIComponent(a.value)},${encodeURIComponent(b.value)}`);
        const row = (label, x) => ({ label, ...x });
        rel.replaceChildren(h("p", { class: "muted small" }, `${r.units} units (session, segment) in ${r.sessions} sessions coded by both.`),
          table([{ label: "Scope", get: (x) => x.label }, { label: "% agreement", num: true, get: (x) => pct(x.percent_agreement) }, { label: "Cohen's κ", num: true, get: (x) => fmt(x.cohen_kappa) },
            { label: "Krippendorff's α", num: true, get: (x) => fmt(x.krippendorff_alpha) }, { label: "ICC(2,1)", num: true, get: (x) => fmt(x.icc) }, { label: "Note", get: (x) => x.note || "" }],
          [row("overall", r.overall), ...r.families.map((f) => row(f.family, f)), ...r.codes.map((c) => row(c.code, c))]));
      } catch (err) { rel.replaceChildren(problemNode(err)); }
    } }, h("label", {}, "Coder A", a), h("label", {}, "Coder B", b), h("button", { class: "primary" }, "Compute")), rel] : h("p", { class: "muted" }, "Needs two coders."),
    h("h2", {}, "Sessions"), table([
      { label: "Case", get: (s) => s.case }, { label: "Session", num: true, get: (s) => s.session },
      { label: "Patient WAI", num: true, get: (s) => { const r = rep(s, "patient"); return r ? fmt(r.wai_mean, 2) : "—"; } },
      { label: "Therapist WAI", num: true, get: (s) => { const r = rep(s, "therapist"); return r ? fmt(r.wai_mean, 2) : "—"; } },
      { label: "Rupture", get: (s) => s.reports.filter((r) => r.rupture).map((r) => r.rater).join(", ") },
    ], sessions.items, "No sessions imported."),
    can("pi", "coder", "admin") ? [h("h2", {}, "Import"), h("div", { class: "grid" }, upload("sessions"), upload("events"))] : null);
}

// ---------- comparisons ----------
async function comparisonsView() {
  const cs = await api("GET", "/comparisons?limit=200");
  const out = h("div");
  const f = { model: h("input", { placeholder: "slug" }), version: h("input", { type: "number", value: 1, style: "width:80px" }), dataset: h("input", { type: "number", value: 1, style: "width:80px" }),
    sessions: h("select", {}, h("option", { value: "selected" }, "selected"), h("option", { value: "all" }, "all")), coder: h("input", { value: "consensus" }),
    threshold: h("input", { type: "number", step: "0.05", value: 0.5, style: "width:80px" }) };
  show(h("h1", {}, "Comparisons"), h("p", { class: "muted" }, "How well a version explains the coded sessions: stage and transition support, alignment fitness, precision, order and lag-sequential statistics."),
    table([
      { label: "#", get: (c) => h("a", { href: `#/comparisons/${c.id}` }, `#${c.id}`) },
      { label: "Model", get: (c) => `${c.inputs.model} v${c.inputs.version}` }, { label: "Dataset", num: true, get: (c) => c.inputs.dataset },
      { label: "Sessions", num: true, get: (c) => c.summary.sessions }, { label: "Fitness", num: true, get: (c) => fmt(c.summary.fitness) },
      { label: "Precision", num: true, get: (c) => fmt(c.summary.precision) }, { label: "Created", get: (c) => when(c.created_at) },
    ], cs.items, "No comparisons yet."),
    h("h2", {}, "New comparison"), h("form", { class: "card row", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const c = await api("POST", "/comparisons", { model: f.model.value, version: Number(f.version.value), dataset: Number(f.dataset.value), sessions: f.sessions.value, coder: f.coder.value,
          params: { support_threshold: Number(f.threshold.value) } });
        location.hash = `#/comparisons/${c.id}`;
      } catch (err) { out.replaceChildren(problemNode(err)); }
    } }, h("label", {}, "Model", f.model), h("label", {}, "Version", f.version), h("label", {}, "Dataset", f.dataset), h("label", {}, "Sessions", f.sessions),
    h("label", {}, "Coder", f.coder), h("label", {}, "Support threshold", f.threshold), h("button", { class: "primary" }, "Compare")), out);
}

async function comparisonView(id) {
  const c = await api("GET", `/comparisons/${id}`);
  const r = c.report, s = r.summary, th = r.params.support_threshold, unit = r.params.unit;
  const sup = (x) => (unit === "case" ? x.case_support : x.session_support);
  show(h("div", { class: "crumbs" }, h("a", { href: "#/comparisons" }, "Comparisons"), ` / #${c.id}`),
    h("div", { class: "spread" }, h("div", {}, h("h1", {}, `${c.inputs.model} v${c.inputs.version} against dataset ${c.inputs.dataset}`),
      h("p", { class: "muted small" }, `${c.inputs.sessions} sessions, coder ${c.inputs.coder}; threshold ${th} per ${unit}; lag ${r.params.lag}; repeats ${r.params.allow_repeats ? "kept" : "collapsed"}; unmapped codes ${r.params.unmapped === "ignore" ? "ignored" : "count as deviations"}; ${c.inputs.engine_version}`)),
    h("div", { class: "row" }, can("pi", "admin") ? h("button", { class: "primary", title: "Draft a rational-empirical version from this comparison; every change cites its evidence", onclick: async () => {
      try { const v = await api("POST", `/comparisons/${id}/synthesis`, { params: {} }); location.hash = `#/models/${v.model}/versions/${v.number}/changes`; }
      catch (err) { main().prepend(problemNode(err)); }
    } }, "Draft synthesis") : null,
      h("button", { onclick: () => download(`/comparisons/${id}?format=csv`, `comparison-${id}-sessions.csv`) }, "Sessions CSV"),
      h("button", { onclick: () => download(`/comparisons/${id}`, `comparison-${id}.json`) }, "JSON"))),
    h("div", { class: "stats" }, stat("Sessions", s.sessions), stat("Cases", s.cases), stat("Log fitness", fmt(s.fitness)), stat("Precision", fmt(s.precision)),
      stat("Order conforming", `${s.order_conforming} / ${s.sessions}`), stat("Resolved", `${s.resolved} / ${s.sessions}`), stat("Allowed transitions", pct(s.allowed_transition_share)),
      stat("Stages supported", `${s.stages_supported} / ${r.stages.length}`), stat("Left out", s.left_out)),
    h("h2", {}, "Model with observed support"), h("p", { class: "muted small" }, "Edge width grows with support; observed transitions the model does not declare are dashed."),
    await image(`/comparisons/${id}?format=svg`, "Model with observed transition support"),
    h("h2", {}, "Stage support"),
    table([{ label: "Stage", get: (x) => h("span", { class: "mono" }, x.key) }, { label: "Sessions", num: true, get: (x) => x.sessions }, { label: "Cases", num: true, get: (x) => x.cases },
      { label: `Support (${unit})`, get: (x) => h("div", { class: "row" }, bar(sup(x), th), pct(sup(x))) }, { label: "Supported", get: (x) => (x.supported ? badge("yes", "yes") : badge("no", "no")) }], r.stages),
    h("h2", {}, "Transitions"),
    table([{ label: "From → to", get: (x) => h("span", { class: "mono" }, `${x.from} → ${x.to}`) }, { label: "In model", get: (x) => (x.in_model ? "yes" : badge("not modelled", "no")) },
      { label: "Count", num: true, get: (x) => x.count }, { label: "Support", get: (x) => h("div", { class: "row" }, bar(x.support, th), pct(x.support)) },
      { label: "p(to | from)", num: true, get: (x) => fmt(x.probability) }, { label: "z", num: true, get: (x) => fmt(x.adjusted_residual, 2) }, { label: "Yule's Q", num: true, get: (x) => fmt(x.yules_q, 2) }], r.transitions),
    r.unmapped_codes.length ? [h("h2", {}, "Codes that indicate no stage"), h("p", {}, r.unmapped_codes.map((u) => `${u.code} × ${u.count}`).join(", "))] : null,
    h("h2", {}, "Sessions"), h("p", { class: "muted small" }, r.sequences.length > 300 ? `The first 300 of ${r.sequences.length}; download the CSV for all.` : ""),
    table([{ label: "Case", get: (x) => x.case }, { label: "Session", num: true, get: (x) => x.session }, { label: "Stages", get: (x) => h("span", { class: "seq" }, x.stages.join(" › ")) },
      { label: "Fitness", num: true, get: (x) => fmt(x.fitness) }, { label: "Order", get: (x) => (x.conforms ? "conforms" : "deviates") }, { label: "Resolved", get: (x) => (x.resolved ? "yes" : "no") },
      { label: "Deviations", get: (x) => x.deviations.map((d) => h("div", { class: "dev " + d.type }, `${d.type === "log_move" ? "extra" : "missing"} ${d.code ? "code " + d.code : d.stage} @${d.position}`)) }], r.sequences.slice(0, 300)));
}

// ---------- routing ----------
const routes = [
  [/^#\/?$/, () => { location.hash = "#/models"; }],
  [/^#\/models$/, modelsView],
  [/^#\/models\/([^/]+)$/, modelView],
  [/^#\/models\/([^/]+)\/versions\/(\d+|latest)(?:\/(overview|diff|panel|changes))?$/, versionView],
  [/^#\/rounds$/, myRoundsView],
  [/^#\/rounds\/(\d+)$/, roundView],
  [/^#\/datasets$/, datasetsView],
  [/^#\/datasets\/(\d+)$/, datasetView],
  [/^#\/comparisons$/, comparisonsView],
  [/^#\/comparisons\/(\d+)$/, comparisonView],
];
async function route() {
  if (!state.token) { signInView(); return; }
  if (!state.me) {
    try { state.me = await api("GET", "/me", undefined, { quiet: true }); renderWho(); }
    catch (err) { localStorage.removeItem("stagewise.token"); state.token = ""; signInView("That token was not accepted."); return; }
  }
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
  for (const [re, view] of routes) {
    const m = hash.match(re);
    if (m) {
      try { await view(...m.slice(1).map((x) => (x === undefined ? undefined : decodeURIComponent(x)))); }
      catch (err) { show(problemNode(err)); }
      return;
    }
  }
  show(h("div", { class: "empty" }, "No such page. ", h("a", { href: "#/models" }, "Go to models")));
}
window.addEventListener("hashchange", route);
route();
