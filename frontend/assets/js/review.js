// The panelist's review: the version's diagram, each stage with its
// definition and codes, labelled ratings with the meaning of the scale
// ends, comments, and proposals of every kind. A draft is kept in this
// browser while the panelist types, until the review is submitted.
import { api, busy, diagram, field, h, nextId, notice, problemNode, report, state } from "./core.js";
import { RRS } from "./editor.js";
import { proposalWords } from "./rounds.js";
import { modelPreview } from "./charts.js";
import { diagramLegend } from "./version.js";

const ends = {
  relevance: ["not relevant at all", "essential to the task"],
  clarity: ["unclear", "perfectly clear"],
  agreement: ["strongly disagree that this step happens", "strongly agree"],
};
const kinds = [
  ["add_stage", "Add a stage"], ["remove_stage", "Remove a stage"], ["rename_stage", "Rename a stage"], ["merge_stages", "Merge stages"],
  ["split_stage", "Split a stage"], ["add_transition", "Add a transition"], ["remove_transition", "Remove a transition"],
  ["move_to_cluster", "Move a stage to a cluster"], ["other", "Something else"],
];

export async function reviewForm(r) {
  const v = await api("GET", `/models/${r.model}/versions/${r.version}`);
  let mine = null;
  try { mine = await api("GET", `/rounds/${r.id}/review`); } catch (_) { /* none yet */ }
  const draftKey = `stagewise.review-draft.${state.me.id}.${r.id}`;
  let draft = null;
  try { draft = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (_) { draft = null; }
  const start = draft || mine || { stages: [], transitions: [], proposals: [] };
  const proposals = (start.proposals || []).map((p) => ({ kind: p.kind, target: p.target, payload: p.payload, rationale: p.rationale }));
  const name = Object.fromEntries(v.stages.map((s) => [s.key, s.name]));
  const codeLabel = Object.fromEntries(RRS.map((c) => [c.code, c.label]));
  const cluster = Object.fromEntries(v.clusters.map((c) => [c.key, c.name]));
  const out = h("div", { "aria-live": "polite" });
  const scaleOpts = (measure, cur) => {
    const [lo, hi] = ends[measure];
    return [h("option", { value: "" }, "— not rated"), ...Array.from({ length: r.scale.max - r.scale.min + 1 }, (_, i) => r.scale.min + i).map((x) =>
      h("option", { value: x, selected: cur === x }, x === r.scale.min ? `${x}: ${lo}` : x === r.scale.max ? `${x}: ${hi}` : String(x)))];
  };
  const inItems = (t) => !r.items || !r.items.length || r.items.some((i) => (i.type === "stage" ? t.key === i.key : i.from === t.from && i.to === t.to));
  const rating = (label, measure, cur) => field(label, h("select", { class: "rating" }, scaleOpts(measure, cur)));
  const comment = (label, cur) => field(label, h("textarea", { rows: 2, class: "wide" }, cur || ""));

  const sRows = v.stages.filter((s) => inItems({ key: s.key })).map((s) => {
    const old = start.stages.find((x) => x.key === s.key) || {};
    const rel = rating(`${s.name} relevance`, "relevance", old.relevance), cla = rating(`${s.name} clarity`, "clarity", old.clarity), com = comment(`Comment on ${s.name}`, old.comment);
    const node = h("fieldset", { class: "card item" }, h("legend", {}, s.name),
      s.description ? h("p", {}, s.description) : h("p", { class: "muted" }, "No description given."),
      h("p", { class: "small muted" }, `${s.actor} · ${s.role}`, s.optional ? " · optional" : "", s.cluster ? ` · in “${cluster[s.cluster] || s.cluster}” (any order)` : ""),
      s.codes.length ? h("p", { class: "small" }, "Observed as: ", s.codes.map((c, i) => [i ? "; " : "", h("span", { class: "mono" }, c), codeLabel[c] ? ` ${codeLabel[c]}` : ""])) : null,
      h("div", { class: "row" }, rel, cla), com);
    return { s, node, rel: rel.querySelector("select"), cla: cla.querySelector("select"), com: com.querySelector("textarea") };
  });
  const tRows = v.transitions.filter((t) => inItems({ from: t.from, to: t.to })).map((t) => {
    const old = start.transitions.find((x) => x.from === t.from && x.to === t.to) || {};
    const label = `${name[t.from] || t.from} → ${name[t.to] || t.to}`;
    const agr = rating(`${label} agreement`, "agreement", old.agreement), com = comment(`Comment on ${label}`, old.comment);
    const node = h("fieldset", { class: "card item" }, h("legend", {}, label), h("p", { class: "small muted" }, `${t.kind}`, t.note ? `: ${t.note}` : ""), agr, com);
    return { t, node, agr: agr.querySelector("select"), com: com.querySelector("textarea") };
  });
  const num = (el) => (el.value === "" ? null : Number(el.value));
  const body = () => ({
    stages: sRows.map((x) => ({ key: x.s.key, relevance: num(x.rel), clarity: num(x.cla), comment: x.com.value })),
    transitions: tRows.map((x) => ({ from: x.t.from, to: x.t.to, agreement: num(x.agr), comment: x.com.value })),
    proposals,
  });
  const saveDraft = () => { try { localStorage.setItem(draftKey, JSON.stringify(body())); draftNote.textContent = "Draft kept in this browser."; } catch (_) { /* storage full or off */ } };
  const draftNote = h("span", { class: "muted small", "aria-live": "polite" }, draft ? "Restored your unsent draft." : "");

  // proposals
  const list = h("div");
  const drawList = () => list.replaceChildren(proposals.length ? h("ul", { class: "proposals" }, proposals.map((p, i) => h("li", {},
    h("strong", {}, proposalWords(p, v)), p.rationale ? h("div", { class: "small muted" }, `Why: ${p.rationale}`) : null,
    h("button", { type: "button", class: "danger", onclick: () => { proposals.splice(i, 1); drawList(); saveDraft(); } }, `Withdraw proposal ${i + 1}`))))
    : h("p", { class: "muted small" }, "No proposals yet."));
  drawList();
  const panel = proposalPanel(v, (p) => { proposals.push(p); drawList(); saveDraft(); toggle.focus(); toggle.setAttribute("aria-expanded", "false"); panel.hidden = true; });
  panel.hidden = true;
  const toggle = h("button", { type: "button", "aria-expanded": "false", "aria-controls": panel.id, onclick: () => {
    panel.hidden = !panel.hidden; toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) panel.querySelector("select, input").focus();
  } }, "Propose a change");

  const form = h("form", {
    class: "review", oninput: saveDraft, onchange: saveDraft, onsubmit: async (e) => {
      e.preventDefault();
      await busy(form.querySelector(".actions"), "Submitting…", async () => {
        try {
          await api("PUT", `/rounds/${r.id}/review`, body());
          localStorage.removeItem(draftKey);
          draftNote.textContent = "";
          report(out, notice("ok", `Your review is submitted (${new Date().toLocaleTimeString()}). You can change it and submit again until the round closes.`));
        } catch (err) { report(out, problemNode(err)); }
      });
    },
  },
  h("h2", {}, "Your review"),
  h("p", {}, `Rate each stage and each transition on ${r.scale.min}-${r.scale.max}. Relevance: ${r.scale.min} = ${ends.relevance[0]}, ${r.scale.max} = ${ends.relevance[1]}. Clarity: ${r.scale.min} = ${ends.clarity[0]}, ${r.scale.max} = ${ends.clarity[1]}. Transitions: ${r.scale.min} = ${ends.agreement[0]}, ${r.scale.max} = ${ends.agreement[1]}. Leave a rating empty to skip it.`),
  h("p", { class: "muted small" }, "Other panelists and the PI never see your answers under your name."),
  h("h3", {}, "The model"), diagram(modelPreview(v), `Diagram of ${r.model} version ${r.version}`), diagramLegend(),
  h("h3", {}, "Stages"), sRows.map((x) => x.node),
  tRows.length ? [h("h3", {}, "Transitions"), tRows.map((x) => x.node)] : null,
  h("h3", {}, "Your proposals"), list, toggle, panel,
  h("div", { class: "row actions" }, h("button", { class: "primary", type: "submit" }, "Submit review"), draftNote), out);
  return form;
}

// proposalPanel asks for the fields each kind of proposal needs.
function proposalPanel(v, add) {
  const id = nextId("prop");
  const kind = h("select", {}, kinds.map(([k, l]) => h("option", { value: k }, l)));
  const fields = h("div");
  const rationale = h("textarea", { rows: 2, class: "wide" });
  const err = h("div", { "aria-live": "polite" });
  const stageOpts = (blank) => [blank ? h("option", { value: "" }, blank) : null, ...v.stages.map((s) => h("option", { value: s.key }, `${s.name} (${s.key})`))];
  let get = () => ({});
  const stageFields = (prefix) => {
    const key = h("input", { class: "mono" }), nm = h("input"), desc = h("textarea", { rows: 2, class: "wide" });
    const actor = h("select", {}, ["patient", "therapist", "dyad"].map((x) => h("option", { value: x }, x)));
    const role = h("select", {}, ["process", "marker", "resolution"].map((x) => h("option", { value: x }, x)));
    const codes = h("input", { class: "mono", placeholder: "e.g. RS04 RS06" });
    return {
      node: h("div", { class: "grid tight" }, field(`${prefix}key`, key, "Short id: letters, digits, _ . -"), field(`${prefix}name`, nm), field(`${prefix}actor`, actor), field(`${prefix}role`, role),
        field(`${prefix}codes`, codes, "Codes that indicate it, separated by spaces"), field(`${prefix}description`, desc)),
      value: () => ({ key: key.value.trim(), name: nm.value.trim(), description: desc.value.trim(), actor: actor.value, role: role.value, optional: false, cluster: "",
        codes: codes.value.split(/[\s,]+/).filter(Boolean) }),
    };
  };
  const draw = () => {
    const k = kind.value;
    if (k === "add_stage") {
      const st = stageFields("New stage ");
      const after = h("select", {}, stageOpts("at the end"));
      fields.replaceChildren(st.node, field("After stage", after));
      get = () => ({ target: "", payload: { ...st.value(), ...(after.value ? { after: after.value } : {}) } });
    } else if (k === "remove_stage") {
      const t = h("select", {}, stageOpts()); fields.replaceChildren(field("Stage to remove", t));
      get = () => ({ target: t.value, payload: {} });
    } else if (k === "rename_stage") {
      const t = h("select", {}, stageOpts()), nm = h("input"); fields.replaceChildren(field("Stage to rename", t), field("New name", nm));
      get = () => ({ target: t.value, payload: { name: nm.value.trim() } });
    } else if (k === "merge_stages") {
      const boxes = v.stages.map((s) => { const i = nextId(); return h("div", { class: "check" }, h("input", { type: "checkbox", id: i, value: s.key }), h("label", { for: i }, s.name)); });
      const into = h("input", { class: "mono" });
      fields.replaceChildren(h("fieldset", {}, h("legend", {}, "Stages to merge (two or more)"), boxes), field("Key of the merged stage", into));
      get = () => ({ target: "", payload: { keys: boxes.map((b) => b.querySelector("input")).filter((x) => x.checked).map((x) => x.value), into: into.value.trim() } });
    } else if (k === "split_stage") {
      const t = h("select", {}, stageOpts()), a = stageFields("First part: "), b = stageFields("Second part: ");
      fields.replaceChildren(field("Stage to split", t), a.node, b.node);
      get = () => ({ target: t.value, payload: { into: [a.value(), b.value()] } });
    } else if (k === "add_transition" || k === "remove_transition") {
      const from = h("select", {}, stageOpts()), to = h("select", {}, stageOpts());
      const tk = h("select", {}, ["hypothesized", "alternative", "loop"].map((x) => h("option", { value: x }, x)));
      fields.replaceChildren(h("div", { class: "row" }, field("From stage", from), field("To stage", to), k === "add_transition" ? field("Kind of transition", tk) : null));
      get = () => ({ target: "", payload: k === "add_transition" ? { from: from.value, to: to.value, kind: tk.value } : { from: from.value, to: to.value } });
    } else if (k === "move_to_cluster") {
      const t = h("select", {}, stageOpts());
      const c = h("select", {}, h("option", { value: "" }, "no cluster (fixed order)"), v.clusters.map((x) => h("option", { value: x.key }, x.name || x.key)));
      fields.replaceChildren(field("Stage to move", t), field("Into cluster", c));
      get = () => ({ target: t.value, payload: { cluster: c.value } });
    } else {
      const text = h("textarea", { rows: 3, class: "wide" }); fields.replaceChildren(field("Your proposal", text));
      get = () => ({ target: "", payload: { text: text.value.trim() } });
    }
  };
  kind.addEventListener("change", draw);
  draw();
  return h("div", { class: "card propose", id, role: "group", "aria-label": "Propose a change" },
    field("Kind of change", kind), fields, field("Why (rationale)", rationale), err,
    h("button", { type: "button", class: "primary", onclick: () => {
      const p = { kind: kind.value, ...get(), rationale: rationale.value.trim() };
      if (p.kind === "add_stage" && (!p.payload.key || !p.payload.name)) { err.replaceChildren(notice("error", "A new stage needs a key and a name.")); return; }
      err.replaceChildren();
      add(p);
      rationale.value = ""; draw();
    } }, "Add to my review"));
}
