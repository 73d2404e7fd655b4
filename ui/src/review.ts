// The review panel: the measurement table (the clinician's corrections next to the analysed
// values, QTc formula of choice), the statements to confirm / reject / edit, and sign-off.
// Everything shown is text; every change goes through Rust, which audits it. Clicking a
// statement with evidence, or a measurement's name, asks the viewer to show where it comes from.
import type { MeasurementCaliper, MeasurementRow, ReviewView, StatementEvidence, StatementState, StoredStatement } from "./ipc/types";

export const QTC_FORMULAS = ["bazett", "fridericia", "framingham", "hodges"] as const;
export const SIGN_MEANINGS = ["Read and confirmed", "Reviewed", "Overread with changes"] as const;

export interface ReviewEvents {
  onFormula(formula: string): void;
  onSetValue(row: MeasurementRow, value: number): void;
  onReset(row: MeasurementRow): void;
  onStatement(s: StoredStatement, decision: StatementState, text: string | null): void;
  onSign(signer: string, meaning: string): void;
  /** The reader clicked a statement that names leads or beats. */
  onEvidence(s: StoredStatement, evidence: StatementEvidence): void;
  /** The reader clicked the name of a measurement the analysis can place on a beat. */
  onCaliper(row: MeasurementRow, caliper: MeasurementCaliper): void;
}

/** The highlight key of a statement or a measurement (what `selected` names). */
export function highlightKey(kind: "statement" | "measurement", id: string): string {
  return kind === "statement" ? `s:${id}` : `m:${id}`;
}

/** The rows the table shows: QTc only for the chosen formula. */
export function visibleRows(rows: MeasurementRow[], formula: string): MeasurementRow[] {
  return rows.filter((r) => r.name !== "qtc_ms" || r.method === formula);
}

/** A value as the table prints it ("—" when not measured). */
export function formatValue(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return "—";
  return unit === "bpm" || unit === "ms" || unit === "°" ? `${Math.round(v)}` : v.toFixed(2);
}

/** The text a statement shows (the clinician's edit when edited). */
export function statementText(s: StoredStatement): string {
  return s.state === "edited" && s.edited_text !== null ? s.edited_text : s.text;
}

function button(text: string, cls: string, onClick: () => void, disabled: boolean): HTMLButtonElement {
  const b = document.createElement("button");
  b.textContent = text;
  b.className = cls;
  b.disabled = disabled;
  b.addEventListener("click", onClick);
  return b;
}

function measurementTable(r: ReviewView, locked: boolean, ev: ReviewEvents, selected: string | null): HTMLTableElement {
  const table = document.createElement("table");
  table.id = "measurements";
  for (const row of visibleRows(r.rows, r.qtcFormula)) {
    const tr = document.createElement("tr");
    tr.dataset.name = row.name;
    const label = document.createElement("td");
    label.className = "measurement-label";
    label.textContent = row.label;
    const cal = (r.calipers ?? []).find((c) => c.name === row.name);
    if (cal !== undefined) {
      tr.classList.add("has-caliper");
      tr.classList.toggle("highlighted", selected === highlightKey("measurement", row.name));
      label.title = `Show where ${row.label} was measured`;
      label.addEventListener("click", (e) => {
        const t = e.target as HTMLElement;
        if (t.tagName !== "SELECT" && t.tagName !== "OPTION") ev.onCaliper(row, cal);
      });
    }
    if (row.name === "qtc_ms") {
      const sel = document.createElement("select");
      sel.id = "qtc-formula";
      for (const f of QTC_FORMULAS) {
        const o = document.createElement("option");
        o.value = f;
        o.textContent = f[0].toUpperCase() + f.slice(1);
        sel.append(o);
      }
      sel.value = r.qtcFormula;
      sel.addEventListener("change", () => ev.onFormula(sel.value));
      label.append(" ", sel);
    }
    const value = document.createElement("td");
    const input = document.createElement("input");
    input.type = "number";
    input.className = "measurement-value";
    input.value = row.value === null ? "" : formatValue(row.value, row.unit);
    input.disabled = locked;
    input.title = "Type a corrected value and press Enter";
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      const v = Number(input.value);
      if (input.value.trim() !== "" && Number.isFinite(v)) ev.onSetValue(row, v);
    });
    value.append(input, ` ${row.unit}`);
    const note = document.createElement("td");
    note.className = "measurement-note";
    if (row.overridden_by !== null) {
      note.textContent = `by ${row.overridden_by}; analysed ${formatValue(row.analysed, row.unit)}`;
      note.append(" ", button("↺", "reset", () => ev.onReset(row), locked));
    }
    tr.append(label, value, note);
    table.append(tr);
  }
  return table;
}

function statementList(r: ReviewView, locked: boolean, ev: ReviewEvents, selected: string | null): HTMLUListElement {
  const ul = document.createElement("ul");
  ul.id = "statements";
  for (const s of r.statements) {
    const li = document.createElement("li");
    li.className = `statement ${s.state}`;
    li.dataset.code = s.code;
    const text = document.createElement("span");
    text.className = "statement-text";
    text.textContent = statementText(s);
    const state = document.createElement("span");
    state.className = "statement-state";
    state.textContent = s.actor !== null && s.state !== "suggested" ? ` ${s.state} by ${s.actor}` : ` ${s.state}`;
    li.append(text, state);
    const evidence = (r.evidence ?? []).find((e) => e.code === s.code);
    if (evidence !== undefined) {
      li.classList.add("has-evidence");
      li.classList.toggle("highlighted", selected === highlightKey("statement", s.code));
      text.title = "Show the leads and beats it rests on";
      text.addEventListener("click", () => ev.onEvidence(s, evidence));
    }
    if (s.criterion !== null) {
      const c = document.createElement("div");
      c.className = "criterion";
      c.textContent = s.criterion;
      li.append(c);
    }
    li.append(
      button("Confirm", "confirm", () => ev.onStatement(s, "confirmed", null), locked),
      button("Reject", "reject", () => ev.onStatement(s, "rejected", null), locked),
      button(
        "Edit",
        "edit",
        () => {
          const t = window.prompt("Statement text", statementText(s));
          if (t !== null && t.trim() !== "") ev.onStatement(s, "edited", t.trim());
        },
        locked,
      ),
    );
    ul.append(li);
  }
  return ul;
}

function signBlock(r: ReviewView, defaultSigner: string, ev: ReviewEvents): HTMLElement {
  const div = document.createElement("div");
  div.id = "signature";
  if (r.signature !== null) {
    div.className = "signed";
    div.textContent = `Signed by ${r.signature.signer} · ${r.signature.meaning} · ${r.signature.time}`;
    return div;
  }
  const name = document.createElement("input");
  name.id = "signer";
  name.value = defaultSigner;
  name.placeholder = "Signer name";
  const meaning = document.createElement("select");
  meaning.id = "sign-meaning";
  for (const m of SIGN_MEANINGS) {
    const o = document.createElement("option");
    o.value = m;
    o.textContent = m;
    meaning.append(o);
  }
  const go = button(
    "Sign",
    "sign",
    () => {
      if (name.value.trim() === "") return;
      if (window.confirm(`Sign as ${name.value.trim()} (${meaning.value})? The recording becomes read-only.`)) {
        ev.onSign(name.value.trim(), meaning.value);
      }
    },
    false,
  );
  go.id = "sign";
  div.append(name, " ", meaning, " ", go);
  return div;
}

/** What a statement's evidence covers: "leads V1, II · 3 beats". */
export function evidenceSummary(e: StatementEvidence): string {
  const parts: string[] = [];
  if (e.leads.length > 0) parts.push(`${e.leads.length === 1 ? "lead" : "leads"} ${e.leads.join(", ")}`);
  if (e.beatTimesS.length > 0) parts.push(`${e.beatTimesS.length} ${e.beatTimesS.length === 1 ? "beat" : "beats"}`);
  return parts.join(" · ");
}

export function reviewPanel(r: ReviewView, defaultSigner: string, ev: ReviewEvents, selected: string | null = null): HTMLElement {
  const locked = r.signature !== null;
  const root = document.createElement("section");
  root.className = "panel review";
  root.id = "review";
  const h = document.createElement("h3");
  h.textContent = "Measurements";
  const band = document.createElement("div");
  band.className = "band";
  band.textContent = `Measured through ${r.analysisBand}${r.atrialFibrillation ? " · atrial fibrillation: no P waves" : ""}`;
  const hs = document.createElement("h3");
  hs.textContent = "Statements";
  root.append(h, band, measurementTable(r, locked, ev, selected), hs, statementList(r, locked, ev, selected), signBlock(r, defaultSigner, ev));
  return root;
}
