import { describe, expect, it } from "vitest";
import { summaryView } from "./summary";

describe("summaryView", () => {
  it("renders a hostile patient name as text, not HTML", () => {
    const el = summaryView({
      path: "/x.hea",
      format: "WFDB",
      durationS: 10,
      startTime: null,
      patientName: '<img src=x onerror="alert(1)">',
      leads: [{ name: "II", samplingRateHz: 500, nSamples: 5000, derived: false, notAnalysed: null }],
      warnings: [],
    });
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(el.querySelectorAll("tr").length).toBe(1);
  });

  it("says beside a channel why the analysis leaves it out", () => {
    const el = summaryView({
      path: "/x.edf",
      format: "EDF+",
      durationS: 10,
      startTime: null,
      patientName: null,
      leads: [
        { name: "II", samplingRateHz: 500, nSamples: 5000, derived: false, notAnalysed: null },
        { name: "Resp thorax", samplingRateHz: 500, nSamples: 5000, derived: false, notAnalysed: "respiration, not an ECG lead" },
      ],
      warnings: [],
    });
    const rows = el.querySelectorAll("tr");
    expect(rows[0].className).toBe("");
    expect(rows[0].textContent).not.toContain("not analysed");
    expect(rows[1].className).toBe("not-analysed");
    expect(rows[1].textContent).toContain("not analysed: respiration, not an ECG lead");
  });
});
