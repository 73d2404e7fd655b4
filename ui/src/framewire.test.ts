import { describe, expect, it } from "vitest";
import { decodeFrame, digest, MAGIC, MissingBaseError } from "./framewire";
// Messages encoded by the Rust `wire` crate (crates/wire/tests/ui_fixture.rs keeps this current).
import fixture from "./testdata/wire-fixture.json";

function bytes(hex: string): ArrayBuffer {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out.buffer;
}

/** A small deterministic generator (xorshift32), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A message from a list of ops, with the frame they describe worked out pixel by pixel. */
function randomMessage(next: () => number, width: number, height: number, base: Uint32Array | null): { message: ArrayBuffer; pixels: Uint32Array } {
  const len = width * height;
  const pixels = new Uint32Array(len);
  const words: number[] = [MAGIC, width, height, 9, base === null ? 0 : 8, 2, 0x20207d7b]; // JSON "{}" padded with spaces
  let i = 0;
  while (i < len) {
    const n = 1 + (next() % Math.min(len - i, 3 * width));
    const tags = [2, 3, ...(i >= width ? [0] : []), ...(base !== null ? [1] : [])];
    const tag = tags[next() % tags.length];
    words.push(((n << 2) | tag) >>> 0);
    for (let j = i; j < i + n; j++) {
      if (tag === 0) pixels[j] = pixels[j - width];
      else if (tag === 1) pixels[j] = base![j];
    }
    if (tag === 2) {
      const c = next();
      words.push(c);
      pixels.fill(c, i, i + n);
    } else if (tag === 3) {
      for (let j = i; j < i + n; j++) {
        pixels[j] = next();
        words.push(pixels[j]);
      }
    }
    i += n;
  }
  return { message: new Uint32Array(words).buffer, pixels };
}

describe("frame messages", () => {
  it("decodes the Rust encoder's messages to its frames, alone and on a base frame", () => {
    const first = decodeFrame<{ panels: { lead: string }[] }>(bytes(fixture.messages.first), () => undefined);
    expect(first.width).toBe(fixture.width);
    expect(first.height).toBe(fixture.height);
    expect(first.baseId).toBe(0);
    expect(first.meta.panels[0].lead).toBe("II");
    expect(Array.from(first.pixels)).toEqual(fixture.first);
    expect(digest(first.pixels)).toBe(fixture.firstDigest);

    const onFirst = decodeFrame(bytes(fixture.messages.secondOnFirst), (id) => (id === first.frameId ? first.pixels : undefined));
    expect(onFirst.baseId).toBe(first.frameId);
    expect(Array.from(onFirst.pixels)).toEqual(fixture.second);
    expect(digest(onFirst.pixels)).toBe(fixture.secondDigest);
    const alone = decodeFrame(bytes(fixture.messages.secondAlone), () => undefined);
    expect(Array.from(alone.pixels)).toEqual(fixture.second);
    expect(fixture.messages.secondOnFirst.length).toBeLessThan(fixture.messages.secondAlone.length);
    expect(first.unchanged).toBe(false);
  });

  it("reads an unchanged answer as the held frame", () => {
    const first = decodeFrame(bytes(fixture.messages.first), () => undefined);
    const same = decodeFrame(bytes(fixture.messages.unchangedFirst), (id) => (id === first.frameId ? first.pixels : undefined));
    expect(same.unchanged).toBe(true);
    expect(same.frameId).toBe(first.frameId);
    expect(same.meta).toBeNull();
    expect(Array.from(same.pixels)).toEqual(fixture.first);
    expect(() => decodeFrame(bytes(fixture.messages.unchangedFirst), () => undefined)).toThrow(MissingBaseError);
    expect(() => decodeFrame(bytes(fixture.messages.unchangedFirst), () => new Uint32Array(3))).toThrow(/another size/);
  });

  it("decodes random op streams (long copies from above span rows)", () => {
    const next = rng(19);
    for (let c = 0; c < 300; c++) {
      const width = 1 + (next() % 24);
      const height = 1 + (next() % 16);
      const base = c % 2 === 0 ? null : new Uint32Array(width * height).map(() => next());
      const { message, pixels } = randomMessage(next, width, height, base);
      const got = decodeFrame(message, (id) => (id === 8 && base !== null ? base : undefined));
      expect(Array.from(got.pixels)).toEqual(Array.from(pixels));
    }
  });

  it("names a missing base frame and rejects malformed messages", () => {
    expect(() => decodeFrame(bytes(fixture.messages.secondOnFirst), () => undefined)).toThrow(MissingBaseError);
    const good = bytes(fixture.messages.first);
    expect(() => decodeFrame(good.slice(0, 16), () => undefined)).toThrow(/truncated/);
    expect(() => decodeFrame(good.slice(0, good.byteLength - 4), () => undefined)).toThrow(/bad op/);
    const extra = new Uint8Array(good.byteLength + 4);
    extra.set(new Uint8Array(good));
    expect(() => decodeFrame(extra.buffer, () => undefined)).toThrow(/after the last op/);
    const wrong = new Uint32Array(good.slice(0));
    wrong[0] = 0;
    expect(() => decodeFrame(wrong.buffer, () => undefined)).toThrow(/not a frame message/);
    // A copy from above in the first row.
    const above = new Uint32Array([MAGIC, 4, 2, 1, 0, 0, (3 << 2) | 0]);
    expect(() => decodeFrame(above.buffer, () => undefined)).toThrow(/first row/);
  });

  it("digests like wire::digest", () => {
    expect(digest(new Uint32Array([]))).toBe(0x811c9dc5);
    expect(digest(new Uint32Array([0, 1, 0xffffffff]))).toBe(0xda51811f);
  });
});
