import { describe, expect, it } from "vitest";
import { parseFilter, parseMarks, toolbar } from "./toolbar";
import type { ViewSettings } from "./ipc/types";

const view: ViewSettings = {
  layout: "3x4+1",
  cabrera: false,
  speedMmS: 25,
  gainMmMv: 10,
  grid: true,
  startS: 0,
  pxPerMm: 3.78,
  zoom: 1,
  filter: "monitoring50",
  marks: "none",
};

describe("toolbar", () => {
  it("shows the filter band and reports changes", () => {
    const patches: Partial<ViewSettings>[] = [];
    const bar = toolbar(view, 60_000, (p) => patches.push(p));
    const sel = bar.querySelector<HTMLSelectElement>("#filter")!;
    expect(sel.value).toBe("monitoring50");
    expect(sel.selectedOptions[0].textContent).toBe("0.5-40 Hz, notch 50 Hz");
    sel.value = "diagnostic";
    sel.dispatchEvent(new Event("change", { bubbles: true }));
    expect(patches).toEqual([{ filter: "diagnostic" }]);
  });

  it("draws very long recordings as recorded", () => {
    const sel = toolbar(view, 50_000_000, () => undefined).querySelector<HTMLSelectElement>("#filter")!;
    expect(sel.disabled).toBe(true);
    expect(sel.value).toBe("off");
  });

  it("offers clean paper, the file's or the analysis' marks", () => {
    const patches: Partial<ViewSettings>[] = [];
    const sel = toolbar(view, 60_000, (p) => patches.push(p)).querySelector<HTMLSelectElement>("#marks")!;
    expect(sel.value).toBe("none");
    expect([...sel.options].map((o) => o.value)).toEqual(["none", "file", "analysis"]);
    sel.value = "analysis";
    sel.dispatchEvent(new Event("change", { bubbles: true }));
    expect(patches).toEqual([{ marks: "analysis" }]);
  });

  it("reads views saved before marks existed as clean paper", () => {
    expect(parseMarks(undefined)).toBe("none");
    expect(parseMarks("bogus")).toBe("none");
    expect(parseMarks("file")).toBe("file");
  });

  it("reads unknown stored filters as off", () => {
    expect(parseFilter(null)).toBe("off");
    expect(parseFilter({})).toBe("off");
    expect(parseFilter("monitoring60")).toBe("monitoring60");
  });
});
