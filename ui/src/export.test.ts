import { describe, expect, it } from "vitest";
import { defaultReportPath, withExtension } from "./export";

describe("export paths", () => {
  it("puts the report beside the recording", () => {
    expect(defaultReportPath("/data/ludb/1.hea")).toBe("/data/ludb/1-report.pdf");
    expect(defaultReportPath("C:\\ecg\\a.b.xml")).toBe("C:\\ecg\\a.b-report.pdf");
    expect(defaultReportPath("noext")).toBe("noext-report.pdf");
  });

  it("swaps the extension for PNG and CSV", () => {
    expect(withExtension("/x/y-report.pdf", "png")).toBe("/x/y-report.png");
    expect(withExtension("/x.d/report", "csv")).toBe("/x.d/report.csv");
  });
});
