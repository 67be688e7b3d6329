// Datasets of coded cases: list, one dataset with imports (busy state,
// errors beside the form), selection and reliability.
import { api, badge, busy, can, download, field, fmt, h, nextId, notice, pct, problemNode, report, show, stat, table, when } from "./core.js";
import { inviteForm } from "./people.js";

export async function datasetsView() {
  const ds = await api("GET", "/datasets?limit=200");
  const out = h("div", { "aria-live": "polite" });
  const name = h("input", { placeholder: "Trial X, CBT arm" });
  const form = h("form", { class: "card row", onsubmit: async (e) => {
    e.preventDefault();
    await busy(form, "Creating…", async () => {
      try { const d = await api("POST", "/datasets", { name: name.value, codebook: "3rs-2015" }); location.hash = `#/datasets/${d.id}`; } catch (err) { report(out, problemNode(err)); }
    });
  } }, field("Name", name), h("span", { class: "muted small" }, "Codebook: 3RS (2015)"), h("button", { class: "primary", type: "submit" }, "Create dataset"));
  show(h("h1", {}, "Datasets"), h("p", { class: "muted" }, "Coded cases: sessions with WAI-12 and rupture reports, and 3RS-coded events from one or more coders."),
    table([
      { label: "Dataset", get: (d) => h("a", { href: `#/datasets/${d.id}` }, d.name) }, { label: "Codebook", get: (d) => d.codebook_name },
      { label: "Cases", num: true, get: (d) => d.cases }, { label: "Sessions", num: true, get: (d) => d.sessions }, { label: "Events", num: true, get: (d) => d.events },
      { label: "Coders", get: (d) => d.coders.map((c) => c.coder).join(", ") },
    ], ds.items, "No datasets yet."),
    can("pi", "coder", "admin") ? [h("h2", {}, "New dataset"), form, out] : null);
}

function uploadForm(id, kind) {
  const file = h("input", { type: "file", accept: ".csv,text/csv" });
  const out = h("div", { "aria-live": "polite" });
  const progress = h("progress", { hidden: true, "aria-label": `Importing ${kind}` });
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    if (!file.files[0]) { report(out, notice("error", "Choose a CSV file first.")); return; }
    out.replaceChildren();
    progress.hidden = false;
    const started = performance.now();
    await busy(form, "Importing…", async () => {
      try {
        const res = await api("POST", `/datasets/${id}/${kind}`, await file.files[0].text(), { csv: true });
        const secs = ((performance.now() - started) / 1000).toFixed(1);
        report(out, notice("ok", `Imported ${res.imported} rows${res.replaced ? ` (${res.replaced} replaced)` : ""} from ${file.files[0].name} in ${secs} s. `,
          h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); window.dispatchEvent(new HashChangeEvent("hashchange")); } }, "Show the updated dataset")));
      } catch (err) { report(out, problemNode(err)); } finally { progress.hidden = true; }
    });
  } }, h("h3", {}, `Import ${kind}`), h("p", { class: "muted small mono" }, kind === "sessions" ? "case,session,rater,wai1,…,wai12,rupture,intensity,resolution" : "case,session,coder,segment,onset,code,salience"),
  field(`${kind === "sessions" ? "Sessions" : "Events"} CSV file`, file), h("p"), h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, `Import ${kind}`), progress), out);
  return form;
}

export async function datasetView(id) {
  const [d, sessions, sel] = await Promise.all([api("GET", `/datasets/${id}`), api("GET", `/datasets/${id}/sessions?limit=200`), api("GET", `/datasets/${id}/selection`).catch(() => null)]);
  const out = h("div", { "aria-live": "polite" });
  const rep = (s, rater) => s.reports.find((r) => r.rater === rater);
  const coders = d.coders.map((c) => c.coder);
  const a = h("select", {}, coders.map((c) => h("option", { value: c }, c))), b = h("select", {}, coders.map((c, i) => h("option", { value: c, selected: i === 1 }, c)));
  const rel = h("div", { "aria-live": "polite" });
  const selectBtn = (rule) => {
    const btn = h("button", { type: "button", onclick: async () => {
      await busy(btn, "Selecting…", async () => {
        try { await api("POST", `/datasets/${id}/selection`, { rule, params: {} }); window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { report(out, problemNode(err)); }
      });
    } }, `Select by ${rule.replaceAll("_", " ")}`);
    return btn;
  };
  const relForm = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    await busy(relForm, "Computing…", async () => {
      try {
        const r = await api("GET", `/datasets/${id}/reliability?coders=${encodeURIComponent(a.value)},${encodeURIComponent(b.value)}`);
        const row = (label, x) => ({ label, ...x });
        rel.replaceChildren(h("p", { class: "muted small" }, `${r.units} units (session, segment) in ${r.sessions} sessions coded by both.`),
          table([{ label: "Scope", get: (x) => x.label }, { label: "% agreement", num: true, get: (x) => pct(x.percent_agreement) }, { label: "Cohen's κ", num: true, get: (x) => fmt(x.cohen_kappa) },
            { label: "Krippendorff's α", num: true, get: (x) => fmt(x.krippendorff_alpha) }, { label: "ICC(2,1)", num: true, get: (x) => fmt(x.icc) }, { label: "Note", get: (x) => x.note || "" }],
          [row("overall", r.overall), ...r.families.map((f) => row(f.family, f)), ...r.codes.map((c) => row(c.code, c))]));
      } catch (err) { rel.replaceChildren(problemNode(err)); }
    });
  } }, field("Coder A", a), field("Coder B", b), h("button", { class: "primary", type: "submit" }, "Compute agreement"));
  show(h("nav", { class: "crumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "#/datasets" }, "Datasets"), " / ", d.name), h("h1", {}, d.name),
    h("div", { class: "stats" }, stat("Cases", d.cases), stat("Sessions", d.sessions), stat("Reports", d.reports), stat("Events", d.events), stat("Coders", coders.length)),
    h("p", { class: "muted small" }, "Codebook ", d.codebook_name, " (", d.codebook.length, " codes); reverse-keyed WAI items: ", d.reverse_keyed.join(", ") || "none", ". ",
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/datasets/${id}/events?format=csv`, `dataset-${id}-events.csv`); } }, "Export events CSV"), " · ",
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); download(`/datasets/${id}/sessions?format=csv`, `dataset-${id}-sessions.csv`); } }, "Export sessions CSV")),
    can("pi", "coder", "admin") ? [h("h2", {}, "Import"), h("div", { class: "grid wide2" }, uploadForm(id, "sessions"), uploadForm(id, "events"))] : null,
    blindNode(d),
    d.members ? teamNode(d) : null,
    d.members && coders.length >= 2 ? consensusNode(d, coders) : null,
    h("h2", {}, "Selected sessions"), out, sel ? [h("p", { class: "muted small" }, "Rule ", h("span", { class: "mono" }, sel.rule), " ", h("span", { class: "mono" }, JSON.stringify(sel.params))),
      table([{ label: "Case", get: (x) => x.case }, { label: "Session", num: true, get: (x) => x.session }, { label: "Score", num: true, get: (x) => fmt(x.score) }, { label: "Why", get: (x) => x.reason }], sel.selected)]
      : h("div", { class: "empty" }, "No selection stored."),
    can("pi", "coder", "admin") ? h("div", { class: "row" }, selectBtn("rise_after_rupture"), selectBtn("v_shape")) : null,
    h("h2", {}, "Inter-rater reliability"), coders.length >= 2 ? [relForm, rel] : h("p", { class: "muted" }, "Needs two coders."),
    h("h2", {}, "Sessions"), table([
      { label: "Case", get: (s) => s.case }, { label: "Session", num: true, get: (s) => s.session },
      { label: "Patient WAI", num: true, get: (s) => { const r = rep(s, "patient"); return r ? fmt(r.wai_mean, 2) : "—"; } },
      { label: "Therapist WAI", num: true, get: (s) => { const r = rep(s, "therapist"); return r ? fmt(r.wai_mean, 2) : "—"; } },
      { label: "Rupture", get: (s) => s.reports.filter((r) => r.rupture).map((r) => r.rater).join(", ") },
    ], sessions.items, "No sessions imported."));
}

// blindNode says who sees what while coding is blind, and lets a team PI
// end it.
function blindNode(d) {
  const out = h("div", { "aria-live": "polite" });
  if (d.unblinded_at) return h("p", { class: "small" }, badge("unblinded", "yes"), ` Coders see each other's events since ${when(d.unblinded_at)}.`);
  if (d.access && d.access.role === "coder") return notice("info", `Blind double coding: you see only your own events (coder “${d.access.coder}”) until a team PI unblinds the dataset.`);
  if (!d.members) return null;
  const btn = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm("Unblind this dataset? Every coder then sees the other coders' events, the reliability and the consensus. This cannot be undone.")) return;
    await busy(btn, "Unblinding…", async () => {
      try { await api("POST", `/datasets/${d.id}/unblind`, {}); window.dispatchEvent(new HashChangeEvent("hashchange")); } catch (err) { report(out, problemNode(err)); }
    });
  } }, "Unblind");
  return [h("p", { class: "small" }, badge("blind", "open"), " Coders see only their own events. ", btn), out];
}

// teamNode edits the dataset's team: PIs and coders with their coder names.
function teamNode(d) {
  const members = d.members.map((m) => ({ user: m.user, name: m.name, role: m.role, coder: m.coder, creator: m.creator }));
  const out = h("div", { "aria-live": "polite" });
  const list = h("div");
  const draw = () => list.replaceChildren(table([
    { label: "Member", get: (m) => [m.name, m.creator ? h("span", { class: "muted small" }, " (creator)") : null] },
    { label: "Role", get: (m) => (m.role === "pi" ? "PI" : "coder") },
    { label: "Codes as", get: (m) => { const i = h("input", { value: m.coder, class: "mono narrow2", "aria-label": `${m.name} codes as` }); i.addEventListener("input", () => { m.coder = i.value.trim(); }); return i; } },
    { label: "", get: (m) => (m.creator ? "" : h("button", { type: "button", class: "danger", onclick: () => { members.splice(members.indexOf(m), 1); draw(); } }, `Remove ${m.name}`)) },
  ], members, "No members."));
  draw();
  const who = h("select", {}, h("option", { value: "" }, "—"));
  const refreshUsers = () => api("GET", "/users?limit=200").then((us) => {
    who.replaceChildren(h("option", { value: "" }, "—"), ...us.items.filter((u) => u.role === "coder" || u.role === "pi").map((u) => h("option", { value: u.id }, `${u.name} (${u.role})`)));
    who.users = us.items;
  }).catch(() => {});
  refreshUsers();
  const coderName = h("input", { class: "mono" });
  const add = h("button", { type: "button", onclick: () => {
    const u = (who.users || []).find((x) => String(x.id) === who.value);
    if (!u) return;
    if (!members.some((m) => m.user === u.id)) members.push({ user: u.id, name: u.name, role: u.role === "pi" ? "pi" : "coder", coder: coderName.value.trim() || (u.role === "coder" ? u.name.split(" ")[0].toLowerCase() : "") });
    coderName.value = ""; draw();
  } }, "Add to team");
  const save = h("button", { type: "button", class: "primary", onclick: async () => {
    await busy(save, "Saving…", async () => {
      try {
        await api("PUT", `/datasets/${d.id}/members`, { members: members.map((m) => ({ user: m.user, role: m.role, coder: m.coder })) });
        report(out, notice("ok", "The team is saved."));
      } catch (err) { report(out, problemNode(err)); }
    });
  } }, "Save team");
  return [h("h2", {}, "Team"), h("p", { class: "muted small" }, "Only team members see this dataset. Coders import events only under their own coder name."),
    list, h("div", { class: "row" }, field("Person", who), field("Codes as (coders)", coderName), add), h("div", { class: "row" }, save), out,
    inviteForm("coder", refreshUsers)];
}

// consensusNode is the consensus-coding screen: two coders' codes side by
// side where they differ, each disagreement resolved, then written as the
// consensus coder's events.
function consensusNode(d, coders) {
  const a = h("select", {}, coders.filter((c) => c !== "consensus").map((c) => h("option", { value: c }, c)));
  const b = h("select", {}, coders.filter((c) => c !== "consensus").map((c, i) => h("option", { value: c, selected: i === 1 }, c)));
  const out = h("div", { "aria-live": "polite" });
  const res = h("div");
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    await busy(form, "Loading…", async () => {
      try { res.replaceChildren(resolveForm(d, await api("GET", `/datasets/${d.id}/disagreements?coders=${encodeURIComponent(a.value)},${encodeURIComponent(b.value)}`))); }
      catch (err) { report(out, problemNode(err)); }
    });
  } }, field("First coder", a), field("Second coder", b), h("button", { class: "primary", type: "submit" }, "Show disagreements"));
  return [h("h2", {}, "Consensus coding"), h("p", { class: "muted small" }, "Segments both coders coded alike are copied; you resolve each disagreement."), form, out, res];
}

function resolveForm(d, dis) {
  const out = h("div", { "aria-live": "polite" });
  const rows = dis.items.map((it) => {
    const place = `case ${it.case}, session ${it.session}, segment ${it.segment}`;
    const group = nextId("res");
    const choices = it.by_coder.map((bc, i) => {
      const id = nextId();
      return h("div", { class: "check" }, h("input", { type: "radio", name: group, id, value: String(i) }), h("label", { for: id }, `${bc.coder}: ${bc.codes.join(" ") || "no code"}`));
    });
    const otherId = nextId();
    const other = h("input", { class: "mono", "aria-label": `Other codes for ${place}`, placeholder: "e.g. W1 RS04" });
    choices.push(h("div", { class: "check" }, h("input", { type: "radio", name: group, id: otherId, value: "other" }), h("label", { for: otherId }, "other:"), other));
    other.addEventListener("input", () => { document.getElementById(otherId).checked = true; });
    const node = h("fieldset", { class: "card item" }, h("legend", {}, place),
      h("div", { class: "grid tight" }, it.by_coder.map((bc) => h("div", {}, h("div", { class: "muted small" }, bc.coder), h("div", { class: "mono" }, bc.codes.join(" ") || "—")))), choices);
    return { it, node, group, other };
  });
  const write = h("button", { type: "submit", class: "primary" }, "Write consensus");
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const resolutions = [];
    for (const r of rows) {
      const pick = form.querySelector(`input[name="${r.group}"]:checked`);
      if (!pick) continue;
      const codes = pick.value === "other" ? r.other.value.split(/[\s,]+/).filter(Boolean) : r.it.by_coder[Number(pick.value)].codes;
      resolutions.push({ case: r.it.case, session: r.it.session, segment: r.it.segment, codes });
    }
    await busy(form, "Writing…", async () => {
      try {
        const c = await api("POST", `/datasets/${d.id}/consensus`, { coders: dis.coders, resolutions });
        report(out, notice("ok", `Consensus written for ${c.sessions.length} sessions: ${c.agreed} agreed segments copied, ${c.resolved} resolved, ${c.imported} events.`));
      } catch (err) { report(out, problemNode(err)); }
    });
  } }, h("p", { class: "small" }, `${dis.sessions.length} sessions coded by both; ${dis.agreed} of ${dis.segments} segments agree; ${dis.items.length} to resolve.`),
  rows.map((r) => r.node), h("div", { class: "row actions" }, write), out);
  return form;
}
