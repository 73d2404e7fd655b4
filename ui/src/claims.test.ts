import { describe, expect, it } from "vitest";
import { claimSummary, factsCard, markedAnswer } from "./claims";
import type { ClaimView } from "./ipc/types";

const claims: ClaimView[] = [
  { text: "102 bpm", start: 4, end: 11, status: "contradicted", fact: "measured heart rate 61 bpm" },
  { text: "sinus rhythm", start: 13, end: 25, status: "supported", fact: 'statement "Sinus rhythm"' },
];

describe("claim marks", () => {
  it("wraps each claim with its status and fact, keeping the text intact", () => {
    const text = "HR: 102 bpm, sinus rhythm. <b>x</b>";
    const div = document.createElement("div");
    div.append(markedAnswer(text, claims));
    expect(div.textContent).toBe(text);
    expect(div.querySelector("b")).toBeNull();
    const spans = div.querySelectorAll<HTMLSpanElement>("span.claim");
    expect(spans.length).toBe(2);
    expect(spans[0].className).toBe("claim claim-contradicted");
    expect(spans[0].textContent).toBe("102 bpm");
    expect(spans[0].title).toBe("Contradicted by the facts: measured heart rate 61 bpm");
    expect(spans[1].dataset.status).toBe("supported");
  });

  it("ignores overlapping or out-of-range claims instead of breaking the text", () => {
    const text = "short";
    const div = document.createElement("div");
    div.append(markedAnswer(text, [{ text: "x", start: 3, end: 40, status: "not_in_facts", fact: null }]));
    expect(div.textContent).toBe(text);
    expect(div.querySelectorAll("span").length).toBe(0);
  });

  it("summarises and shows the facts as text", () => {
    expect(claimSummary(claims)).toBe("1 contradicted · 1 supported");
    expect(claimSummary([])).toBe("no clinical claims found");
    const card = factsCard("<script>x</script>ECG recording:");
    expect(card.querySelector("script")).toBeNull();
    expect(card.querySelector("pre")!.textContent).toContain("ECG recording:");
  });
});
