import { describe, expect, it } from "vitest";
import { changed, compareResult, deltaText, rowLabel, tracePath, UNITS_PER_MM } from "./compare";
import type { CompareView, MeasurementDelta } from "./ipc/types";

const row = (over: Partial<MeasurementDelta>): MeasurementDelta => ({
  name: "qtc_ms",
  label: "QTc",
  method: "bazett",
  unit: "ms",
  current: 453,
  prior: 415,
  delta: 38,
  ...over,
});

describe("trace paths", () => {
  it("draws at 25 mm/s and 10 mm/mV and breaks at missing samples", () => {
    // 4 samples at 250 Hz: 4 ms apart = 0.1 mm; 1 mV = 10 mm up from the baseline.
    const d = tracePath([0, 1, null, 0.5], 250, 0, 100);
    expect(d).toBe(`M0.0 100.0 L${(0.1 * UNITS_PER_MM).toFixed(1)} ${(100 - 10 * UNITS_PER_MM).toFixed(1)} M${(0.3 * UNITS_PER_MM).toFixed(1)} ${(100 - 5 * UNITS_PER_MM).toFixed(1)}`);
    expect(tracePath([NaN, NaN], 500, 0, 0)).toBe("");
  });

  it("aligns a median beat on its fiducial point", () => {
    // Fiducial at sample 2 of 500 Hz, drawn from x = 40: sample 2 lands on x = 40.
    const d = tracePath([0, 0, 1], 500, -2 / 500, 50, 40);
    expect(d.split(" ").slice(-2)).toEqual(["L40.0", (50 - 10 * UNITS_PER_MM).toFixed(1)]);
  });
});

describe("measurement deltas", () => {
  it("words each change with its sign and unit", () => {
    expect(rowLabel(row({}))).toBe("QTc (Bazett)");
    expect(deltaText(row({}))).toBe("+38 ms");
    expect(deltaText(row({ label: "Heart rate", method: null, unit: "bpm", delta: -4.4 }))).toBe("−4 bpm");
    expect(deltaText(row({ delta: null, prior: null }))).toBe("not measured before");
    expect(deltaText(row({ delta: null, current: null }))).toBe("not measured now");
  });

  it("marks a row changed from the minimum change or a side missing", () => {
    expect(changed(row({ delta: 0.4 }))).toBe(false);
    expect(changed(row({ delta: -12 }))).toBe(true);
    expect(changed(row({ delta: null, prior: null }))).toBe(true);
    expect(changed(row({ delta: null, prior: null, current: null }))).toBe(false);
  });
});

describe("the comparison view", () => {
  const view: CompareView = {
    comparison: {
      prior_time: "2025-03-01T09:00:00",
      current_time: "2026-03-01T09:00:00",
      measurements: [row({}), row({ name: "pr_ms", label: "PR", method: null, current: null, prior: null, delta: null })],
      new_statements: ["Prolonged QT"],
      resolved_statements: ["Ventricular premature complexes"],
      unchanged_statements: ["Sinus rhythm"],
    },
    lines: ["Compared with the ECG of 2025-03-01T09:00:00"],
    priorPath: "/ecg/prior.xml",
    medians: [
      { lead: "II", current: { fsHz: 500, samplesMv: [0, 1, 0], fiducialSample: 1 }, prior: { fsHz: 250, samplesMv: [0, 0.8, 0], fiducialSample: 1 } },
      { lead: "V1", current: null, prior: { fsHz: 500, samplesMv: [0, -1, 0], fiducialSample: 1 } },
    ],
    currentStrip: { lead: "II", fsHz: 250, samplesMv: [0, 0.5, 1, 0.5, 0] },
    priorStrip: { lead: "II", fsHz: 250, samplesMv: [0, 0.4, null, 0.4, 0] },
  };

  it("shows the heading, deltas, statement changes, two strips and the medians", () => {
    const el = compareResult(view, "/ecg/now.xml");
    expect(el.querySelector("#compare-heading")?.textContent).toBe("Compared with the ECG of 2025-03-01T09:00:00");
    const rows = el.querySelectorAll("#compare-deltas tr");
    expect(rows).toHaveLength(2); // header + QTc; PR measured on neither side is left out
    expect(rows[1].classList.contains("changed")).toBe(true);
    expect(rows[1].textContent).toContain("+38 ms");
    expect(el.querySelector("#compare-statements .new")?.textContent).toBe("New: Prolonged QT");
    expect(el.querySelector("#compare-statements .resolved")?.textContent).toBe("Resolved: Ventricular premature complexes");
    const strips = el.querySelectorAll("#compare-strips svg");
    expect(strips).toHaveLength(2);
    // Same scale: both 5 samples at 250 Hz -> the same width.
    expect(strips[0].getAttribute("width")).toBe(strips[1].getAttribute("width"));
    expect(el.querySelectorAll("#compare-medians svg")).toHaveLength(2);
    expect(el.querySelectorAll('#compare-medians svg[data-lead="V1"] path.trace')).toHaveLength(1);
  });
});
