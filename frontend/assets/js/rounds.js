// Expert-panel rounds: the round form on a version, the list of one's
// rounds, a round's page (open, close with confirmation, who responded),
// results with charts, and the PI's decisions on proposals.
import { api, badge, busy, can, download, field, fmt, h, nextId, notice, pct, problemNode, report, show, stat, state, table, when } from "./core.js";
import { barChart, histogram } from "./charts.js";
import { inviteForm } from "./people.js";

// Consensus rules and their parameters with defaults (api.md, domain.md).
const rules = {
  percent_agree: { label: "Percent agreement", help: "In when the share rating at least agree_min reaches threshold.",
    params: [["agree_min", "Agree at or above", (sc) => Math.ceil(sc.max - (sc.max - sc.min) / 3), 1], ["threshold", "Share needed (0-1)", () => 0.8, 0.05]] },
  median_iqr: { label: "Median and IQR", help: "In when the median is at least median_min and the IQR at most iqr_max.",
    params: [["median_min", "Median at least", (sc) => Math.ceil(sc.max - (sc.max - sc.min) / 3), 0.5], ["iqr_max", "IQR at most", (sc) => (sc.max - sc.min) / 8, 0.25]] },
  grade: { label: "GRADE (in / veto)", help: "In when in_share rate high and fewer than veto_share rate low.",
    params: [["high_min", "High is at least", () => 7, 1], ["low_max", "Low is at most", () => 3, 1], ["in_share", "Share high needed", () => 0.7, 0.05], ["veto_share", "Veto share", () => 0.15, 0.05]] },
  cvi: { label: "Content validity index", help: "In when the item's I-CVI reaches threshold.", params: [["threshold", "I-CVI needed", () => 0.78, 0.01]] },
  rand_ucla: { label: "RAND/UCLA appropriateness", help: "The RAND/UCLA method's median and disagreement rule; no parameters.", params: [] },
};

let createFields = null;
async function roundFields() {
  if (createFields) return createFields;
  try {
    const doc = await (await fetch("/api/v1/openapi.json")).json();
    const op = doc.paths["/api/v1/models/{slug}/versions/{n}/rounds"].post;
    const schema = op.requestBody.content["application/json"].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
    createFields = new Set(Object.keys(resolved.properties || {}));
  } catch (_) { createFields = new Set(); }
  return createFields;
}

export async function roundsPanel(slug, v) {
  let rounds = { items: [] };
  try { rounds = await api("GET", `/models/${slug}/versions/${v.number}/rounds?limit=200`); } catch (err) { return problemNode(err); }
  const nodes = [h("h2", {}, "Panel rounds"), table([
    { label: "Round", get: (r) => h("a", { href: `#/rounds/${r.id}` }, `Round ${r.number}`) },
    { label: "Status", get: (r) => badge(r.status) },
    { label: "Scale", get: (r) => `${r.scale.min}-${r.scale.max}` },
    { label: "Rule", get: (r) => (rules[r.consensus.rule] || {}).label || r.consensus.rule },
    { label: "Responded", num: true, get: (r) => `${r.responded} / ${r.invited}` },
    { label: "Deadline", get: (r) => when(r.closes_at) },
  ], rounds.items, "No panel rounds on this version.")];
  if (can("pi", "admin") && v.status === "in_review") {
    const form = await roundForm(slug, v, rounds.items);
    nodes.push(h("h2", {}, "New round"), form, inviteForm("panelist", (u) => form.addPanelist(u)));
  }
  else if (can("pi", "admin") && v.status === "draft") nodes.push(notice("info", "Submit this draft for review to open a panel round on it."));
  return nodes;
}

async function roundForm(slug, v, existing) {
  const out = h("div", { "aria-live": "polite" });
  const [users, known] = await Promise.all([api("GET", "/users?limit=200").catch(() => ({ items: [] })), roundFields()]);
  const panelists = users.items.filter((u) => u.role === "panelist");
  const box = (u) => { const id = nextId("p"); return h("div", { class: "check" }, h("input", { type: "checkbox", id, value: u.id, checked: true }), h("label", { for: id }, `${u.name} (${u.email})`)); };
  const boxes = panelists.map(box);
  const boxGrid = h("div", { class: "grid" }, boxes);
  const min = h("input", { type: "number", value: 1, min: 0, class: "narrow" }), max = h("input", { type: "number", value: 9, class: "narrow" });
  const rule = h("select", {}, Object.entries(rules).map(([k, r]) => h("option", { value: k }, r.label)));
  const params = h("div", { class: "row" }), help = h("p", { class: "muted small" });
  const paramEls = {};
  const drawParams = () => {
    const sc = { min: Number(min.value), max: Number(max.value) }, r = rules[rule.value];
    for (const k of Object.keys(paramEls)) delete paramEls[k];
    params.replaceChildren(...r.params.map(([k, label, def, step]) => field(label, (paramEls[k] = h("input", { type: "number", step, value: def(sc), class: "narrow", name: k })))));
    help.textContent = r.help + " Defaults shown; change any.";
  };
  rule.addEventListener("change", drawParams); min.addEventListener("input", drawParams); max.addEventListener("input", drawParams);
  drawParams();
  const deadline = h("input", { type: "datetime-local" });
  const minGroup = h("input", { type: "number", value: 3, min: 2, class: "narrow" });
  const carry = h("select", {}, h("option", { value: "" }, "no"), existing.filter((r) => r.status === "closed").map((r) => h("option", { value: r.id }, `Round ${r.number}`)));
  const skipId = nextId(), skip = h("input", { type: "checkbox", id: skipId });
  const form = h("form", {
    class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const consensus = { rule: rule.value };
      for (const [k, el] of Object.entries(paramEls)) if (el.value !== "") consensus[k] = Number(el.value);
      const body = { panelists: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => Number(i.value)),
        scale: { min: Number(min.value), max: Number(max.value) }, consensus };
      if (deadline.value) body.closes_at = new Date(deadline.value).toISOString();
      if (known.has("min_group")) body.min_group = Number(minGroup.value);
      if (carry.value) { body.carry_from = Number(carry.value); body.skip_consensus = skip.checked; }
      await busy(form, "Creating…", async () => {
        try { const r = await api("POST", `/models/${slug}/versions/${v.number}/rounds`, body); location.hash = `#/rounds/${r.id}`; } catch (err) { report(out, problemNode(err)); }
      });
    },
  }, h("fieldset", {}, h("legend", {}, "Panelists"), boxGrid, boxes.length ? null : h("p", { class: "muted small" }, "No panelists yet: invite them below.")),
  h("div", { class: "row" }, field("Scale minimum", min), field("Scale maximum", max), field("Deadline (your time)", deadline, "Optional; the round closes itself then."),
    known.has("min_group") ? field("Smallest group shown", minGroup, "Items rated by fewer panelists show only n.") : null),
  h("fieldset", {}, h("legend", {}, "Consensus"), field("Consensus rule", rule), help, params),
  h("div", { class: "row" }, field("Carry over from", carry), h("div", { class: "check" }, skip, h("label", { for: skipId }, "Leave out items that reached consensus"))),
  h("p"), h("button", { class: "primary", type: "submit" }, "Create round"), out);
  form.addPanelist = (u) => { const b = box(u); boxes.push(b); boxGrid.append(b); };
  return form;
}

export async function myRoundsView() {
  const rs = await api("GET", "/rounds?limit=200");
  const panelist = state.me.role === "panelist";
  show(h("h1", {}, panelist ? "My rounds" : "Panel rounds"),
    h("p", { class: "muted" }, panelist ? "The rounds you are invited to. Open rounds take your review until they close; after a round closes you see the group's answers next to yours." : "Panel rounds on your models."),
    table([
      { label: "Round", get: (r) => h("a", { href: `#/rounds/${r.id}` }, `${r.model} · round ${r.number}`) },
      { label: "Version", get: (r) => `v${r.version}` },
      { label: "Status", get: (r) => badge(r.status) },
      panelist ? { label: "Your review", get: (r) => (r.review_submitted ? badge("submitted", "yes") : r.status === "open" ? badge("not yet", "no") : "") } : null,
      { label: "Responded", num: true, get: (r) => `${r.responded} / ${r.invited}` },
      { label: "Deadline", get: (r) => when(r.closes_at) },
    ].filter(Boolean), rs.items, "No panel rounds."));
}

export async function roundView(id) {
  const r = await api("GET", `/rounds/${id}`);
  const out = h("div", { "aria-live": "polite" });
  const pi = can("pi", "admin");
  const act = (name, label, confirmText) => {
    const b = h("button", { type: "button", class: "primary", onclick: async () => {
      if (confirmText && !confirm(confirmText)) return;
      await busy(b, "Working…", async () => {
        try { await api("POST", `/rounds/${id}/${name}`, {}); window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { report(out, problemNode(err)); }
      });
    } }, label);
    return b;
  };
  const rate = r.invited ? r.responded / r.invited : 0;
  const closeText = `Close round ${r.number}? ${r.responded} of ${r.invited} panelists have responded (${pct(rate)}).` +
    (r.responded < 3 ? " With so few responses the group statistics rest on very few people." : "") + " Closing computes consensus and ends reviewing; it cannot be undone.";
  const nodes = [h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: `#/models/${r.model}` }, r.model), " / ", h("a", { href: `#/models/${r.model}/versions/${r.version}/panel` }, `v${r.version}`), " / ", `round ${r.number}`),
    h("div", { class: "spread" }, h("h1", {}, `Panel round ${r.number} `, badge(r.status)),
      h("div", { class: "row" }, pi && r.status === "draft" ? act("open", "Open round") : null, pi && r.status === "open" ? act("close", "Close round", closeText) : null)),
    h("div", { class: "stats" }, stat("Invited", r.invited), stat("Responded", r.responded), stat("Response rate", pct(rate)), stat("Scale", `${r.scale.min}-${r.scale.max}`),
      stat("Rule", (rules[r.consensus.rule] || {}).label || r.consensus.rule), stat("Deadline", r.closes_at ? when(r.closes_at) : "none")), out];
  if (r.panelists && r.panelists.length) {
    nodes.push(h("h2", {}, "Who has responded"), h("p", { class: "muted small" }, "For reminders only: answers are never shown under a name."),
      table([{ label: "Panelist", get: (p) => p.name }, { label: "Email", get: (p) => p.email }, { label: "Responded", get: (p) => (p.responded ? badge("yes", "yes") : badge("not yet", "no")) }], r.panelists));
  }
  if (state.me.role === "panelist" && r.status === "open") {
    const { reviewForm } = await import("./review.js");
    nodes.push(await reviewForm(r));
  }
  if (r.status === "closed" || (pi && r.status !== "draft")) {
    try {
      const res = await api("GET", `/rounds/${id}/results`);
      const v = await api("GET", `/models/${r.model}/versions/${r.version}`).catch(() => null);
      nodes.push(h("h2", {}, state.me.role === "panelist" ? "The panel's answers and yours" : "Results"), resultsNode(res, id, v));
    } catch (err) { if (err.status !== 403 || r.status === "closed") nodes.push(problemNode(err)); else nodes.push(h("p", { class: "muted" }, "Results appear when the round closes.")); }
  }
  if (pi && r.status === "closed") nodes.push(h("h2", {}, "Proposals"), await proposalsNode(id, r));
  show(nodes);
}

const measureWords = { relevance: "relevance", clarity: "clarity", agreement: "agreement" };
export function itemName(t, v) {
  const name = v ? Object.fromEntries(v.stages.map((s) => [s.key, s.name])) : {};
  return t.type === "stage" ? name[t.key] || t.key : `${name[t.from] || t.from} → ${name[t.to] || t.to}`;
}

export function resultsNode(res, id, v) {
  const scale = res.scale;
  const label = (i) => `${itemName(i.target, v)} ${measureWords[i.measure] || i.measure}`;
  const consensusWords = { in: "consensus: keep", out: "consensus: drop", none: "no consensus" };
  const cards = res.items.map((i) => h("div", { class: "card result" },
    h("h3", {}, label(i)),
    i.suppressed ? h("p", { class: "muted" }, `${i.n} ratings: too few to show without revealing answers.`) : histogram(i, scale, label(i)),
    h("p", { class: "small" }, `n ${i.n}`, i.median !== null && i.median !== undefined ? ` · median ${fmt(i.median, 1)} · IQR ${fmt(i.iqr, 2)} (${fmt(i.q1, 2)} to ${fmt(i.q3, 2)})` : "",
      i.percent_agree !== null && i.percent_agree !== undefined ? ` · ${pct(i.percent_agree)} agree` : ""),
    h("p", { class: "small" }, badge(consensusWords[i.consensus] || i.consensus, i.consensus),
      i.own !== undefined && i.own !== null ? h("span", { class: "own" }, ` Your earlier answer: ${i.own}`) : null,
      i.change && i.change.previous_percent_agree !== null && i.change.previous_percent_agree !== undefined ? h("span", { class: "muted" }, ` · previous round ${pct(i.change.previous_percent_agree)} agree`) : null)));
  const agreeRows = res.items.filter((i) => i.percent_agree !== null && i.percent_agree !== undefined).map((i) => ({ label: label(i), value: i.percent_agree, cls: "barh " + i.consensus }));
  const threshold = res.rule && res.rule.rule === "percent_agree" ? (res.rule.threshold ?? 0.8) : undefined;
  const trend = res.items.filter((i) => i.change && i.change.previous_percent_agree !== null && i.change.previous_percent_agree !== undefined);
  return [h("div", { class: "stats" }, stat("Response rate", pct(res.response_rate)), stat("Kendall's W", fmt(res.kendall_w)), stat("S-CVI/Ave", fmt(res.s_cvi_ave)), stat("S-CVI/UA", fmt(res.s_cvi_ua))),
    h("p", { class: "muted small" }, `Bars: how many panelists gave each rating on ${scale.min}-${scale.max}; the dark line is the median, the band below the bars the interquartile range`,
      state.me.role === "panelist" ? "; your own earlier answer is outlined." : ".", " Quartiles: ", res.quantile_method, ". ",
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/rounds/${id}/results?format=csv`, `round-${id}-results.csv`); } }, "Download CSV")),
    agreeRows.length ? [h("h3", {}, "Agreement per item"), barChart(agreeRows, { label: "Share of panelists agreeing, per item", threshold, labelWidth: 330, width: 760 })] : null,
    trend.length ? [h("h3", {}, "Agreement across rounds"), barChart(trend.flatMap((i) => [
      { label: `${label(i)} (before)`, value: i.change.previous_percent_agree, cls: "barh prev" },
      { label: `${label(i)} (now)`, value: i.percent_agree, cls: "barh " + i.consensus }]), { label: "Share agreeing in the previous round and now", labelWidth: 260, width: 660 })] : null,
    h("div", { class: "grid results" }, cards),
    res.reached_consensus ? h("p", { class: "small" }, h("strong", {}, "Reached consensus: "), res.reached_consensus.map((t) => itemName(t, v)).join(", ") || "none",
      h("br"), h("strong", {}, "Carried over: "), res.carried_over.map((t) => itemName(t, v)).join(", ") || "none",
      h("br"), h("strong", {}, "Dropped: "), res.dropped.map((d) => `${itemName(d.target, v)} (${d.reason.replaceAll("_", " ")})`).join(", ") || "none") : null];
}

// proposalWords says what a proposal asks for, in words.
export function proposalWords(p, v) {
  const name = v ? Object.fromEntries(v.stages.map((s) => [s.key, s.name])) : {};
  const st = (k) => (name[k] ? `“${name[k]}” (${k})` : k);
  const pl = p.payload || {};
  switch (p.kind) {
    case "add_stage": return `Add a stage “${pl.name || pl.key}” (${pl.key}, ${pl.actor || "?"}, ${pl.role || "?"})${pl.after ? ` after ${st(pl.after)}` : ""}${pl.codes && pl.codes.length ? `, codes ${pl.codes.join(", ")}` : ""}`;
    case "remove_stage": return `Remove stage ${st(p.target)}`;
    case "rename_stage": return `Rename stage ${st(p.target)} to “${pl.name}”`;
    case "merge_stages": return `Merge ${(pl.keys || []).map(st).join(" and ")} into ${pl.into}`;
    case "split_stage": return `Split ${st(p.target)} into ${(pl.into || []).map((x) => `“${x.name || x.key}”`).join(" and ")}`;
    case "add_transition": return `Add a ${pl.kind || "hypothesized"} transition ${st(pl.from)} → ${st(pl.to)}`;
    case "remove_transition": return `Remove the transition ${st(pl.from)} → ${st(pl.to)}`;
    case "move_to_cluster": return pl.cluster ? `Move ${st(p.target)} into cluster ${pl.cluster}` : `Take ${st(p.target)} out of its cluster`;
    default: return pl.text || "Other";
  }
}

async function proposalsNode(id, r) {
  const [ps, v] = await Promise.all([api("GET", `/rounds/${id}/proposals?limit=200`).catch(() => ({ items: [] })), api("GET", `/models/${r.model}/versions/${r.version}`)]);
  const out = h("div", { "aria-live": "polite" });
  const decide = (p, decision, label) => {
    const b = h("button", { type: "button", "aria-label": `${label}: ${proposalWords(p, v)}`, onclick: async () => {
      const note = prompt(`${label}. A note for the record (optional):`, "");
      if (note === null) return;
      await busy(b, "Saving…", async () => {
        try { await api("POST", `/rounds/${id}/proposals/${p.id}/decision`, { decision, note }); window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { report(out, problemNode(err)); }
      });
    } }, label);
    return b;
  };
  const decisionWords = { undecided: "not decided", accepted: "accepted", rejected: "rejected", deferred: "deferred" };
  const revise = h("button", { type: "button", class: "primary", onclick: async () => {
    await busy(revise, "Drafting…", async () => {
      try { const nv = await api("POST", `/models/${r.model}/versions/${r.version}/revise`, {}); location.hash = `#/models/${r.model}/versions/${nv.number}/changes`; } catch (err) { report(out, problemNode(err)); }
    });
  } }, "Draft the revision");
  return [out, table([
    { label: "By", get: (p) => p.author || "" },
    { label: "Proposal", get: (p) => [h("div", {}, proposalWords(p, v)), p.mechanical ? null : h("div", { class: "muted small" }, "Needs your judgement: recorded, not applied automatically.")] },
    { label: "Rationale", get: (p) => p.rationale },
    { label: "Decision", get: (p) => [badge(decisionWords[p.decision] || p.decision, p.decision === "accepted" ? "in" : p.decision === "rejected" ? "out" : ""), p.decision_note ? h("div", { class: "small" }, p.decision_note) : null] },
    { label: "Decide", get: (p) => h("div", { class: "row" }, decide(p, "accepted", "Accept"), decide(p, "rejected", "Reject"), decide(p, "deferred", "Defer")) },
  ], ps.items || [], "No proposals in this round."),
  h("p", { class: "small" }, "Accepted proposals that change the model mechanically become the next draft; the others are listed in its change log. ", revise)];
}
