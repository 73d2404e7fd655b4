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
      leads: [{ name: "II", samplingRateHz: 500, nSamples: 5000, derived: false }],
      warnings: [],
    });
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(el.querySelectorAll("tr").length).toBe(1);
  });
});
