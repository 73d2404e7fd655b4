// Evidence on the tracing: where a statement's leads and beats are, where a measurement was
// taken, and which wave mark the pointer is on. Pure frame-pixel geometry from the renderer's
// panel geometry (the numbers come from Rust), plus one SVG overlay drawn from it. These are
// transient highlights: nothing here is committed or rendered into the frame.
import type { MarkGeometry, MeasurementCaliper, PanelGeometry, StatementEvidence } from "./ipc/types";
import { xOfTime } from "./geometry";
import { svg } from "./svg";

/** A rectangle in frame pixels: x, y, width, height. */
export type Rect = [number, number, number, number];

/** What is highlighted: a statement's evidence or a measurement's caliper. */
export type Highlight =
  | { kind: "statement"; key: string; label: string; evidence: StatementEvidence }
  | { kind: "caliper"; key: string; label: string; caliper: MeasurementCaliper };

/** Half-width of the band drawn around a beat's R peak, seconds (a QRS and its neighbourhood). */
export const BEAT_BAND_S = 0.2;

function panelEndS(p: PanelGeometry): number {
  return p.t0_s + p.rect_px[2] * p.seconds_per_px;
}

/** The part of [a, b] seconds that a panel shows, as an x range in frame pixels. */
function xRange(p: PanelGeometry, a: number, b: number): [number, number] | null {
  const lo = Math.max(a, p.t0_s);
  const hi = Math.min(b, panelEndS(p));
  if (!(hi > lo)) return null;
  return [xOfTime(p, lo), xOfTime(p, hi)];
}

/** Cells to tint (the statement's leads) and bands to draw (its beats, in every cell showing them). */
export function evidenceShapes(panels: PanelGeometry[], ev: StatementEvidence): { cells: Rect[]; bands: Rect[] } {
  const leads = new Set(ev.leads);
  const cells = panels.filter((p) => leads.has(p.lead)).map((p) => [...p.rect_px] as Rect);
  const bands: Rect[] = [];
  for (const t of ev.beatTimesS) {
    for (const p of panels) {
      const r = xRange(p, t - BEAT_BAND_S, t + BEAT_BAND_S);
      if (r !== null) bands.push([r[0], p.rect_px[1], r[1] - r[0], p.rect_px[3]]);
    }
  }
  return { cells, bands };
}

/** Panels that show the whole caliper, widest first (the rhythm strip before a 2.5-s cell). */
export function caliperPanels(panels: PanelGeometry[], c: MeasurementCaliper): PanelGeometry[] {
  return panels
    .filter((p) => c.startS >= p.t0_s && c.endS <= panelEndS(p))
    .sort((a, b) => b.rect_px[2] - a.rect_px[2]);
}

/** The caliper's two lines (x in frame pixels) and the panel rectangle they span. */
export function caliperShape(p: PanelGeometry, c: MeasurementCaliper): { x1: number; x2: number; rect: Rect } {
  return { x1: xOfTime(p, c.startS), x2: xOfTime(p, c.endS), rect: [...p.rect_px] as Rect };
}

/** The caliper's text: "QT 470 ms on this beat (median beat 476 ms) · QRS onset to T offset". */
export function caliperLabel(label: string, c: MeasurementCaliper): string {
  const median = c.medianMs === null ? "" : ` (median beat ${Math.round(c.medianMs)} ms)`;
  return `${label} ${Math.round(c.beatMs)} ms on beat ${c.beat + 1}${median} · ${c.span}`;
}

/** The wave mark nearest to a frame pixel within `radius` pixels, if any. */
export function markAt(marks: MarkGeometry[], x: number, y: number, radius: number): MarkGeometry | null {
  let best: MarkGeometry | null = null;
  let bestD = radius * radius;
  for (const m of marks) {
    const d = (m.x_px - x) ** 2 + (m.y_px - y) ** 2;
    if (d <= bestD) {
      best = m;
      bestD = d;
    }
  }
  return best;
}

/** Toggles a highlight: the same key again clears it. */
export function toggle(current: Highlight | null, next: Highlight): Highlight | null {
  return current !== null && current.key === next.key ? null : next;
}

function rect(r: Rect, cls: string): SVGRectElement {
  return svg("rect", { class: cls, x: r[0], y: r[1], width: Math.max(0, r[2]), height: Math.max(0, r[3]) });
}

function line(x: number, y1: number, y2: number, cls: string): SVGLineElement {
  return svg("line", { class: cls, x1: x, x2: x, y1, y2 });
}

/** Draws `h` into an SVG whose viewBox is the frame (width x height pixels); empty for null. */
export function drawHighlight(svg: SVGSVGElement, panels: PanelGeometry[], width: number, height: number, h: Highlight | null): void {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const parts: SVGElement[] = [];
  if (h?.kind === "statement") {
    const { cells, bands } = evidenceShapes(panels, h.evidence);
    parts.push(...cells.map((c) => rect(c, "evidence-cell")), ...bands.map((b) => rect(b, "evidence-beat")));
  } else if (h?.kind === "caliper") {
    for (const p of caliperPanels(panels, h.caliper)) {
      const s = caliperShape(p, h.caliper);
      const [, y, , ph] = s.rect;
      parts.push(rect([s.x1, y, s.x2 - s.x1, ph], "evidence-span"), line(s.x1, y, y + ph, "evidence-caliper"), line(s.x2, y, y + ph, "evidence-caliper"));
    }
  }
  svg.replaceChildren(...parts);
  svg.dataset.highlight = h === null ? "" : h.key;
  svg.style.display = parts.length > 0 ? "block" : "none";
}
