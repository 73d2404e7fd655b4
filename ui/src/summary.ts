// Renders a recording summary as DOM nodes. File metadata is always text, never HTML.
import type { RecordingSummary } from "./ipc/types";

export function summaryView(s: RecordingSummary): HTMLElement {
  const root = document.createElement("section");
  root.className = "panel summary";
  const title = document.createElement("h2");
  title.textContent = `${s.format} · ${s.durationS.toFixed(1)} s · ${s.leads.length} leads`;
  root.append(title);
  if (s.patientName !== null) {
    const p = document.createElement("p");
    p.className = "patient";
    p.textContent = `Patient: ${s.patientName}`;
    root.append(p);
  }
  if (s.startTime !== null) {
    const p = document.createElement("p");
    p.textContent = `Recorded: ${s.startTime}`;
    root.append(p);
  }
  const table = document.createElement("table");
  for (const lead of s.leads) {
    const tr = document.createElement("tr");
    // A channel the analysis leaves out says why: its statements rest on the other leads.
    const notAnalysed = lead.notAnalysed === null ? "" : `not analysed: ${lead.notAnalysed}`;
    if (lead.notAnalysed !== null) tr.className = "not-analysed";
    for (const text of [lead.name, `${lead.samplingRateHz} Hz`, `${lead.nSamples} samples`, lead.derived ? "derived" : "", notAnalysed]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    table.append(tr);
  }
  root.append(table);
  for (const w of s.warnings) {
    const p = document.createElement("p");
    p.className = "warning";
    p.textContent = `Warning: ${w}`;
    root.append(p);
  }
  return root;
}
