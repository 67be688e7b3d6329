// Models: the list, one model's versions, and a new model.
import { api, badge, busy, can, field, h, problemNode, report, show, state, table, when } from "./core.js";
import { lineageGraph } from "./charts.js";

export async function modelsView() {
  const list = await api("GET", "/models?limit=200");
  const out = h("div");
  const reader = !can("pi", "admin");
  show(h("h1", {}, reader ? "Approved models" : "Models"),
    h("p", { class: "muted" }, reader ? "Stage-process models of therapeutic tasks that their teams have approved." : "Stage-process models of therapeutic tasks, each in numbered versions."),
    list.items.length ? h("div", { class: "grid" }, list.items.map((m) => h("a", { class: "card", href: `#/models/${m.slug}` },
      h("h2", { class: "cardtitle" }, m.title), h("div", { class: "mono muted" }, m.slug),
      h("p", { class: "small" }, h("strong", {}, "Marker: "), m.marker), h("p", { class: "small" }, h("strong", {}, "Resolution: "), m.resolution),
      h("div", { class: "muted small" }, "PI: ", m.owner.name)))) : h("div", { class: "empty" }, reader ? "No approved models yet." : "No models yet."),
    state.me.role === "client" ? pullHelp() : null,
    can("pi", "admin") ? [h("h2", {}, "New model"), newModelForm(out), out] : null);
}

function pullHelp() {
  return [h("h2", {}, "Pulling models by API"),
    h("p", {}, "Scripts read the newest approved version of a model with the token you were given:"),
    h("pre", { class: "mono code" }, `curl -H "Authorization: Bearer $TOKEN" \\\n  ${location.origin}/api/v1/models/SLUG/versions/latest`),
    h("p", { class: "muted small" }, "Answers carry an ETag: send it back as If-None-Match to get 304 when nothing changed. The full contract is in the ", h("a", { href: "/api/v1/openapi.json" }, "OpenAPI document"), ".")];
}

function newModelForm(out) {
  const f = {};
  const input = (k, label, attrs = {}) => field(label, (f[k] = h(attrs.multi ? "textarea" : "input", { rows: 2, name: k, ...attrs, multi: null })));
  const form = h("form", {
    class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const body = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value]));
      await busy(form, "Creating…", async () => {
        try { const m = await api("POST", "/models", body); location.hash = `#/models/${m.slug}`; } catch (err) { report(out, problemNode(err)); }
      });
    },
  }, h("div", { class: "grid" }, input("slug", "Slug", { placeholder: "withdrawal-repair" }), input("title", "Title"),
    input("marker", "Task marker", { multi: true }), input("resolution", "Resolution", { multi: true }), input("context", "Context", { multi: true })),
  h("p"), h("button", { class: "primary", type: "submit" }, "Create model"));
  return form;
}

export async function modelView(slug) {
  const [m, vs] = await Promise.all([api("GET", `/models/${slug}`), api("GET", `/models/${slug}/versions?limit=200`)]);
  const latest = vs.items.filter((v) => v.status === "approved").map((v) => v.number).pop();
  const lineage = await api("GET", `/models/${slug}/lineage`).catch(() => null);
  show(h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "#/models" }, "Models"), " / ", m.slug),
    h("div", { class: "spread" }, h("div", {}, h("h1", {}, m.title),
      h("p", { class: "muted" }, h("strong", {}, "Marker: "), m.marker, " · ", h("strong", {}, "Resolution: "), m.resolution)),
    can("pi", "admin") ? h("button", { type: "button", class: "primary", onclick: () => { location.hash = `#/models/${slug}/new`; } }, "New draft") : null),
    m.context ? h("p", { class: "muted small" }, m.context) : null,
    latest ? h("p", {}, "Latest approved: ", h("a", { href: `#/models/${slug}/versions/${latest}` }, `version ${latest}`)) : null,
    lineage && lineage.versions.length ? [h("h2", {}, "Lineage"), h("p", { class: "muted small" }, "Each version grew from its parent through panel rounds, a comparison (synthesis) or editing."),
      h("div", { class: "diagram-view", tabindex: "0", role: "group", "aria-label": "Lineage graph (scroll to pan)" }, lineageGraph(slug, lineage.versions))] : null,
    h("h2", {}, "Versions"),
    table([
      { label: "Version", get: (v) => h("a", { href: `#/models/${slug}/versions/${v.number}` }, `v${v.number}`) },
      { label: "Kind", get: (v) => v.kind.replace("_", "-") },
      { label: "Status", get: (v) => badge(v.status) },
      { label: "Stages", num: true, get: (v) => v.stages.length },
      { label: "Parent", get: (v) => (v.parent ? `v${v.parent}` : "—") },
      { label: "Created", get: (v) => when(v.created_at) },
      { label: "Approved", get: (v) => (v.approved_at ? `${when(v.approved_at)} by ${v.approved_by}` : "—") },
    ], vs.items, "No versions yet."));
}
