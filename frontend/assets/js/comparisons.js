// Comparisons: started from pickers, shown as charts (stage and transition
// support, the overlay with its legend and a support cut-off), the
// validation table, the sequence index plot, and synthesis.
import { api, badge, busy, can, diagram, download, field, fmt, h, pct, problemNode, report, show, stat, table, when } from "./core.js";
import { barChart, legend, modelPreview } from "./charts.js";

let doc = null;
async function openapi() {
  if (!doc) doc = await (await fetch("/api/v1/openapi.json")).json().catch(() => ({}));
  return doc;
}
// supports asks the served contract whether a request field exists, so the
// UI offers compare_to and the index plot exactly when the server has them.
async function requestFields(path, method) {
  try {
    const d = await openapi();
    const sc = d.paths[path][method].requestBody.content["application/json"].schema;
    const r = sc.$ref ? d.components.schemas[sc.$ref.split("/").pop()] : sc;
    return r.properties || {};
  } catch (_) { return {}; }
}

export async function comparisonsView() {
  const [cs, models, datasets] = await Promise.all([api("GET", "/comparisons?limit=200"), api("GET", "/models?limit=200"), api("GET", "/datasets?limit=200")]);
  const fields = await requestFields("/api/v1/comparisons", "post");
  const out = h("div", { "aria-live": "polite" });
  const opt = (value, label, selected) => h("option", { value, selected }, label);
  const f = {
    model: h("select", {}, models.items.map((m) => opt(m.slug, `${m.title} (${m.slug})`))),
    version: h("select", {}),
    compare: h("select", {}),
    dataset: h("select", {}, datasets.items.map((d) => opt(d.id, `${d.name} (${d.sessions} sessions)`))),
    coder: h("select", {}),
    sessions: h("select", {}, opt("selected", "the dataset's selected sessions"), opt("all", "all sessions")),
    threshold: h("input", { type: "number", step: "0.05", min: 0, max: 1, value: 0.5, class: "narrow" }),
    unit: h("select", {}, opt("session", "sessions"), opt("case", "cases")),
    lag: h("input", { type: "number", min: 1, value: 1, class: "narrow" }),
    repeats: h("select", {}, opt("false", "collapse repeats"), opt("true", "keep repeats")),
  };
  const loadVersions = async () => {
    f.version.replaceChildren(); f.compare.replaceChildren(opt("", "no baseline"));
    if (!f.model.value) return;
    const vs = await api("GET", `/models/${f.model.value}/versions?limit=200`).catch(() => ({ items: [] }));
    for (const v of vs.items.slice().reverse()) {
      f.version.append(opt(v.number, `v${v.number} (${v.status.replace("_", " ")}, ${v.kind.replace("_", "-")})`));
      f.compare.append(opt(v.number, `v${v.number}`));
    }
  };
  const loadCoders = async () => {
    f.coder.replaceChildren(opt("consensus", "consensus"));
    if (!f.dataset.value) return;
    const d = await api("GET", `/datasets/${f.dataset.value}`).catch(() => ({ coders: [] }));
    for (const c of d.coders) if (c.coder !== "consensus") f.coder.append(opt(c.coder, `${c.coder} (${c.events ?? "?"} events)`));
    if (!d.coders.some((c) => c.coder === "consensus") && d.coders.length) f.coder.value = d.coders[0].coder;
  };
  f.model.addEventListener("change", loadVersions); f.dataset.addEventListener("change", loadCoders);
  await Promise.all([loadVersions(), loadCoders()]);
  const progress = h("progress", { hidden: true, "aria-label": "Running the comparison" });
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    const body = { model: f.model.value, version: Number(f.version.value), dataset: Number(f.dataset.value), sessions: f.sessions.value, coder: f.coder.value,
      params: { support_threshold: Number(f.threshold.value), unit: f.unit.value, lag: Number(f.lag.value), allow_repeats: f.repeats.value === "true" } };
    if (fields.compare_to && f.compare.value) body.compare_to = Number(f.compare.value);
    progress.hidden = false;
    await busy(form, "Running…", async () => {
      try { const c = await api("POST", "/comparisons", body); location.hash = `#/comparisons/${c.id}`; } catch (err) { report(out, problemNode(err)); } finally { progress.hidden = true; }
    });
  } },
  h("div", { class: "row" }, field("Model", f.model), field("Version", f.version), fields.compare_to ? field("Compare to version", f.compare) : null),
  h("div", { class: "row" }, field("Dataset", f.dataset), field("Coder", f.coder, "Whose events are used."), field("Sessions", f.sessions)),
  h("details", {}, h("summary", {}, "Parameters"), h("div", { class: "row" }, field("Support threshold (0-1)", f.threshold), field("Support counted per", f.unit), field("Lag", f.lag), field("Repeated stages", f.repeats))),
  h("p"), h("div", { class: "row" }, h("button", { class: "primary", type: "submit", disabled: !models.items.length || !datasets.items.length }, "Run comparison"), progress), out);
  show(h("h1", {}, "Comparisons"), h("p", { class: "muted" }, "How well a version explains the coded sessions: stage and transition support, alignment fitness, precision, order and lag-sequential statistics."),
    h("h2", {}, "New comparison"), form,
    h("h2", {}, "Earlier comparisons"),
    table([
      { label: "#", get: (c) => h("a", { href: `#/comparisons/${c.id}` }, `#${c.id}`) },
      { label: "Model", get: (c) => `${c.inputs.model} v${c.inputs.version}` }, { label: "Dataset", get: (c) => (datasets.items.find((d) => d.id === c.inputs.dataset) || {}).name || c.inputs.dataset },
      { label: "Sessions", num: true, get: (c) => c.summary.sessions }, { label: "Fitness", num: true, get: (c) => fmt(c.summary.fitness) },
      { label: "Precision", num: true, get: (c) => fmt(c.summary.precision) }, { label: "Created", get: (c) => when(c.created_at) },
    ], cs.items, "No comparisons yet."));
}

export async function comparisonView(id) {
  const c = await api("GET", `/comparisons/${id}`);
  const r = c.report, s = r.summary, th = r.params.support_threshold, unit = r.params.unit;
  const v = await api("GET", `/models/${c.inputs.model}/versions/${c.inputs.version}`).catch(() => ({ stages: r.stages.map((x) => ({ key: x.key, name: x.key, role: "process" })), transitions: [], clusters: [] }));
  const name = Object.fromEntries(v.stages.map((x) => [x.key, x.name]));
  const nm = (k) => name[k] || k;
  const sup = (x) => (unit === "case" ? x.case_support : x.session_support);
  const out = h("div", { "aria-live": "polite" });
  const d = await openapi();
  const hasIndex = JSON.stringify(((d.paths || {})["/api/v1/comparisons/{id}"] || {}).get || {}).includes("index.svg");

  // overlay with a support cut-off the user moves
  const cut = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: Math.min(0.1, th), id: "cutoff" });
  const cutOut = h("output", { for: "cutoff" }, pct(Number(cut.value)));
  const overlayBox = h("div", { class: "diagram-view", tabindex: "0", role: "group", "aria-label": "Model with observed transition support (scroll to pan)" });
  const drawOverlay = () => { cutOut.textContent = pct(Number(cut.value)); overlayBox.replaceChildren(modelPreview(v, { observed: r.transitions, cutoff: Number(cut.value) })); };
  cut.addEventListener("input", drawOverlay);
  drawOverlay();

  const synth = can("pi", "admin") ? await synthesisForm(id, th) : null;
  show(h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "#/comparisons" }, "Comparisons"), ` / #${c.id}`),
    h("div", { class: "spread" }, h("div", {}, h("h1", {}, `${c.inputs.model} v${c.inputs.version} against dataset ${c.inputs.dataset}`),
      h("p", { class: "muted small" }, `${c.inputs.sessions} sessions, coder ${c.inputs.coder}; threshold ${th} per ${unit}; lag ${r.params.lag}; repeats ${r.params.allow_repeats ? "kept" : "collapsed"}; unmapped codes ${r.params.unmapped === "ignore" ? "ignored" : "count as deviations"}; ${c.inputs.engine_version}`)),
    h("div", { class: "row" },
      h("button", { type: "button", onclick: () => download(`/comparisons/${id}?format=csv`, `comparison-${id}-sessions.csv`).catch((e) => report(out, problemNode(e))) }, "Sessions CSV"),
      h("button", { type: "button", onclick: () => download(`/comparisons/${id}`, `comparison-${id}.json`).catch((e) => report(out, problemNode(e))) }, "JSON"),
      h("button", { type: "button", onclick: () => download(`/comparisons/${id}?format=svg`, `comparison-${id}-overlay.svg`).catch((e) => report(out, problemNode(e))) }, "Overlay SVG"))),
    out,
    h("div", { class: "stats" }, stat("Sessions", s.sessions), stat("Cases", s.cases), stat("Log fitness", fmt(s.fitness)), stat("Precision", fmt(s.precision)),
      stat("Order conforming", `${s.order_conforming} / ${s.sessions}`), stat("Resolved", `${s.resolved} / ${s.sessions}`), stat("Allowed transitions", pct(s.allowed_transition_share)),
      stat("Stages supported", `${s.stages_supported} / ${r.stages.length}`), s.left_out !== undefined ? stat("Left out", s.left_out) : null),
    r.baseline ? baselineNode(r, nm) : null,
    h("h2", {}, "Model with observed support"),
    h("div", { class: "row" }, h("label", { for: "cutoff" }, "Hide observed transitions below support"), cut, cutOut),
    legend([["sw-supported", `model transition, supported (≥ ${pct(th)})`], ["sw-unsupported", "model transition, not supported"], ["sw-unmodelled", "observed, not in the model"], ["sw-width", "line width grows with support"]]),
    overlayBox,
    h("h2", {}, "Stage support"),
    barChart(r.stages.map((x) => ({ label: nm(x.key), value: sup(x), cls: x.supported ? "barh in" : "barh out" })), { label: `Stage support per ${unit}`, threshold: th, labelWidth: 220, width: 640 }),
    table([{ label: "Stage", get: (x) => nm(x.key) }, { label: "Sessions", num: true, get: (x) => x.sessions }, { label: "Cases", num: true, get: (x) => x.cases },
      { label: `Support (${unit})`, num: true, get: (x) => pct(sup(x)) }, { label: "Supported", get: (x) => (x.supported ? badge("yes", "yes") : badge("no", "no")) }], r.stages),
    h("h2", {}, "Transitions"),
    barChart(r.transitions.filter((x) => x.count > 0).sort((a, b) => b.support - a.support).slice(0, 25).map((x) => ({ label: `${nm(x.from)} → ${nm(x.to)}`, value: x.support, cls: x.in_model ? (x.supported ? "barh in" : "barh out") : "barh unmodelled" })),
      { label: "Observed transitions by support (the 25 most supported)", threshold: th, labelWidth: 300, width: 700 }),
    table([{ label: "From → to", get: (x) => `${nm(x.from)} → ${nm(x.to)}` }, { label: "In model", get: (x) => (x.in_model ? "yes" : badge("not modelled", "no")) },
      { label: "Count", num: true, get: (x) => x.count }, { label: "Support", num: true, get: (x) => pct(x.support) },
      { label: "p(to | from)", num: true, get: (x) => fmt(x.probability) }, { label: "z", num: true, get: (x) => fmt(x.adjusted_residual, 2) }, { label: "Yule's Q", num: true, get: (x) => fmt(x.yules_q, 2) }], r.transitions),
    r.validation ? validationNode(r.validation, nm) : null,
    hasIndex ? [h("h2", {}, "Sequence index plot"), h("p", { class: "muted small" }, "One row per session, its stages in order as coloured cells."), diagram(`/comparisons/${id}?format=index.svg`, "Sequence index plot of the sessions")] : null,
    r.unmapped_codes.length ? [h("h2", {}, "Codes that indicate no stage"), h("p", {}, r.unmapped_codes.map((u) => `${u.code} × ${u.count}`).join(", "))] : null,
    synth ? [h("h2", {}, "Synthesis"), synth] : null,
    h("h2", {}, "Sessions"), h("p", { class: "muted small" }, r.sequences.length > 300 ? `The first 300 of ${r.sequences.length}; download the CSV for all.` : ""),
    table([{ label: "Case", get: (x) => x.case }, { label: "Session", num: true, get: (x) => x.session }, { label: "Stages", get: (x) => h("span", { class: "seq" }, x.stages.map(nm).join(" › ")) },
      { label: "Fitness", num: true, get: (x) => fmt(x.fitness) }, { label: "Order", get: (x) => (x.conforms ? "conforms" : "deviates") }, { label: "Resolved", get: (x) => (x.resolved ? "yes" : "no") },
      { label: "Deviations", get: (x) => x.deviations.map((dv) => h("div", { class: "dev " + dv.type }, `${dv.type === "log_move" ? "extra" : "missing"} ${dv.code ? "code " + dv.code : nm(dv.stage)} at ${dv.position}`)) }], r.sequences.slice(0, 300)));
}

function baselineNode(r, nm) {
  const b = r.baseline;
  const row = (k, label) => ({ label, now: r.summary[k], then: b.summary[k] });
  return [h("h2", {}, `Against version ${b.version}`), table([{ label: "Measure", get: (x) => x.label }, { label: `v${b.version}`, num: true, get: (x) => fmt(x.then) }, { label: "This version", num: true, get: (x) => fmt(x.now) },
    { label: "Difference", num: true, get: (x) => (typeof x.now === "number" && typeof x.then === "number" ? fmt(x.now - x.then) : "—") }],
  [row("fitness", "Log fitness"), row("precision", "Precision"), row("order_conforming", "Order conforming"), row("stages_supported", "Stages supported"), row("transitions_supported", "Transitions supported"), row("allowed_transition_share", "Allowed transitions")])];
}

function validationNode(val, nm) {
  const ci = (x) => (x.ci95 ? `${fmt(x.ci95[0], 2)} to ${fmt(x.ci95[1], 2)}` : "—");
  const cols = (first) => [first, { label: "Resolved with", num: true, get: (x) => x.resolved_with }, { label: "Unresolved with", num: true, get: (x) => x.unresolved_with },
    { label: "Odds ratio", num: true, get: (x) => [fmt(x.odds_ratio, 2), x.corrected ? h("span", { class: "muted small", title: "0.5 added to every cell (a cell was 0)" }, " *") : null] }, { label: "95 % CI", num: true, get: ci }, { label: "Fisher p", num: true, get: (x) => fmt(x.fisher_p) }, { label: "Holm p", num: true, get: (x) => fmt(x.holm_p) }];
  return [h("h2", {}, "Validation: what separates resolved from unresolved sessions"),
    h("p", { class: "small" }, `Outcome: ${String(val.outcome).replaceAll("_", " ")}; ${val.resolved} resolved, ${val.unresolved} unresolved sessions.`,
      val.no_outcome ? ` ${val.no_outcome} sessions have no outcome and are left out.` : "",
      val.fitness ? ` Fitness: ${fmt(val.fitness.resolved)} resolved, ${fmt(val.fitness.unresolved)} unresolved.` : "",
      ` Holm's adjustment runs over the ${val.tests ?? ""} tests of ${val.family ? String(val.family).replaceAll("_", " ") : "this report"}; * marks odds ratios with 0.5 added to every cell.`),
    table(cols({ label: "Stage", get: (x) => nm(x.key) }), val.stages || [], "No stages to test."),
    h("p"), table(cols({ label: "Transition", get: (x) => `${nm(x.from)} → ${nm(x.to)}` }), val.transitions || [], "No transitions to test.")];
}

// synthesisForm offers every synthesis parameter the server documents,
// with its documented default and description.
const synthWords = {
  support_threshold: "Support threshold", min_adjusted_residual: "Minimum adjusted residual", add_observed: "Add supported observed transitions as alternatives",
  demote_unsupported: "Demote unsupported model transitions", optional_unsupported: "Mark unsupported stages optional",
  cluster_reversals: "Cluster stages observed in both orders", make_unordered: "Group order-free stages into any-order clusters",
  min_cooccur: "Sessions both stages must share", min_reversal_share: "Share each order must hold", propose_stages: "Note frequent unmapped codes as proposed stages",
  min_unmapped_share: "Share of sessions for a proposed stage",
};
async function synthesisForm(id, th) {
  const d = await openapi();
  const deref = (sc) => (sc && sc.$ref ? d.components.schemas[sc.$ref.split("/").pop()] : sc) || {};
  const body = deref((await requestFields("/api/v1/comparisons/{id}/synthesis", "post")).params);
  const props = Object.entries(body.properties || { support_threshold: { type: "number" } });
  const out = h("div", { "aria-live": "polite" });
  const els = {};
  const controls = props.map(([k, sc]) => {
    sc = deref(sc);
    const label = synthWords[k] || k.replaceAll("_", " ");
    if (sc.type === "boolean") {
      const el = (els[k] = h("input", { type: "checkbox", id: `syn-${k}`, checked: sc.default !== false }));
      return h("div", { class: "check" }, el, h("label", { for: el.id }, label), sc.description ? h("span", { class: "muted small" }, ` (${sc.description})`) : null);
    }
    const def = k === "support_threshold" ? th : sc.default;
    const el = (els[k] = h("input", { type: "number", step: sc.type === "integer" ? 1 : 0.01, value: def ?? "", class: "narrow" }));
    return field(label, el, sc.description);
  });
  const notes = h("textarea", { rows: 2, class: "wide" });
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    const params = {};
    for (const [k, el] of Object.entries(els)) {
      if (el.type === "checkbox") params[k] = el.checked;
      else if (el.value !== "") params[k] = Number(el.value);
    }
    await busy(form, "Drafting…", async () => {
      try { const v = await api("POST", `/comparisons/${id}/synthesis`, { params, notes: notes.value }); location.hash = `#/models/${v.model}/versions/${v.number}/changes`; } catch (err) { report(out, problemNode(err)); }
    });
  } }, h("p", { class: "muted small" }, "Drafts a rational-empirical version from this comparison. Every change cites its evidence in the change log; you review, edit and approve the draft."),
  h("div", { class: "grid tight" }, controls.filter((c) => c.classList.contains("field"))), controls.filter((c) => c.classList.contains("check")),
  field("Notes for the draft", notes), h("p"), h("button", { class: "primary", type: "submit" }, "Draft synthesis"), out);
  return form;
}
