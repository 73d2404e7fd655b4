// The tracing: frames drawn by the Rust renderer, blitted into a <canvas>. The UI draws only
// transient overlays (hover readout, the selection being dragged) from the frame's geometry.
// Pan: drag moves the last frame with a CSS transform at once; the new frame replaces it when
// ready. Shift-drag selects a time range to annotate.
import { frameGeometry, renderFrame } from "./ipc";
import type { PanelGeometry, ViewSettings } from "./ipc/types";
import { pointAt, readout, type PointOnTrace } from "./geometry";

export interface ViewerEvents {
  /** The user dragged the paper: new window start. */
  onPan(startS: number): void;
  /** The user shift-dragged a range on a lead. */
  onSelect(lead: string, startS: number, endS: number): void;
  /** A frame failed to render. */
  onError(message: string): void;
}

export class Viewer {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly hover: HTMLDivElement;
  private readonly selection: HTMLDivElement;
  private panels: PanelGeometry[] = [];
  private pending = 0;
  private drag: { x0: number; startS: number; select: PointOnTrace | null } | null = null;

  constructor(private readonly events: ViewerEvents) {
    this.element = document.createElement("div");
    this.element.className = "viewer";
    this.canvas = document.createElement("canvas");
    this.canvas.id = "tracing";
    this.hover = document.createElement("div");
    this.hover.className = "hover-readout";
    this.hover.id = "hover-readout";
    this.selection = document.createElement("div");
    this.selection.className = "selection";
    this.element.append(this.canvas, this.selection, this.hover);
    this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
    this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
    this.canvas.addEventListener("pointerup", (e) => this.onUp(e));
    this.canvas.addEventListener("pointerleave", () => {
      this.hover.textContent = "";
    });
  }

  /** Frame pixel coordinates of a pointer event. */
  private framePoint(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const sx = this.canvas.width / Math.max(1, r.width);
    const sy = this.canvas.height / Math.max(1, r.height);
    return [(e.clientX - r.left) * sx, (e.clientY - r.top) * sy];
  }

  private onMove(e: PointerEvent): void {
    const [x, y] = this.framePoint(e);
    const p = pointAt(this.panels, x, y);
    this.hover.textContent = p === null ? "" : readout(p);
    if (this.drag === null) return;
    const dx = e.clientX - this.drag.x0;
    if (this.drag.select !== null) {
      const left = Math.min(e.clientX, this.drag.x0) - this.element.getBoundingClientRect().left;
      this.selection.style.display = "block";
      this.selection.style.left = `${left}px`;
      this.selection.style.width = `${Math.abs(dx)}px`;
    } else {
      this.canvas.style.transform = `translateX(${dx}px)`;
    }
  }

  private onDown(e: PointerEvent): void {
    const [x, y] = this.framePoint(e);
    const p = pointAt(this.panels, x, y);
    this.drag = { x0: e.clientX, startS: p?.timeS ?? 0, select: e.shiftKey && p !== null ? p : null };
    this.canvas.setPointerCapture(e.pointerId);
  }

  private onUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    this.selection.style.display = "none";
    if (drag === null) return;
    const dxCss = e.clientX - drag.x0;
    if (drag.select !== null) {
      const [x, y] = this.framePoint(e);
      const end = pointAt(this.panels, x, Math.min(y, drag.select.panel.rect_px[1] + drag.select.panel.rect_px[3] - 1));
      const endS = end !== null && end.panel.lead === drag.select.panel.lead ? end.timeS : drag.select.timeS;
      this.events.onSelect(drag.select.panel.lead, Math.min(drag.select.timeS, endS), Math.max(drag.select.timeS, endS));
      return;
    }
    if (Math.abs(dxCss) < 3 || this.panels.length === 0) {
      this.canvas.style.transform = "";
      return;
    }
    const scale = this.canvas.width / Math.max(1, this.canvas.getBoundingClientRect().width);
    const secondsPerPx = this.panels[0].seconds_per_px;
    this.events.onPan(Math.max(0, this.panels[0].t0_s - dxCss * scale * secondsPerPx));
  }

  /** Requests and shows a frame for `view` at the element's size. Older responses are dropped. */
  async draw(recordingId: number, view: ViewSettings): Promise<void> {
    const ticket = ++this.pending;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(16, Math.round(this.element.clientWidth * dpr));
    const height = Math.max(16, Math.round(this.element.clientHeight * dpr));
    try {
      const rgba = await renderFrame(recordingId, view, width, height);
      const panels = await frameGeometry();
      if (ticket !== this.pending) return;
      this.canvas.width = width;
      this.canvas.height = height;
      const ctx = this.canvas.getContext("2d");
      if (ctx === null) throw new Error("no 2D canvas context");
      ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
      this.canvas.style.transform = "";
      this.panels = panels;
      this.canvas.dataset.frame = String(ticket);
      this.canvas.dataset.panels = panels.map((p) => p.lead).join(",");
    } catch (e) {
      if (ticket === this.pending) this.events.onError(typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e));
    }
  }

  /** The geometry of the frame on screen. */
  geometry(): PanelGeometry[] {
    return this.panels;
  }
}
