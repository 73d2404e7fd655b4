import { describe, expect, it } from "vitest";
import { bubble, prefillText } from "./chat";

describe("chat bubble", () => {
  it("shows a hostile model answer as text, never as HTML", () => {
    const hostile = '<script>alert(1)</script><img src=x onerror="fetch(1)"> **bold**';
    const el = bubble("assistant", hostile, "grounded");
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector(".msg-text")!.textContent).toBe(hostile);
  });
});

describe("prefill progress", () => {
  it("states prompt tokens read of all, with a percentage", () => {
    expect(prefillText(128, 559)).toBe("Reading the facts: 128/559 prompt tokens (23%)");
    expect(prefillText(0, 0)).toBe("Reading the facts: 0/0 prompt tokens (100%)");
  });
});
