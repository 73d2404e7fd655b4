import { describe, expect, it } from "vitest";
import { caliperLabel, caliperPanels, caliperShape, drawHighlight, evidenceShapes, markAt, toggle, type Highlight } from "./evidence";
import type { MeasurementCaliper, PanelGeometry } from "./ipc/types";

// A 3x4+1-like page: a 2.5-s V1 cell (100 px/s) and a 10-s rhythm strip of II below it.
const v1: PanelGeometry = { rect_px: [100, 0, 250, 100], lead: "V1", seconds_per_px: 0.01, microvolts_per_px: 10, baseline_y_px: 60, t0_s: 5 };
const strip: PanelGeometry = { rect_px: [100, 300, 1000, 100], lead: "II", seconds_per_px: 0.01, microvolts_per_px: 10, baseline_y_px: 360, t0_s: 0 };
const panels = [v1, strip];

const qt: MeasurementCaliper = { name: "qt_ms", span: "QRS onset to T offset", beat: 1, startS: 1.16, endS: 1.56, beatMs: 400, medianMs: 404 };

describe("statement evidence", () => {
  it("tints the statement's leads and bands its beats wherever they are shown", () => {
    const s = evidenceShapes(panels, { code: "vpc", leads: ["V1"], beatTimesS: [6, 9.9] });
    expect(s.cells).toEqual([[100, 0, 250, 100]]);
    // Beat at 6 s: in the V1 cell (5..7.5 s) and on the strip; at 9.9 s only on the strip,
    // clipped to its right edge.
    expect(s.bands).toHaveLength(3);
    const [inCell, onStrip, clipped] = s.bands;
    expect(inCell[0]).toBeCloseTo(180);
    expect(inCell[2]).toBeCloseTo(40);
    expect(inCell[1]).toBe(0);
    expect(onStrip[0]).toBeCloseTo(680);
    expect(onStrip[1]).toBe(300);
    expect(clipped[0] + clipped[2]).toBeCloseTo(1100);
  });

  it("draws nothing for evidence outside the frame", () => {
    const s = evidenceShapes(panels, { code: "x", leads: ["V6"], beatTimesS: [42] });
    expect(s).toEqual({ cells: [], bands: [] });
  });
});

describe("measurement calipers", () => {
  it("go on the panels that show the whole interval, the rhythm strip first", () => {
    expect(caliperPanels(panels, qt)).toEqual([strip]);
    const both = { ...qt, startS: 5.2, endS: 5.6 };
    expect(caliperPanels(panels, both).map((p) => p.lead)).toEqual(["II", "V1"]);
    const s = caliperShape(strip, qt);
    expect(s.x1).toBeCloseTo(216);
    expect(s.x2).toBeCloseTo(256);
  });

  it("say what was measured and where", () => {
    expect(caliperLabel("QT", qt)).toBe("QT 400 ms on beat 2 (median beat 404 ms) · QRS onset to T offset");
    expect(caliperLabel("RR", { ...qt, medianMs: null, beatMs: 800.4, span: "R to R" })).toBe("RR 800 ms on beat 2 · R to R");
  });
});

describe("highlights", () => {
  const h: Highlight = { kind: "caliper", key: "m:qt_ms", label: "QT", caliper: qt };

  it("toggle off when the same item is clicked again", () => {
    expect(toggle(null, h)).toBe(h);
    expect(toggle(h, h)).toBeNull();
    const other: Highlight = { ...h, key: "m:pr_ms" };
    expect(toggle(h, other)).toBe(other);
  });

  it("draw into an SVG in frame pixels and clear", () => {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    drawHighlight(svg, panels, 1200, 500, h);
    expect(svg.getAttribute("viewBox")).toBe("0 0 1200 500");
    expect(svg.querySelectorAll("line.evidence-caliper")).toHaveLength(2);
    expect(svg.dataset.highlight).toBe("m:qt_ms");
    drawHighlight(svg, panels, 1200, 500, { kind: "statement", key: "s:vpc", label: "VPC", evidence: { code: "vpc", leads: ["V1"], beatTimesS: [6] } });
    expect(svg.querySelectorAll("rect.evidence-cell")).toHaveLength(1);
    expect(svg.querySelectorAll("rect.evidence-beat")).toHaveLength(2);
    drawHighlight(svg, panels, 1200, 500, null);
    expect(svg.childElementCount).toBe(0);
    expect(svg.style.display).toBe("none");
  });
});

describe("wave marks on hover", () => {
  it("name the nearest mark within the radius", () => {
    const marks = [
      { x_px: 10, y_px: 10, lead: "II", text: "P onset", time_s: 0.1 },
      { x_px: 14, y_px: 10, lead: "II", text: "P offset", time_s: 0.2 },
    ];
    expect(markAt(marks, 13, 11, 5)?.text).toBe("P offset");
    expect(markAt(marks, 40, 40, 5)).toBeNull();
  });
});
