// Claim marks in a chat answer: each clinical claim the Rust check found is underlined, with a
// tooltip saying whether the facts support it, contradict it (and which fact), or say nothing;
// contradicted claims stand out. Also the facts card: exactly what the model was told. Text only,
// never HTML.
import type { ClaimView } from "./ipc/types";

const LABEL: Record<ClaimView["status"], string> = {
  supported: "Supported by the facts",
  contradicted: "Contradicted by the facts",
  not_in_facts: "Not in the facts given to the model",
};

/** The answer text with its claims wrapped in `<span class="claim claim-STATUS">`. */
export function markedAnswer(text: string, claims: ClaimView[]): DocumentFragment {
  const out = document.createDocumentFragment();
  let at = 0;
  const sorted = [...claims].sort((a, b) => a.start - b.start);
  for (const c of sorted) {
    if (c.start < at || c.end > text.length || c.end <= c.start) continue;
    if (c.start > at) out.append(document.createTextNode(text.slice(at, c.start)));
    const span = document.createElement("span");
    span.className = `claim claim-${c.status.replace(/_/g, "-")}`;
    span.textContent = text.slice(c.start, c.end);
    span.title = c.fact === null ? LABEL[c.status] : `${LABEL[c.status]}: ${c.fact}`;
    span.dataset.status = c.status;
    out.append(span);
    at = c.end;
  }
  if (at < text.length) out.append(document.createTextNode(text.slice(at)));
  return out;
}

/** A one-line count: "1 contradicted · 2 supported · 1 not in the facts". */
export function claimSummary(claims: ClaimView[]): string {
  const n = (s: ClaimView["status"]): number => claims.filter((c) => c.status === s).length;
  const parts: string[] = [];
  if (n("contradicted") > 0) parts.push(`${n("contradicted")} contradicted`);
  if (n("supported") > 0) parts.push(`${n("supported")} supported`);
  if (n("not_in_facts") > 0) parts.push(`${n("not_in_facts")} not in the facts`);
  return parts.length === 0 ? "no clinical claims found" : parts.join(" · ");
}

/** A collapsed card with exactly what the model was told. */
export function factsCard(facts: string): HTMLDetailsElement {
  const d = document.createElement("details");
  d.className = "facts-card";
  const s = document.createElement("summary");
  s.textContent = "What the model was told";
  const pre = document.createElement("pre");
  pre.textContent = facts;
  d.append(s, pre);
  return d;
}
