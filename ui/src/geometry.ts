// Pointer <-> (seconds, microvolts) mapping from the renderer's panel geometry. This is the only
// unit conversion the UI does; every saved number comes from Rust.
import type { PanelGeometry } from "./ipc/types";

export interface PointOnTrace {
  panel: PanelGeometry;
  timeS: number;
  amplitudeUv: number;
}

/** The panel under a frame pixel, if any. */
export function panelAt(panels: PanelGeometry[], x: number, y: number): PanelGeometry | null {
  for (const p of panels) {
    const [px, py, w, h] = p.rect_px;
    if (x >= px && x < px + w && y >= py && y < py + h) return p;
  }
  return null;
}

/** Time and amplitude at a frame pixel. */
export function pointAt(panels: PanelGeometry[], x: number, y: number): PointOnTrace | null {
  const panel = panelAt(panels, x, y);
  if (panel === null) return null;
  return {
    panel,
    timeS: panel.t0_s + (x - panel.rect_px[0]) * panel.seconds_per_px,
    amplitudeUv: (panel.baseline_y_px - y) * panel.microvolts_per_px,
  };
}

/** Frame x pixel of a time inside a panel. */
export function xOfTime(panel: PanelGeometry, timeS: number): number {
  return panel.rect_px[0] + (timeS - panel.t0_s) / panel.seconds_per_px;
}

/** Formats a readout: "1.234 s · 0.52 mV". */
export function readout(p: PointOnTrace): string {
  return `${p.panel.lead} · ${p.timeS.toFixed(3)} s · ${(p.amplitudeUv / 1000).toFixed(2)} mV`;
}

/** A caliper between two points on the same panel: interval in ms, amplitude difference in mV, rate. */
export function caliper(a: PointOnTrace, b: PointOnTrace): { intervalMs: number; deltaMv: number; rateBpm: number | null } {
  const intervalMs = Math.abs(b.timeS - a.timeS) * 1000;
  return {
    intervalMs,
    deltaMv: (b.amplitudeUv - a.amplitudeUv) / 1000,
    rateBpm: intervalMs > 0 ? 60000 / intervalMs : null,
  };
}

/** Times of marching-caliper ticks: the interval repeated from `startS` across the panel's
 * visible time (both directions), at most `max` ticks. */
export function marchingTicks(panel: PanelGeometry, startS: number, intervalS: number, max = 200): number[] {
  if (!(intervalS > 0)) return [startS];
  const t0 = panel.t0_s;
  const t1 = panel.t0_s + panel.rect_px[2] * panel.seconds_per_px;
  const first = startS - Math.floor((startS - t0) / intervalS) * intervalS;
  const out: number[] = [];
  for (let t = first; t <= t1 + 1e-9 && out.length < max; t += intervalS) out.push(t);
  return out;
}

/** Caliper readout: "412 ms · 146 bpm · Δ 0.12 mV". */
export function caliperText(c: { intervalMs: number; deltaMv: number; rateBpm: number | null }): string {
  const rate = c.rateBpm === null ? "" : ` · ${Math.round(c.rateBpm)} bpm`;
  return `${Math.round(c.intervalMs)} ms${rate} · Δ ${c.deltaMv.toFixed(2)} mV`;
}

/** Magnifications the viewer steps through (1 = true scale: 25 mm/s is 25 mm on screen). */
export const ZOOMS = [0.5, 0.75, 1, 1.5, 2, 3, 4] as const;

/** The zoom step nearest to `z`. */
export function nearestZoom(z: number): number {
  if (!Number.isFinite(z) || z <= 0) return 1;
  return ZOOMS.reduce((best, s) => (Math.abs(Math.log(s / z)) < Math.abs(Math.log(best / z)) ? s : best), 1 as number);
}

/** The next zoom step in or out from `z`. */
export function stepZoom(z: number, direction: 1 | -1): number {
  const i = ZOOMS.indexOf(nearestZoom(z) as (typeof ZOOMS)[number]);
  return ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, i + direction))];
}
