// The PI's form-based model editor: stages, transitions and clusters as
// forms, codes chosen from a codebook, a live diagram preview, and each
// server error shown next to its field. The JSON stays as an advanced view.
import { api, busy, field, h, nextId, notice, problemNode, report } from "./core.js";
import { modelPreview } from "./charts.js";

// The 3RS (2015) codebook, the default of every dataset (domain.md).
export const RRS = [
  ["W1", "denial"], ["W2", "minimal response"], ["W3", "abstract communication"], ["W4", "avoidant storytelling or shifting topic"],
  ["W5", "deferential and appeasing"], ["W6", "content/affect split"], ["W7", "self-critical or hopeless"],
  ["C1", "complaints about the therapist"], ["C2", "rejects intervention"], ["C3", "complaints about the activities of therapy"],
  ["C4", "complaints about the parameters of therapy"], ["C5", "complaints about progress"], ["C6", "defends self against the therapist"],
  ["C7", "efforts to control or pressure the therapist"],
  ["RS01", "clarifies a misunderstanding"], ["RS02", "changes tasks or goals"], ["RS03", "illustrates tasks or gives a rationale"],
  ["RS04", "invites discussion of thoughts and feelings about the therapist or therapy"], ["RS05", "acknowledges own contribution"],
  ["RS06", "discloses own experience of the interaction"], ["RS07", "links the rupture to patterns in the relationship"],
  ["RS08", "links the rupture to the patient's other relationships"], ["RS09", "validates the defensive posture"], ["RS10", "redirects or refocuses"],
].map(([code, label]) => ({ code, label }));

const blankStage = (i) => ({ key: `S${i}`, name: "", description: "", actor: "therapist", role: "process", optional: false, cluster: "", codes: [] });

// editor returns a form editing content; save(body) persists it.
export function editor(content, save, opts = {}) {
  const model = structuredClone({ notes: "", stages: [], transitions: [], clusters: [], ...content });
  let codebook = RRS;
  const out = h("div", { "aria-live": "polite" });
  const preview = h("div", { class: "diagram-view preview-box", tabindex: "0", role: "group", "aria-label": "Live preview of the diagram" });
  const body = h("div");
  const advanced = h("textarea", { rows: 14, class: "mono wide", spellcheck: "false" });
  const fieldEls = {}; // "stages[2].key" → control

  const redrawPreview = () => { preview.replaceChildren(modelPreview(model)); advanced.value = JSON.stringify(model, null, 2); };
  const bind = (path, control, obj, key, conv = (x) => x) => {
    fieldEls[path] = control;
    const m = path.match(/^(stages|transitions|clusters)\[(\d+)\]\.(\w+)$/);
    if (m) control.setAttribute("aria-label", `${{ stages: "Stage", transitions: "Transition", clusters: "Cluster" }[m[1]]} ${Number(m[2]) + 1} ${m[3] === "codes" ? "codes" : m[3]}`);
    const ev = control.type === "checkbox" || control.tagName === "SELECT" ? "change" : "input";
    control.addEventListener(ev, () => {
      obj[key] = control.type === "checkbox" ? control.checked : control.multiple ? [...control.selectedOptions].map((o) => o.value) : conv(control.value);
      redrawPreview();
    });
    return control;
  };
  const select = (options, value) => h("select", {}, options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));

  function stageCard(st, i) {
    const label = st.name || st.key || `stage ${i + 1}`;
    const codes = h("select", { multiple: true, size: 6 }, codebook.map((c) => h("option", { value: c.code, selected: st.codes.includes(c.code) }, `${c.code} ${c.label || ""}`)));
    for (const c of st.codes) if (!codebook.some((x) => x.code === c)) codes.append(h("option", { value: c, selected: true }, `${c} (not in this codebook)`));
    const clusterSel = select([["", "none"], ...model.clusters.map((c) => [c.key, c.name || c.key])], st.cluster || "");
    return h("fieldset", { class: "card item" }, h("legend", {}, `Stage ${i + 1}: ${label}`),
      h("div", { class: "grid tight" },
        field("Key", keyInput(st, i)),
        field("Name", (() => { const el = bind(`stages[${i}].name`, h("input", { value: st.name }), st, "name"); el.addEventListener("input", refreshStageRefs); return el; })()),
        field("Actor", bind(`stages[${i}].actor`, select([["patient", "patient"], ["therapist", "therapist"], ["dyad", "dyad"]], st.actor), st, "actor")),
        field("Role", bind(`stages[${i}].role`, select([["marker", "marker"], ["process", "process"], ["resolution", "resolution"]], st.role), st, "role")),
        field("Cluster", bind(`stages[${i}].cluster`, clusterSel, st, "cluster")),
        h("div", { class: "field check" }, h("label", {}, bind(`stages[${i}].optional`, h("input", { type: "checkbox", checked: st.optional }), st, "optional"), " Optional"))),
      field("Description", bind(`stages[${i}].description`, h("textarea", { rows: 2, class: "wide" }, st.description || ""), st, "description")),
      field(`${label} codes`, bind(`stages[${i}].codes`, codes, st, "codes"), "Ctrl- or Shift-click (Space with the keyboard) to choose several."),
      h("div", { class: "row" },
        i > 0 ? h("button", { type: "button", onclick: () => { model.stages.splice(i - 1, 0, model.stages.splice(i, 1)[0]); draw(); } }, "Move up") : null,
        h("button", { type: "button", class: "danger", onclick: () => { model.stages.splice(i, 1); draw(); } }, `Remove stage ${label}`)));
  }
  // A stage's key is what transitions point at: renaming it carries the
  // transitions along and refreshes the stage choices in place.
  function keyInput(st, i) {
    const input = bind(`stages[${i}].key`, h("input", { value: st.key, class: "mono" }), st, "key");
    let old = st.key;
    input.addEventListener("input", () => {
      for (const t of model.transitions) { if (t.from === old) t.from = st.key; if (t.to === old) t.to = st.key; }
      old = st.key;
      refreshStageRefs();
      redrawPreview();
    });
    return input;
  }
  function refreshStageRefs() {
    for (const sel of body.querySelectorAll("select.stage-ref")) {
      const [i, end] = sel.dataset.ref.split(":");
      const t = model.transitions[Number(i)];
      sel.replaceChildren(h("option", { value: "" }, "—"), ...model.stages.map((x) => h("option", { value: x.key }, `${x.name || x.key} (${x.key})`)));
      sel.value = t[end] || "";
    }
  }
  function stageRef(i, end, keys, value) {
    const sel = h("select", { class: "stage-ref", "data-ref": `${i}:${end}` }, h("option", { value: "" }, "—"), keys.map(([v, l]) => h("option", { value: v }, l)));
    sel.value = value || "";
    return sel;
  }
  function transitionRow(t, i) {
    const keys = model.stages.map((x) => [x.key, `${x.name || x.key} (${x.key})`]);
    return h("fieldset", { class: "card item" }, h("legend", {}, `Transition ${i + 1}`),
      h("div", { class: "grid tight" },
        field("From", bind(`transitions[${i}].from`, stageRef(i, "from", keys, t.from), t, "from")),
        field("To", bind(`transitions[${i}].to`, stageRef(i, "to", keys, t.to), t, "to")),
        field("Kind", bind(`transitions[${i}].kind`, select([["hypothesized", "hypothesized"], ["alternative", "alternative"], ["loop", "loop"]], t.kind || "hypothesized"), t, "kind")),
        field("Note", bind(`transitions[${i}].note`, h("input", { value: t.note || "" }), t, "note"))),
      h("button", { type: "button", class: "danger", onclick: () => { model.transitions.splice(i, 1); draw(); } }, `Remove transition ${i + 1}`));
  }
  function clusterRow(c, i) {
    return h("fieldset", { class: "card item" }, h("legend", {}, `Cluster ${i + 1} (stages in any order)`),
      h("div", { class: "grid tight" },
        field("Cluster key", bind(`clusters[${i}].key`, h("input", { value: c.key, class: "mono" }), c, "key")),
        field("Cluster name", bind(`clusters[${i}].name`, h("input", { value: c.name }), c, "name"))),
      h("button", { type: "button", class: "danger", onclick: () => { model.clusters.splice(i, 1); draw(); } }, `Remove cluster ${i + 1}`));
  }
  function draw() {
    for (const k of Object.keys(fieldEls)) delete fieldEls[k];
    body.replaceChildren(...[
      field("Notes", bind("notes", h("textarea", { rows: 2, class: "wide" }, model.notes || ""), model, "notes")),
      h("h3", {}, "Stages"), model.stages.map(stageCard),
      h("button", { type: "button", onclick: () => { model.stages.push(blankStage(model.stages.length + 1)); draw(); body.querySelectorAll("fieldset")[model.stages.length - 1]?.querySelector("input")?.focus(); } }, "Add stage"),
      h("h3", {}, "Transitions"), model.transitions.map(transitionRow),
      h("button", { type: "button", onclick: () => { model.transitions.push({ from: "", to: "", kind: "hypothesized", note: "" }); draw(); } }, "Add transition"),
      h("h3", {}, "Clusters"), model.clusters.map(clusterRow),
      h("button", { type: "button", onclick: () => { model.clusters.push({ key: `k${model.clusters.length + 1}`, name: "" }); draw(); } }, "Add cluster")].flat(Infinity));
    redrawPreview();
  }
  function showErrors(err) {
    for (const el of body.querySelectorAll(".field-error")) el.remove();
    for (const el of body.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const unplaced = [];
    for (const e of (err.problem && err.problem.errors) || []) {
      const path = e.field.replace(/\.codes\[\d+\]$/, ".codes");
      const el = fieldEls[path] || fieldEls[e.field];
      if (!el) { unplaced.push(e); continue; }
      const id = nextId("err");
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", id);
      el.closest(".field, .check").append(h("div", { class: "field-error", id }, e.message));
    }
    report(out, problemNode({ ...err, problem: { ...err.problem, errors: unplaced } }));
    const first = body.querySelector("[aria-invalid]");
    if (first) first.focus();
  }

  const codebookSel = h("select", {}, h("option", { value: "" }, "3RS (2015)"));
  api("GET", "/datasets?limit=200").then((ds) => { for (const d of ds.items) codebookSel.append(h("option", { value: d.id }, `${d.name}: ${d.codebook_name}`)); }).catch(() => {});
  codebookSel.addEventListener("change", async () => {
    if (!codebookSel.value) codebook = RRS;
    else { try { codebook = (await api("GET", `/datasets/${codebookSel.value}`)).codebook; } catch (err) { report(out, problemNode(err)); } }
    draw();
  });

  const form = h("form", {
    class: "editor", onsubmit: async (e) => {
      e.preventDefault();
      await busy(form, "Saving…", async () => {
        try { await save(structuredClone(model)); } catch (err) { if (err.problem && err.problem.errors) showErrors(err); else report(out, problemNode(err)); }
      });
    },
  },
  h("div", { class: "editor-grid" },
    h("div", {}, field("Codebook for the codes", codebookSel), body),
    h("div", { class: "sticky" }, h("h3", {}, "Preview"), preview)),
  h("details", { class: "advanced" }, h("summary", {}, "Advanced: the version as JSON"),
    field("Version content (JSON)", advanced),
    h("button", { type: "button", onclick: () => {
      try { Object.assign(model, JSON.parse(advanced.value)); draw(); } catch (err) { report(out, notice("error", "That is not valid JSON: " + err.message)); }
    } }, "Apply JSON")),
  out,
  h("div", { class: "row actions" }, h("button", { class: "primary", type: "submit" }, opts.submitLabel || "Save draft")));
  draw();
  return form;
}
