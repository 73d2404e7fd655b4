import { describe, expect, it } from "vitest";
import { bubble } from "./chat";

describe("chat bubble", () => {
  it("shows a hostile model answer as text, never as HTML", () => {
    const hostile = '<script>alert(1)</script><img src=x onerror="fetch(1)"> **bold**';
    const el = bubble("assistant", hostile, "grounded");
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector(".msg-text")!.textContent).toBe(hostile);
  });
});
