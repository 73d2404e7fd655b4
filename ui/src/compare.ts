// The Compare view: the open recording against a prior ECG of the same patient, as a
// cardiologist reads it first. Measurement deltas and statements new or resolved (computed in
// Rust by `reading::compare`), the two rhythm strips one above the other and the median beats
// overlaid lead by lead, all on one paper scale (25 mm/s, 10 mm/mV). Drawing is SVG built from
// the samples the command returns; nothing here computes a clinical value.
import { svg } from "./svg";
import type { CompareCandidate, CompareView, MeasurementDelta, MedianOverlay, MedianTrace, RhythmStrip } from "./ipc/types";

/** SVG user units per paper millimetre. */
export const UNITS_PER_MM = 4;
/** Paper speed and gain: the standard 25 mm/s and 10 mm/mV. */
export const MM_PER_S = 25;
export const MM_PER_MV = 10;
const PX_PER_S = MM_PER_S * UNITS_PER_MM;
const PX_PER_MV = MM_PER_MV * UNITS_PER_MM;

/**
 * An SVG path through `samples` (mV) drawn from `t0S` seconds at the paper scale, `baselineY`
 * the 0-mV line. A missing sample (null or NaN) breaks the line rather than drawing a zero.
 */
export function tracePath(samples: readonly (number | null)[], fsHz: number, t0S: number, baselineY: number, x0 = 0): string {
  const parts: string[] = [];
  let pen = false;
  samples.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = x0 + (t0S + i / fsHz) * PX_PER_S;
    const y = baselineY - v * PX_PER_MV;
    parts.push(`${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`);
    pen = true;
  });
  return parts.join(" ");
}

/** The label of a measurement row: "QTc (Bazett)" for the QTc rows. */
export function rowLabel(m: MeasurementDelta): string {
  return m.method === null ? m.label : `${m.label} (${m.method.charAt(0).toUpperCase()}${m.method.slice(1)})`;
}

/** "+38 ms", "−4 bpm", "0 ms"; "new" / "not measured now" when one side is missing. */
export function deltaText(m: MeasurementDelta): string {
  if (m.delta !== null) {
    const d = Math.round(m.delta);
    const sign = d > 0 ? "+" : d < 0 ? "−" : "";
    return `${sign}${Math.abs(d)} ${m.unit}`;
  }
  if (m.current !== null && m.prior === null) return "not measured before";
  if (m.current === null && m.prior !== null) return "not measured now";
  return "";
}

/** Whether a row changed by at least `minChange` (its unit) or was measured on one side only. */
export function changed(m: MeasurementDelta, minChange = 1): boolean {
  if (m.delta !== null) return Math.abs(m.delta) >= minChange;
  return (m.current === null) !== (m.prior === null);
}

/** Millimetre paper: 1-mm and 5-mm lines, as on the tracing. */
function paper(id: string, width: number, height: number): SVGSVGElement {
  const s = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "paper" });
  const defs = svg("defs", {});
  const small = svg("pattern", { id: `${id}-mm`, width: UNITS_PER_MM, height: UNITS_PER_MM, patternUnits: "userSpaceOnUse" });
  small.append(svg("path", { d: `M ${UNITS_PER_MM} 0 L 0 0 0 ${UNITS_PER_MM}`, fill: "none", stroke: "#f6c9cf", "stroke-width": 0.5 }));
  const big = svg("pattern", { id: `${id}-5mm`, width: 5 * UNITS_PER_MM, height: 5 * UNITS_PER_MM, patternUnits: "userSpaceOnUse" });
  big.append(svg("rect", { width: 5 * UNITS_PER_MM, height: 5 * UNITS_PER_MM, fill: `url(#${id}-mm)` }));
  big.append(svg("path", { d: `M ${5 * UNITS_PER_MM} 0 L 0 0 0 ${5 * UNITS_PER_MM}`, fill: "none", stroke: "#eb8f9b", "stroke-width": 1 }));
  defs.append(small, big);
  s.append(defs, svg("rect", { width, height, fill: `url(#${id}-5mm)` }));
  return s;
}

function label(text: string, x: number, y: number, cls = ""): SVGTextElement {
  const t = svg("text", { x, y, class: `paper-label ${cls}`.trim() });
  t.textContent = text;
  return t;
}

/** One rhythm strip on its own paper (10 s at 25 mm/s = 1000 units wide, 30 mm high). */
function stripSvg(strip: RhythmStrip, caption: string, cls: string, id: string): SVGSVGElement {
  const width = Math.ceil((strip.samplesMv.length / strip.fsHz) * PX_PER_S);
  const height = 30 * UNITS_PER_MM;
  const s = paper(id, width, height);
  s.append(svg("path", { d: tracePath(strip.samplesMv, strip.fsHz, 0, height * 0.6), class: `trace ${cls}` }));
  s.append(label(`${caption} · ${strip.lead}`, 6, 14));
  return s;
}

function medianPath(t: MedianTrace, baselineY: number, fiducialX: number): string {
  return tracePath(t.samplesMv, t.fsHz, -t.fiducialSample / t.fsHz, baselineY, fiducialX);
}

/** A lead's median beats overlaid, aligned on their fiducial points: now solid, prior dashed. */
function medianSvg(m: MedianOverlay, id: string): SVGSVGElement {
  const traces = [m.current, m.prior].filter((t): t is MedianTrace => t !== null);
  const before = Math.max(...traces.map((t) => t.fiducialSample / t.fsHz));
  const after = Math.max(...traces.map((t) => (t.samplesMv.length - t.fiducialSample) / t.fsHz));
  const width = Math.ceil((before + after) * PX_PER_S);
  const height = 25 * UNITS_PER_MM;
  const s = paper(id, width, height);
  const fx = before * PX_PER_S;
  if (m.prior !== null) s.append(svg("path", { d: medianPath(m.prior, height * 0.6, fx), class: "trace prior" }));
  if (m.current !== null) s.append(svg("path", { d: medianPath(m.current, height * 0.6, fx), class: "trace current" }));
  s.append(label(m.lead, 4, 12));
  s.dataset.lead = m.lead;
  return s;
}

/** The result of a comparison: heading, deltas, statement changes, strips and medians. */
export function compareResult(v: CompareView, currentPath: string): HTMLElement {
  const root = document.createElement("section");
  root.id = "compare-result";
  const h = document.createElement("h2");
  h.id = "compare-heading";
  h.textContent = v.lines[0] ?? "Compared with the prior ECG";
  const files = document.createElement("p");
  files.className = "note";
  files.textContent = `Now: ${currentPath} · Prior: ${v.priorPath} · 25 mm/s, 10 mm/mV`;
  root.append(h, files);

  const table = document.createElement("table");
  table.id = "compare-deltas";
  const head = table.insertRow();
  for (const t of ["", "Prior", "Now", "Change"]) {
    const th = document.createElement("th");
    th.textContent = t;
    head.append(th);
  }
  for (const m of v.comparison.measurements) {
    if (m.current === null && m.prior === null) continue;
    const tr = table.insertRow();
    tr.dataset.name = m.method === null ? m.name : `${m.name}:${m.method}`;
    if (changed(m)) tr.classList.add("changed");
    const fmt = (x: number | null) => (x === null ? "—" : `${Math.round(x)} ${m.unit}`);
    for (const t of [rowLabel(m), fmt(m.prior), fmt(m.current), deltaText(m)]) tr.insertCell().textContent = t;
  }
  root.append(table);

  const statements = document.createElement("ul");
  statements.id = "compare-statements";
  const item = (cls: string, prefix: string, text: string) => {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = `${prefix}${text}`;
    statements.append(li);
  };
  for (const s of v.comparison.new_statements) item("new", "New: ", s);
  for (const s of v.comparison.resolved_statements) item("resolved", "Resolved: ", s);
  if (v.comparison.new_statements.length === 0 && v.comparison.resolved_statements.length === 0) item("same", "", "Statements unchanged");
  root.append(statements);

  const strips = document.createElement("div");
  strips.id = "compare-strips";
  if (v.currentStrip !== null) strips.append(stripSvg(v.currentStrip, "Now", "current", "strip-now"));
  if (v.priorStrip !== null) strips.append(stripSvg(v.priorStrip, `Prior${v.comparison.prior_time ? ` (${v.comparison.prior_time})` : ""}`, "prior", "strip-prior"));
  root.append(strips);

  const medians = document.createElement("div");
  medians.id = "compare-medians";
  const legend = document.createElement("p");
  legend.className = "note";
  legend.textContent = "Median beats, aligned on the QRS: now solid, prior dashed.";
  medians.append(legend, ...v.medians.map((m, i) => medianSvg(m, `median-${i}`)));
  root.append(medians);
  return root;
}

/** The chooser: the store's other recordings, the same patient's first. */
export function comparePage(
  candidates: CompareCandidate[],
  currentPath: string,
  on: { compare: (priorId: number) => Promise<CompareView>; close: () => void; error: (e: unknown) => void },
): HTMLElement {
  const root = document.createElement("div");
  root.id = "compare";
  root.className = "compare";
  const bar = document.createElement("div");
  bar.className = "compare-bar";
  const title = document.createElement("strong");
  title.textContent = "Compare with a prior ECG";
  const select = document.createElement("select");
  select.id = "compare-prior";
  for (const c of candidates) {
    const o = document.createElement("option");
    o.value = String(c.recordingId);
    const who = c.patientName ?? "patient not stated";
    o.textContent = `${c.samePatient ? "Same patient · " : ""}${c.startTime ?? "time not stated"} · ${c.format} · ${who} · ${c.path}`;
    select.append(o);
  }
  const go = document.createElement("button");
  go.id = "compare-go";
  go.textContent = "Compare";
  go.disabled = candidates.length === 0;
  const close = document.createElement("button");
  close.id = "compare-close";
  close.textContent = "Close";
  close.addEventListener("click", on.close);
  bar.append(title, select, go, close);
  const body = document.createElement("div");
  body.className = "compare-body";
  if (candidates.length === 0) {
    body.textContent = "No other recording in the store yet: open the prior ECG once (Open…), then compare.";
  } else if (!candidates[0].samePatient) {
    body.textContent = "No other recording of this patient is in the store; choose one by hand.";
  }
  go.addEventListener("click", async () => {
    go.disabled = true;
    body.textContent = "Comparing (the prior ECG is analysed if it was not)…";
    try {
      body.replaceChildren(compareResult(await on.compare(Number(select.value)), currentPath));
    } catch (e) {
      body.textContent = "";
      on.error(e);
    } finally {
      go.disabled = false;
    }
  });
  root.append(bar, body);
  return root;
}
