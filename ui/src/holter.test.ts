import { describe, expect, it, vi } from "vitest";
import { clockText, durationText, eventList, holterMap, hourBands, hourTicks, kindLabel, markWindow, minutePath, rateText, summaryText, trendScale, TREND_PAD } from "./holter";
import type { HolterEvent, HolterOverview } from "./ipc/types";

const pause: HolterEvent = { kind: "pause", start_s: 1200.5, end_s: 1203.7, beats: null, rate_bpm: null, first_beat: null, detail: null };
const af: HolterEvent = { kind: "atrial_fibrillation", start_s: 2400, end_s: 2700, beats: null, rate_bpm: 104.6, first_beat: null, detail: null };
const vt: HolterEvent = { kind: "ventricular_tachycardia", start_s: 3000, end_s: 3002.8, beats: 8, rate_bpm: 150.2, first_beat: 3500, detail: null };

/** Two hours: 60 bpm in the first, 90 in the second, minute 5 without a rate. */
function overview(): HolterOverview {
  return {
    summary: {
      analysis_version: "t",
      fs_hz: 250,
      duration_s: 7200,
      chunks: 24,
      af_burden: 0.0417,
      representative_window_s: [0, 300],
      counts: { N: 8000, V: 12, S: 3 },
    },
    hourly: [
      { hour: 0, beats: 3600, min_bpm: 55, mean_bpm: 60, max_bpm: 65 },
      { hour: 1, beats: 5400, min_bpm: 85, mean_bpm: 90, max_bpm: 118 },
    ],
    minutes: Array.from({ length: 120 }, (_, m) => ({ minute: m, beats: 60, mean_bpm: m === 5 ? null : m < 60 ? 60 : 90 })),
    events: [pause, af, vt],
  };
}

describe("event text", () => {
  it("names kinds, times, durations and rates as a reader says them", () => {
    expect(kindLabel("ventricular_tachycardia")).toBe("VT run");
    expect(kindLabel("atrial_fibrillation")).toBe("AF episode");
    expect(clockText(3 * 3600 + 5 * 60 + 7.9)).toBe("3:05:07");
    expect(clockText(-2)).toBe("0:00:00");
    expect(durationText(pause)).toBe("3.2 s");
    expect(durationText(af)).toBe("5 min 0 s");
    expect(rateText(pause)).toBe("");
    expect(rateText(af)).toBe("mean 105 bpm");
    expect(rateText(vt)).toBe("8 beats · 150 bpm");
    expect(summaryText(overview())).toBe("2.0 h · 8015 beats · V 12 · S 3 · AF burden 4.2 %");
  });
});

describe("trend geometry", () => {
  it("maps the whole recording across the plot and rounds the rate axis out to 10 bpm", () => {
    const sc = trendScale(overview(), 1000, 120);
    expect(sc.x(0)).toBe(TREND_PAD.left);
    expect(sc.x(7200)).toBe(1000 - TREND_PAD.right);
    expect([sc.bpmLow, sc.bpmHigh]).toEqual([50, 120]);
    expect(sc.y(120)).toBe(TREND_PAD.top);
    expect(sc.y(50)).toBe(120 - TREND_PAD.bottom);
    expect(sc.timeAt(sc.x(3600))).toBeCloseTo(3600, 6);
    expect(sc.timeAt(-50)).toBe(0);
  });

  it("breaks the minute line where a minute has no rate and draws each hour's band", () => {
    const o = overview();
    const sc = trendScale(o, 1000, 120);
    const d = minutePath(o, sc);
    expect(d.match(/M/g)?.length).toBe(2);
    expect(d.split(/[ML]/).filter((p) => p.trim() !== "").length).toBe(119);
    const bands = hourBands(o, sc);
    expect(bands.map((b) => b.hour)).toEqual([0, 1]);
    expect(bands[1].y).toBeCloseTo(sc.y(118), 6);
    expect(bands[1].y + bands[1].h).toBeCloseTo(sc.y(85), 6);
    expect(bands[0].x + bands[0].w).toBeCloseTo(bands[1].x, 6);
  });

  it("spaces hour ticks at least 40 px apart", () => {
    expect(hourTicks(7200, 1000)).toEqual([0, 1, 2]);
    expect(hourTicks(86400, 600)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(hourTicks(86400, 200)).toEqual([0, 6, 12, 18, 24]);
  });
});

describe("the map", () => {
  it("lists every event in time order and jumps to the one clicked", () => {
    const onJump = vi.fn();
    const list = eventList(overview(), { onJump });
    const rows = [...list.querySelectorAll<HTMLTableRowElement>("tr.holter-event")];
    expect(rows.map((r) => r.dataset.kind)).toEqual(["pause", "atrial_fibrillation", "ventricular_tachycardia"]);
    expect([...rows[0].querySelectorAll("td")].map((td) => td.textContent)).toEqual(["Pause", "0:20:00", "3.2 s", ""]);
    rows[1].querySelector<HTMLButtonElement>("button.jump")!.click();
    expect(onJump).toHaveBeenCalledWith(2400);
    expect(onJump).toHaveBeenCalledTimes(1);
  });

  it("draws the trend with AF shaded, event ticks and the window marker; a click jumps to the time under it", () => {
    const onJump = vi.fn();
    const map = holterMap(overview(), 1000, { onJump });
    const trend = map.querySelector<SVGSVGElement>("#holter-trend");
    expect(trend).not.toBeNull();
    expect(map.querySelectorAll(".trend-band").length).toBe(2);
    expect(map.querySelectorAll(".trend-af").length).toBe(1);
    expect([...map.querySelectorAll(".trend-event")].map((e) => e.getAttribute("class"))).toEqual(["trend-event pause", "trend-event ventricular_tachycardia"]);
    expect(map.querySelector(".trend-line")?.getAttribute("d")).toMatch(/^M/);
    markWindow(map, overview(), 3600, 10);
    const w = map.querySelector<SVGRectElement>("#holter-window")!;
    const sc = trendScale(overview(), 1000, 120);
    expect(Number(w.getAttribute("x"))).toBeCloseTo(sc.x(3600), 1);
    expect(w.dataset.startS).toBe("3600.000");
    // jsdom lays nothing out: the trend's box is 0 wide, so a click maps to its left edge.
    trend!.getBoundingClientRect = () => ({ left: 0, top: 0, width: 1000, height: 120, right: 1000, bottom: 120, x: 0, y: 0, toJSON: () => ({}) });
    trend!.dispatchEvent(new MouseEvent("click", { clientX: sc.x(5400), clientY: 50 }));
    expect(onJump).toHaveBeenCalledTimes(1);
    expect(onJump.mock.calls[0][0]).toBeCloseTo(5400, 6);
  });

  it("says so when nothing was found", () => {
    const o = { ...overview(), events: [] };
    expect(eventList(o, { onJump: () => undefined }).textContent).toContain("No pauses, runs or AF episodes found.");
  });
});
