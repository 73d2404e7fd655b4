// Decoding the frames `render_frame` sends (the `wire` crate, crates/wire/src/lib.rs, is the
// reference; the two must stay in step). A message is u32 words, little-endian: magic "HLF1",
// width, height, frame id, base frame id (0: none), JSON byte length; the JSON (the frame's
// panel geometry and marks) padded to 4 bytes; then ops `count << 2 | tag` over the frame's
// pixels as one flat run: 0 copy from the row above, 1 copy from the base frame, 2 fill with the
// next word, 3 the next `count` words are the pixels. A pixel is a u32 over RGBA bytes, so the
// decoded Uint32Array's buffer is the ImageData's bytes as they are. A message whose frame id
// equals its base id (header only) says "unchanged": the answer is the held frame of that id.

export const MAGIC = 0x31464c48; // "HLF1" read as a little-endian u32
const HEADER_WORDS = 6;
const MAX_PIXELS = 8192 * 8192;

export interface WireFrame<Meta> {
  width: number;
  height: number;
  frameId: number;
  /** The frame the ops copied from (0: none). */
  baseId: number;
  /** The app answered "unchanged": `pixels` are the held frame `frameId`'s, `meta` is null. */
  unchanged: boolean;
  /** The JSON document carried with the pixels (null when the message has none). */
  meta: Meta;
  /** `width * height` pixels (RGBA bytes as little-endian u32). */
  pixels: Uint32Array<ArrayBuffer>;
}

/** A frame message names a base frame the caller does not hold (ask again without bases). */
export class MissingBaseError extends Error {
  constructor(readonly baseId: number) {
    super(`frame message refers to base frame ${baseId}, which is not held`);
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Decodes one message; `base(id)` returns a held frame's pixels. Throws on a malformed message. */
export function decodeFrame<Meta>(buffer: ArrayBuffer, base: (id: number) => Uint32Array | undefined): WireFrame<Meta> {
  if (!littleEndian) throw new Error("frame messages need a little-endian machine");
  if (buffer.byteLength < HEADER_WORDS * 4 || buffer.byteLength % 4 !== 0) throw new Error(`frame message truncated (${buffer.byteLength} bytes)`);
  const words = new Uint32Array(buffer);
  if (words[0] !== MAGIC) throw new Error(`not a frame message (first word 0x${words[0].toString(16)})`);
  const [width, height, frameId, baseId, jsonLength] = [words[1], words[2], words[3], words[4], words[5]];
  const len = width * height;
  if (len === 0 || len > MAX_PIXELS) throw new Error(`bad frame size ${width}x${height}`);
  if (HEADER_WORDS * 4 + jsonLength > buffer.byteLength) throw new Error("frame message truncated (JSON)");
  const meta = (jsonLength === 0 ? null : JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, HEADER_WORDS * 4, jsonLength)))) as Meta;
  let basePixels: Uint32Array | undefined;
  if (baseId !== 0) {
    basePixels = base(baseId);
    if (basePixels === undefined) throw new MissingBaseError(baseId);
  }
  if (frameId !== 0 && frameId === baseId) {
    if (basePixels === undefined || basePixels.length !== len) throw new Error(`unchanged frame ${frameId} of another size than the one held`);
    if (words.length !== HEADER_WORDS) throw new Error(`${words.length - HEADER_WORDS} words after an unchanged frame's header`);
    return { width, height, frameId, baseId, unchanged: true, meta, pixels: new Uint32Array(basePixels) };
  }
  const out = new Uint32Array(len);
  let k = HEADER_WORDS + Math.ceil(jsonLength / 4);
  let i = 0;
  while (i < len) {
    if (k >= words.length) throw new Error(`bad op at word ${k}: the ops end before the frame does`);
    const at = k;
    const word = words[k++];
    const n = word >>> 2;
    if (n === 0 || n > len - i) throw new Error(`bad op at word ${at}: run length is zero or past the frame's end`);
    switch (word & 3) {
      case 0: {
        if (i < width) throw new Error(`bad op at word ${at}: copy from above in the first row`);
        // Forward copy: a run longer than a row reads pixels this run wrote, so copy a row at most at a time.
        for (let done = 0; done < n; done += width) {
          const m = Math.min(width, n - done);
          out.copyWithin(i + done, i + done - width, i + done - width + m);
        }
        break;
      }
      case 1:
        if (basePixels === undefined || basePixels.length !== len) throw new Error(`bad op at word ${at}: copy from a base frame that is absent or of another size`);
        out.set(basePixels.subarray(i, i + n), i);
        break;
      case 2:
        if (k >= words.length) throw new Error(`bad op at word ${at}: fill without its pixel`);
        out.fill(words[k++], i, i + n);
        break;
      default:
        if (k + n > words.length) throw new Error(`bad op at word ${at}: fewer literal pixels than counted`);
        out.set(words.subarray(k, k + n), i);
        k += n;
    }
    i += n;
  }
  if (k !== words.length) throw new Error(`${words.length - k} words after the last op`);
  return { width, height, frameId, baseId, unchanged: false, meta, pixels: out };
}

/** FNV-1a (32-bit) over the pixels as words, as `wire::digest` computes it. */
export function digest(pixels: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pixels.length; i++) h = Math.imul(h ^ pixels[i], 0x01000193) >>> 0;
  return h;
}
