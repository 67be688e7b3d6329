// Small SVG charts and the client-side model preview, drawn from numbers
// the API returned. Text is measured by the browser, so labels stay inside
// their boxes; every chart has an accessible name and a text equivalent.
import { h, s } from "./core.js";

// histogram draws the distribution of one item's ratings: bars per scale
// point, the median and quartiles marked, the viewer's own answer ringed.
export function histogram(item, scale, label) {
  const counts = Object.fromEntries((item.distribution || []).map((d) => [d.value, d.n]));
  const values = [];
  for (let v = scale.min; v <= scale.max; v++) values.push(v);
  const max = Math.max(1, ...values.map((v) => counts[v] || 0));
  const bw = 22, gap = 4, ht = 60, W = values.length * (bw + gap), H = ht + 34;
  const x = (v) => (v - scale.min) * (bw + gap);
  const cx = (v) => x(v) + bw / 2;
  const parts = [];
  if (item.q1 !== null && item.q1 !== undefined) parts.push(s("rect", { x: cx(item.q1), y: ht + 2, width: Math.max(2, cx(item.q3) - cx(item.q1)), height: 6, class: "iqr" }));
  for (const v of values) {
    const n = counts[v] || 0, bh = (n / max) * (ht - 12);
    const mine = item.own === v;
    parts.push(s("rect", { x: x(v), y: ht - bh, width: bw, height: Math.max(bh, n ? 1 : 0), class: mine ? "barv mine" : "barv" }),
      n ? s("text", { x: cx(v), y: ht - bh - 2, "text-anchor": "middle", class: "n" }, n) : null,
      s("text", { x: cx(v), y: ht + 22, "text-anchor": "middle", class: mine ? "tick mine" : "tick" }, v));
    if (mine) parts.push(s("rect", { x: x(v) - 2, y: 0, width: bw + 4, height: ht + 26, class: "ownbox" }));
  }
  if (item.median !== null && item.median !== undefined) parts.push(s("line", { x1: cx(item.median), x2: cx(item.median), y1: 0, y2: ht + 8, class: "median" }));
  const text = (item.distribution || []).filter((d) => d.n).map((d) => `${d.n} rated ${d.value}`).join(", ");
  const desc = `${label}: ${text || "no ratings"}` + (item.median !== null && item.median !== undefined ? `; median ${item.median}, IQR ${item.q1} to ${item.q3}` : "") + (item.own !== undefined && item.own !== null ? `; your answer ${item.own}` : "");
  return s("svg", { class: "hist", viewBox: `-2 0 ${W + 2} ${H}`, width: W + 2, height: H, role: "img", "aria-label": desc }, s("title", {}, desc), parts);
}

// lineChart draws one series per item across rounds (consensus share).
export function barChart(rows, opts) {
  // rows: [{label, value (0-1), mark?}] drawn as horizontal bars.
  const W = opts.width || 520, rh = 22, lw = opts.labelWidth || 180, H = rows.length * rh + 24;
  const x = (v) => lw + v * (W - lw - 50);
  const parts = [s("line", { x1: x(0), x2: x(0), y1: 0, y2: H - 20, class: "axis" })];
  if (opts.threshold !== undefined) parts.push(s("line", { x1: x(opts.threshold), x2: x(opts.threshold), y1: 0, y2: H - 20, class: "threshold" }),
    s("text", { x: x(opts.threshold), y: H - 6, "text-anchor": "middle", class: "tick" }, `threshold ${Math.round(opts.threshold * 100)} %`));
  rows.forEach((r, i) => {
    const y = i * rh + 3;
    parts.push(s("text", { x: lw - 6, y: y + 13, "text-anchor": "end", class: "lbl" }, clipTo(r.label, lw - 10)),
      s("rect", { x: x(0), y, width: Math.max(0, x(r.value || 0) - x(0)), height: rh - 8, class: r.cls || "barh" }),
      s("text", { x: x(r.value || 0) + 4, y: y + 12, class: "n" }, r.text || `${Math.round((r.value || 0) * 100)} %`));
  });
  const desc = opts.label + ": " + rows.map((r) => `${r.label} ${r.text || Math.round((r.value || 0) * 100) + " %"}`).join("; ");
  return s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, width: "100%", style: `max-width:${W}px`, role: "img", "aria-label": desc }, s("title", {}, desc), parts);
}
let arrowSeq = 0;
const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "…" : t);
const clipTo = (t, px) => { let x = t; while (textWidth(x) > px && x.length > 1) x = x.slice(0, -2) + "…"; return x; };

// modelPreview lays a version's stages out left to right by their
// distance from the marker stages and draws the declared transitions.
// With opts.observed (a comparison's transitions) it becomes the overlay:
// edge width grows with support, colour and dash say whether the model
// declares the transition, and observed edges below opts.cutoff are hidden.
export function modelPreview(v, opts = {}) {
  const stages = v.stages.filter((x) => x.key);
  const keys = new Set(stages.map((x) => x.key));
  const declared = v.transitions.filter((t) => keys.has(t.from) && keys.has(t.to) && t.from !== t.to);
  let edges = declared;
  if (opts.observed) {
    const seen = new Set();
    edges = [];
    for (const o of opts.observed) {
      if (!keys.has(o.from) || !keys.has(o.to) || o.from === o.to) continue;
      seen.add(o.from + "\u0000" + o.to);
      const visible = o.count > 0 && o.support >= (opts.cutoff || 0);
      if (o.in_model) edges.push({ from: o.from, to: o.to, kind: o.count > 0 && o.supported ? "supported" : "unsupported", width: visible ? 1 + 6 * o.support : 1 });
      else if (visible) edges.push({ from: o.from, to: o.to, kind: "unmodelled", width: 1 + 6 * o.support });
    }
    for (const t of declared) if (!seen.has(t.from + "\u0000" + t.to)) edges.push({ from: t.from, to: t.to, kind: "unsupported", width: 1 });
  }
  const rank = {};
  const starts = stages.filter((x) => x.role === "marker").map((x) => x.key);
  const queue = (starts.length ? starts : stages.slice(0, 1).map((x) => x.key)).map((k) => { rank[k] = 0; return k; });
  while (queue.length) {
    const k = queue.shift();
    for (const t of edges) if (t.from === k && rank[t.to] === undefined) { rank[t.to] = rank[k] + 1; queue.push(t.to); }
  }
  let maxRank = Math.max(0, ...Object.values(rank));
  for (const x of stages) if (rank[x.key] === undefined) rank[x.key] = ++maxRank;
  const cols = {};
  for (const x of stages) (cols[rank[x.key]] ||= []).push(x);
  const bw = 160, bh = 50, gx = 60, gy = 18;
  const pos = {};
  let H = 0;
  for (const [r, list] of Object.entries(cols)) list.forEach((x, i) => { pos[x.key] = { x: 10 + r * (bw + gx), y: 10 + i * (bh + gy) }; H = Math.max(H, 10 + (i + 1) * (bh + gy)); });
  const W = 10 + (maxRank + 1) * (bw + gx);
  const clusterNames = Object.fromEntries((v.clusters || []).map((c) => [c.key, c.name || c.key]));
  const mid = `arrow${++arrowSeq}`;
  const parts = [s("defs", {}, s("marker", { id: mid, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" })))];
  for (const t of edges) {
    const a = pos[t.from], b = pos[t.to];
    const x1 = a.x + bw, y1 = a.y + bh / 2, x2 = b.x, y2 = b.y + bh / 2;
    const back = b.x <= a.x;
    const d = back ? `M${a.x + bw / 2},${a.y + bh} C${a.x + bw / 2},${a.y + bh + 40} ${b.x + bw / 2},${b.y + bh + 40} ${b.x + bw / 2},${b.y + bh}`
      : `M${x1},${y1} C${x1 + gx / 2},${y1} ${x2 - gx / 2},${y2} ${x2},${y2}`;
    parts.push(s("path", { d, class: "edge " + (t.kind || "hypothesized"), "stroke-width": t.width || null, "marker-end": `url(#${mid})` }));
  }
  for (const x of stages) {
    const p = pos[x.key];
    const lines = fitLines(x.name || x.key, bw - 12);
    parts.push(s("g", { class: "node " + (x.role || "process") + (x.optional ? " optional" : "") },
      s("rect", { x: p.x, y: p.y, width: bw, height: bh, rx: 8 }),
      lines.map((l, i) => s("text", { x: p.x + bw / 2, y: p.y + (lines.length === 1 ? 20 : 16) + i * 14, "text-anchor": "middle" }, l)),
      s("text", { x: p.x + bw / 2, y: p.y + bh - 5, "text-anchor": "middle", class: "sub" }, fitLines(x.key + (x.cluster ? ` · ${clusterNames[x.cluster] || x.cluster}` : ""), bw - 12).join(" "))));
  }
  const desc = opts.observed ? `Model with observed support: ${stages.length} stages, ${edges.filter((e) => e.kind === "supported").length} supported model transitions, ${edges.filter((e) => e.kind === "unmodelled").length} observed transitions the model does not declare shown`
    : `Preview: ${stages.length} stages, ${edges.length} transitions`;
  return s("svg", { class: "preview", viewBox: `0 0 ${Math.max(W, 200)} ${Math.max(H + 40, 80)}`, width: Math.max(W, 200), height: Math.max(H + 40, 80), role: "img", "aria-label": desc }, s("title", {}, desc), parts);
}
// Text is measured with the font the page draws it in, so a label is
// wrapped (and, past two lines, shortened) to fit inside its box.
const FONT = "12px system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif";
let measureCtx = null;
function textWidth(t) {
  measureCtx ||= document.createElement("canvas").getContext("2d");
  measureCtx.font = FONT;
  return measureCtx.measureText(t).width;
}
function fitLines(text, width) {
  const out = []; let line = "";
  for (const w of String(text).split(/\s+/).filter(Boolean)) {
    const next = line ? line + " " + w : w;
    if (textWidth(next) > width && line) { out.push(line); line = w; } else line = next;
  }
  if (line) out.push(line);
  const lines = out.slice(0, 2);
  if (out.length > 2) lines[1] = out.slice(1).join(" ");
  return lines.map((l) => { let x = l; while (textWidth(x) > width && x.length > 1) x = x.slice(0, -2) + "…"; return x; });
}

export function legend(items) {
  return h("ul", { class: "legend", "aria-label": "Legend" }, items.map(([cls, label]) => h("li", {}, h("span", { class: "swatch " + cls, "aria-hidden": "true" }), label)));
}

// lineageGraph draws a model's versions as a family tree: each version a
// box (number, kind, status), an arrow from its parent, and what it came
// from (panel rounds, a comparison) written on the arrow.
export function lineageGraph(slug, versions) {
  const byNum = Object.fromEntries(versions.map((v) => [v.number, v]));
  const depth = {};
  const d = (v) => (depth[v.number] ??= v.parent && byNum[v.parent] ? d(byNum[v.parent]) + 1 : 0);
  versions.forEach(d);
  const rows = {};
  const pos = {};
  const bw = 150, bh = 50, gx = 90, gy = 22;
  for (const v of versions.slice().sort((a, b) => a.number - b.number)) {
    const col = depth[v.number];
    rows[col] = (rows[col] || 0) + 1;
    pos[v.number] = { x: 10 + col * (bw + gx), y: 10 + (rows[col] - 1) * (bh + gy) };
  }
  const W = 10 + (Math.max(0, ...Object.values(depth)) + 1) * (bw + gx), H = 20 + Math.max(1, ...Object.values(rows)) * (bh + gy);
  const mid = `arrow${++arrowSeq}`;
  const parts = [s("defs", {}, s("marker", { id: mid, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" })))];
  for (const v of versions) {
    const p = pos[v.number];
    if (v.parent && pos[v.parent]) {
      const a = pos[v.parent];
      const from = v.provenance.comparison ? `comparison ${v.provenance.comparison}` : v.provenance.rounds.length ? `round${v.provenance.rounds.length > 1 ? "s" : ""} ${v.provenance.rounds.join(", ")}` : "edited";
      parts.push(s("path", { d: `M${a.x + bw},${a.y + bh / 2} C${a.x + bw + gx / 2},${a.y + bh / 2} ${p.x - gx / 2},${p.y + bh / 2} ${p.x},${p.y + bh / 2}`, class: "edge", "marker-end": `url(#${mid})` }),
        s("text", { x: (a.x + bw + p.x) / 2, y: (a.y + p.y) / 2 + bh / 2 - 5, "text-anchor": "middle", class: "sub" }, clip(from, 16)));
    }
    const link = s("a", { href: `#/models/${slug}/versions/${v.number}` },
      s("rect", { x: p.x, y: p.y, width: bw, height: bh, rx: 8 }),
      s("text", { x: p.x + bw / 2, y: p.y + 20, "text-anchor": "middle" }, `v${v.number} · ${v.status.replace("_", " ")}`),
      s("text", { x: p.x + bw / 2, y: p.y + 38, "text-anchor": "middle", class: "sub" }, v.kind === "rational_empirical" ? "rational-empirical" : "rational"));
    parts.push(s("g", { class: "node " + (v.status === "approved" ? "resolution" : v.status === "in_review" ? "marker" : "process") }, link));
  }
  // A group, not an image: each version's box is a link to it.
  const desc = `Lineage of ${slug}: ` + versions.map((v) => `v${v.number}${v.parent ? ` from v${v.parent}` : ""} (${v.status})`).join(", ");
  return s("svg", { class: "preview", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group", "aria-label": desc }, parts);
}
