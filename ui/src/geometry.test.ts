import { describe, expect, it } from "vitest";
import { caliper, caliperText, marchingTicks, nearestZoom, panelAt, pointAt, stepZoom, xOfTime } from "./geometry";
import type { PanelGeometry } from "./ipc/types";

// 25 mm/s and 10 mm/mV at 4 px/mm: 0.01 s per px, 25 uV per px.
const panel: PanelGeometry = {
  rect_px: [100, 50, 1000, 200],
  lead: "II",
  seconds_per_px: 0.01,
  microvolts_per_px: 25,
  baseline_y_px: 150,
  t0_s: 2.5,
};

describe("geometry", () => {
  it("maps pixels to seconds and microvolts using the panel's calibration", () => {
    const p = pointAt([panel], 200, 110);
    expect(p).not.toBeNull();
    expect(p!.timeS).toBeCloseTo(3.5, 9);
    expect(p!.amplitudeUv).toBeCloseTo(1000, 9);
    expect(xOfTime(panel, 3.5)).toBeCloseTo(200, 9);
  });

  it("finds no panel outside every rect", () => {
    expect(panelAt([panel], 99, 60)).toBeNull();
    expect(panelAt([panel], 1100, 60)).toBeNull();
  });

  it("measures a caliper interval and rate", () => {
    const a = pointAt([panel], 200, 150)!;
    const b = pointAt([panel], 280, 130)!;
    const c = caliper(a, b);
    expect(c.intervalMs).toBeCloseTo(800, 6);
    expect(c.rateBpm).toBeCloseTo(75, 6);
    expect(c.deltaMv).toBeCloseTo(0.5, 9);
  });
});

describe("marching calipers", () => {
  const panel = { rect_px: [0, 0, 1000, 100] as [number, number, number, number], lead: "II", seconds_per_px: 0.01, microvolts_per_px: 10, baseline_y_px: 50, t0_s: 2 };
  it("repeats the interval across the visible window", () => {
    const ticks = marchingTicks(panel, 5, 0.8);
    expect(ticks[0]).toBeCloseTo(2.6);
    expect(ticks.some((t) => Math.abs(t - 5) < 1e-9)).toBe(true);
    expect(ticks[ticks.length - 1]).toBeLessThanOrEqual(12);
    expect(ticks.length).toBe(12);
  });
  it("reads out interval, rate and amplitude", () => {
    expect(caliperText({ intervalMs: 800, deltaMv: 0.125, rateBpm: 75 })).toBe("800 ms · 75 bpm · Δ 0.13 mV");
  });
});

describe("zoom steps", () => {
  it("steps through the magnifications and clamps at the ends", () => {
    expect(stepZoom(1, 1)).toBe(1.5);
    expect(stepZoom(1, -1)).toBe(0.75);
    expect(stepZoom(4, 1)).toBe(4);
    expect(stepZoom(0.5, -1)).toBe(0.5);
    expect(nearestZoom(1.9)).toBe(2);
    expect(nearestZoom(Number.NaN)).toBe(1);
  });
});
