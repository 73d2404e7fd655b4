import { describe, expect, it } from "vitest";
import { evidenceSummary, formatValue, highlightKey, reviewPanel, statementText, visibleRows } from "./review";
import type { MeasurementRow, ReviewView, StoredStatement } from "./ipc/types";

const row = (name: string, method: string | null, value: number | null): MeasurementRow => ({
  name,
  label: name,
  unit: "ms",
  method,
  analysed: value,
  value,
  overridden_by: null,
  version: 0,
});

const statement = (over: Partial<StoredStatement>): StoredStatement => ({
  id: 1,
  recording_id: 1,
  code: "sinus_rhythm",
  text: "Sinus rhythm",
  criterion: "P before every QRS",
  state: "suggested",
  edited_text: null,
  actor: null,
  at_ms: 0,
  version: 1,
  ...over,
});

describe("review panel", () => {
  it("shows QTc for the chosen formula only", () => {
    const rows = [row("qt_ms", null, 400), row("qtc_ms", "bazett", 440), row("qtc_ms", "hodges", 430)];
    expect(visibleRows(rows, "hodges").map((r) => r.method)).toEqual([null, "hodges"]);
  });

  it("formats missing and measured values", () => {
    expect(formatValue(null, "ms")).toBe("—");
    expect(formatValue(401.6, "ms")).toBe("402");
    expect(formatValue(-32.2, "°")).toBe("-32");
  });

  it("prints edited statements with the clinician's text and renders markup as text", () => {
    expect(statementText(statement({ state: "edited", edited_text: "Sinus bradycardia" }))).toBe("Sinus bradycardia");
    const hostile = "<img src=x onerror=alert(1)>";
    const view: ReviewView = {
      rows: [row("qt_ms", null, 400)],
      qtcFormula: "bazett",
      statements: [statement({ text: hostile })],
      signature: { signer: "<b>Dr</b>", meaning: "Read and confirmed", time: "2026-11-22 10:00 UTC" },
      analysisBand: "0.5-40 Hz",
      atrialFibrillation: false,
      evidence: [],
      calipers: [],
    };
    const ev = { onFormula() {}, onSetValue() {}, onReset() {}, onStatement() {}, onSign() {}, onEvidence() {}, onCaliper() {} };
    const el = reviewPanel(view, "me", ev);
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("b")).toBeNull();
    expect(el.textContent).toContain(hostile);
    expect(el.querySelector("#signature")?.textContent).toContain("Signed by <b>Dr</b>");
    // Signed: nothing is editable.
    expect([...el.querySelectorAll("button")].every((b) => b.disabled)).toBe(true);
  });

  it("offers a statement's evidence and a measurement's caliper by click", () => {
    const evidence = { code: "ventricular_premature_complexes", leads: ["V1"], beatTimesS: [1.2, 4.5] };
    const caliper = { name: "qt_ms", span: "QRS onset to T offset", beat: 1, startS: 1.1, endS: 1.5, beatMs: 400, medianMs: 404 };
    const view: ReviewView = {
      rows: [row("qt_ms", null, 400), row("pr_ms", null, 160)],
      qtcFormula: "bazett",
      statements: [statement({}), statement({ id: 2, code: evidence.code, text: "Ventricular premature complexes" })],
      signature: null,
      analysisBand: "0.5-40 Hz",
      atrialFibrillation: false,
      evidence: [evidence],
      calipers: [caliper],
    };
    const shown: string[] = [];
    const ev = {
      onFormula() {},
      onSetValue() {},
      onReset() {},
      onStatement() {},
      onSign() {},
      onEvidence: (s: StoredStatement, e: typeof evidence) => shown.push(`${s.code}:${e.beatTimesS.length}`),
      onCaliper: (r: MeasurementRow, c: typeof caliper) => shown.push(`${r.name}:${c.beatMs}`),
    };
    const el = reviewPanel(view, "me", ev, highlightKey("statement", evidence.code));
    const items = [...el.querySelectorAll<HTMLLIElement>("#statements li")];
    expect(items.map((li) => li.classList.contains("has-evidence"))).toEqual([false, true]);
    expect(items[1].classList.contains("highlighted")).toBe(true);
    items[0].querySelector<HTMLElement>(".statement-text")!.click();
    items[1].querySelector<HTMLElement>(".statement-text")!.click();
    el.querySelector<HTMLElement>("tr[data-name=qt_ms] td.measurement-label")!.click();
    el.querySelector<HTMLElement>("tr[data-name=pr_ms] td.measurement-label")!.click();
    expect(shown).toEqual(["ventricular_premature_complexes:2", "qt_ms:400"]);
    expect(evidenceSummary(evidence)).toBe("lead V1 · 2 beats");
    expect(evidenceSummary({ code: "x", leads: ["I", "aVL"], beatTimesS: [] })).toBe("leads I, aVL");
  });
});
