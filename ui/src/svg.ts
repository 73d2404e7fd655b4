// SVG elements built from an attribute map: the one place the UI calls createElementNS.

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element `tag` with `attrs` set (numbers written as strings). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}
