// One version of a model: overview with its diagram, the draft editor,
// the diff, its panel rounds and its change log.
import { api, badge, busy, can, diagram, download, fmt, h, notice, problemNode, report, show, table, when } from "./core.js";
import { editor } from "./editor.js";
import { legend, modelPreview } from "./charts.js";

export const diagramLegend = () => legend([["sw-marker", "marker stage"], ["sw-process", "process stage"], ["sw-resolution", "resolution stage"], ["sw-optional", "optional (dashed box)"],
  ["sw-hyp", "hypothesized transition"], ["sw-alt", "alternative transition"]]);

const starter = () => ({
  notes: "", stages: [
    { key: "marker", name: "Marker", description: "", actor: "patient", role: "marker", optional: false, cluster: "", codes: [] },
    { key: "resolution", name: "Resolution", description: "", actor: "dyad", role: "resolution", optional: false, cluster: "", codes: [] }],
  transitions: [{ from: "marker", to: "resolution", kind: "hypothesized", note: "" }], clusters: [],
});
const contentOf = (v) => ({ notes: v.notes, stages: v.stages, transitions: v.transitions, clusters: v.clusters });

export async function newVersionView(slug) {
  const vs = await api("GET", `/models/${slug}/versions?limit=200`);
  const from = vs.items[vs.items.length - 1];
  const content = from ? { ...contentOf(from), notes: "" } : starter();
  show(h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${slug}` }, slug), " / new draft"),
    h("h1", {}, "New draft"), h("p", { class: "muted" }, from ? `Starts from version ${from.number}; saving records it as the parent.` : "The first version of this model."),
    editor(content, async (body) => {
      if (from) body.parent = from.number;
      const v = await api("POST", `/models/${slug}/versions`, body);
      location.hash = `#/models/${slug}/versions/${v.number}`;
    }));
}

export async function versionView(slug, n, tab) {
  const v = await api("GET", `/models/${slug}/versions/${n}`);
  const base = `#/models/${slug}/versions/${n}`;
  const editable = v.status === "draft" && can("pi", "admin");
  tab = tab || "overview";
  const tabList = [["overview", "Overview"], editable ? ["edit", "Edit"] : null, ["diff", "Diff"], ["panel", "Rounds"], ["changes", "Change log"]].filter(Boolean);
  const tabs = h("nav", { class: "tabs", "aria-label": "Version views" }, tabList.map(([k, label]) =>
    h("a", { href: `${base}/${k}`, class: tab === k ? "active" : "", "aria-current": tab === k ? "page" : null }, label)));
  const out = h("div", { "aria-live": "polite" });
  const act = (name, label, cls) => {
    const b = h("button", {
      type: "button", class: cls, onclick: async () => {
        const note = prompt(`${label}: a note for the record (optional)`, "");
        if (note === null) return;
        await busy(b, "Working…", async () => {
          try { await api("POST", `/models/${slug}/versions/${v.number}/${name}`, { note }); location.hash = `#/models/${slug}/versions/${v.number}`; window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { report(out, problemNode(err)); }
        });
      },
    }, label);
    return b;
  };
  const actions = [];
  if (can("pi", "admin")) {
    if (v.status === "draft") actions.push(act("submit", "Submit for review", "primary"));
    if (v.status === "in_review") actions.push(act("approve", "Approve", "primary"), act("reject", "Reject", "danger"));
    if (v.status === "approved") actions.push(act("retire", "Retire", "danger"));
  }
  const exportBtn = (f, ext) => h("button", { type: "button", onclick: () => download(`/models/${slug}/versions/${v.number}/export?format=${f}`, `${slug}-v${v.number}.${ext}`).catch((e) => report(out, problemNode(e))) }, f.toUpperCase());
  const header = [h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${slug}` }, slug), " / ", `v${v.number}`),
    h("div", { class: "spread" }, h("div", {}, h("h1", {}, `${slug} · version ${v.number} `, badge(v.status)),
      h("p", { class: "muted small" }, v.kind.replace("_", "-"), v.parent ? ` · parent v${v.parent}` : "", " · ", h("span", { class: "mono" }, v.content_hash.slice(0, 19) + "…"),
        v.approved_by ? ` · approved by ${v.approved_by} ${when(v.approved_at)}` : "")),
    h("div", { class: "row" }, actions, h("span", { class: "muted small" }, "Export:"), exportBtn("json", "json"), exportBtn("dot", "dot"), exportBtn("mermaid", "mmd"), exportBtn("svg", "svg"))),
    v.notes ? h("p", {}, v.notes) : null, out, tabs];

  if (tab === "edit" && editable) {
    show(header, editor(contentOf(v), async (body) => {
      await api("PUT", `/models/${slug}/versions/${v.number}`, body);
      location.hash = `${base}/overview`;
    }));
  } else if (tab === "diff") {
    const sel = h("select", { id: "diff-from" });
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
          h("h2", {}, "Stages added"), list(d.stages.added, (s) => [h("span", { class: "mono" }, s.key), " ", s.name]),
          h("h2", {}, "Stages removed"), list(d.stages.removed, (s) => [h("span", { class: "mono" }, s.key), " ", s.name]),
          h("h2", {}, "Stages changed"), list(d.stages.changed, (c) => [h("span", { class: "mono" }, c.key), ": ",
            Object.entries(c.fields).map(([f, ch]) => `${f} ${JSON.stringify(ch.from)} → ${JSON.stringify(ch.to)}`).join("; ")]),
          h("h2", {}, "Transitions added"), list(d.transitions.added, (t) => `${t.from} → ${t.to} (${t.kind})`),
          h("h2", {}, "Transitions removed"), list(d.transitions.removed, (t) => `${t.from} → ${t.to} (${t.kind})`),
          h("h2", {}, "Clusters"), list([...d.clusters.added.map((c) => `added ${c.key} “${c.name}”`), ...d.clusters.removed.map((c) => `removed ${c.key}`),
            ...d.clusters.changed.map((c) => `renamed ${c.key}`)], (x) => x));
      } catch (err) { res.replaceChildren(problemNode(err)); }
    };
    sel.addEventListener("change", load);
    show(header, h("div", { class: "row" }, h("label", { for: "diff-from" }, "Changes since"), sel), res);
    load();
  } else if (tab === "panel") {
    const { roundsPanel } = await import("./rounds.js");
    show(header, await roundsPanel(slug, v));
  } else if (tab === "changes") {
    show(header, h("h2", {}, "Change log"), table([
      { label: "Change", get: (e) => changeWords(e) }, { label: "Target", get: (e) => h("span", { class: "mono" }, e.target) },
      { label: "Evidence", get: (e) => evidenceNode(e.evidence) },
    ], v.change_log, "No recorded changes: this version was drafted by hand."),
    v.provenance.rounds.length || v.provenance.comparison ? h("p", { class: "muted" }, "Provenance: ",
      [v.provenance.rounds.length ? v.provenance.rounds.map((r) => h("a", { href: `#/rounds/${r}` }, `panel round ${r}`)) : null,
        v.provenance.comparison ? h("a", { href: `#/comparisons/${v.provenance.comparison}` }, `comparison ${v.provenance.comparison}`) : null]
        .flat().filter(Boolean).flatMap((x, i) => (i ? [" · ", x] : [x]))) : null);
  } else {
    const clusters = Object.fromEntries(v.clusters.map((c) => [c.key, c.name]));
    show(header, h("h2", {}, "Diagram"), diagram(modelPreview(v), `Diagram of ${slug} version ${v.number}`), diagramLegend(),
      h("h2", {}, "Stages"), stagesTable(v, clusters),
      h("h2", {}, "Transitions"), transitionsTable(v),
      editable ? h("p", {}, h("a", { class: "btn", href: `${base}/edit` }, "Edit this draft")) : null);
  }
}

export function stagesTable(v, clusters) {
  return table([
    { label: "Key", get: (s) => h("span", { class: "mono" }, s.key) },
    { label: "Stage", get: (s) => [h("strong", {}, s.name), s.description ? h("div", { class: "muted small" }, s.description) : null] },
    { label: "Actor", get: (s) => s.actor },
    { label: "Role", get: (s) => badge(s.role) },
    { label: "Cluster", get: (s) => (s.cluster ? `${clusters[s.cluster] || s.cluster} (any order)` : "—") },
    { label: "Optional", get: (s) => (s.optional ? "yes" : "") },
    { label: "Codes", get: (s) => h("span", { class: "mono" }, s.codes.join(" ")) },
  ], v.stages);
}
export function transitionsTable(v) {
  const name = Object.fromEntries(v.stages.map((s) => [s.key, s.name]));
  return table([
    { label: "From", get: (t) => name[t.from] || t.from }, { label: "To", get: (t) => name[t.to] || t.to },
    { label: "Kind", get: (t) => t.kind }, { label: "Note", get: (t) => t.note },
  ], v.transitions);
}

const opWords = {
  add_stage: "Stage added", remove_stage: "Stage removed", rename_stage: "Stage renamed", merge_stages: "Stages merged", split_stage: "Stage split",
  add_transition: "Transition added", remove_transition: "Transition removed", move_to_cluster: "Moved to a cluster", make_unordered: "Made order-free (any order)",
  propose_stage: "New stage suggested (not applied)", not_applied: "Accepted, needs your judgement (not applied)", other: "Other",
};
const changeWords = (e) => opWords[e.op] || e.op.replaceAll("_", " ");

// evidenceNode shows a change's evidence: the rule in words, then each
// number, nested objects (e.g. both directions of a reversal) indented.
export function evidenceNode(ev) {
  if (!ev || typeof ev !== "object") return "";
  const { rule, ...rest } = ev;
  const val = (v) => (v && typeof v === "object" ? evidenceNode(v) : typeof v === "number" ? fmt(v) : String(v));
  return h("div", { class: "small" }, rule ? h("div", {}, rule) : null,
    h("div", { class: "muted" }, Object.entries(rest).map(([k, v], i) => [i ? " · " : "", h("span", { class: "mono" }, k.replaceAll("_", " ")), " ", val(v)])));
}
export { notice };
