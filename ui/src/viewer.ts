// The tracing: frames drawn by the Rust renderer, blitted into a <canvas>. The UI draws only
// transient overlays (hover readout, the selection being dragged) from the frame's geometry.
// Pan: drag moves the last frame with a CSS transform at once; the new frame replaces it when
// ready. Shift-drag selects a time range to annotate on that lead (Ctrl+Shift-drag: all leads). Alt-drag (or drag in caliper mode) lays a
// caliper: interval, rate and amplitude difference, with marching ticks repeating the interval
// across the lead for rhythm; it stays until the next drag or Escape and can be saved.
// Wave marks are drawn unlabelled; hovering one names it. A statement's evidence or a
// measurement's caliper is shown in an SVG layer over the frame (see evidence.ts).
import { frameTiming, renderFrame } from "./ipc";
import type { FrameMeta, FrameRecord, MarkGeometry, PanelGeometry, ViewSettings } from "./ipc/types";
import { decodeFrame, MissingBaseError, type WireFrame } from "./framewire";
import { drawHighlight, markAt, type Highlight } from "./evidence";
import { svg } from "./svg";
import { caliper, caliperText, marchingTicks, pointAt, readout, xOfTime, type PointOnTrace } from "./geometry";

export interface ViewerEvents {
  /** The user dragged the paper: new window start. */
  onPan(startS: number): void;
  /** The user shift-dragged a range on a lead (Ctrl+Shift: on all leads). */
  onSelect(lead: string, startS: number, endS: number, allLeads: boolean): void;
  /** The user saved a caliper on a lead. */
  onCaliper(lead: string, startS: number, endS: number, intervalMs: number): void;
  /** A frame failed to render. */
  onError(message: string): void;
}

/** The latency benchmark's switches (`bench/render/app_latency.sh`); off in normal use. */
/** Frames the viewer keeps for the next frames to be encoded against (`SentFrames::KEEP` in the app). */
const HELD_FRAMES = 4;

interface Measured {
  heartlensMeasure?: boolean;
  heartlensFrames?: FrameRecord[];
}

export class Viewer {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly hover: HTMLDivElement;
  private readonly selection: HTMLDivElement;
  private panels: PanelGeometry[] = [];
  private marks: MarkGeometry[] = [];
  private highlight: Highlight | null = null;
  private readonly evidenceLayer: SVGSVGElement;
  private readonly evidenceLabel: HTMLDivElement;
  private pending = 0;
  /** The last decoded frames, newest last: the app sends a new frame as the difference from one. */
  private held: WireFrame<FrameMeta>[] = [];
  /** The id of the frame the canvas shows. */
  private shown = 0;
  private drag: { x0: number; startS: number; select: PointOnTrace | null; caliper: PointOnTrace | null } | null = null;
  private readonly caliperLayer: HTMLDivElement;
  /** Drag lays calipers instead of panning (toolbar toggle). */
  caliperMode = false;

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
    this.caliperLayer = document.createElement("div");
    this.caliperLayer.className = "caliper-layer";
    this.caliperLayer.id = "caliper";
    this.evidenceLayer = svg("svg", { id: "evidence-layer", class: "evidence-layer", preserveAspectRatio: "none" });
    this.evidenceLabel = document.createElement("div");
    this.evidenceLabel.className = "evidence-label";
    this.evidenceLabel.id = "evidence-label";
    this.element.append(this.canvas, this.evidenceLayer, this.selection, this.caliperLayer, this.evidenceLabel, this.hover);
    window.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.clearCaliper();
    });
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
    const mark = markAt(this.marks, x, y, 6 * (window.devicePixelRatio || 1));
    this.hover.textContent = mark !== null ? `${mark.lead} · ${mark.text} · ${mark.time_s.toFixed(3)} s` : p === null ? "" : readout(p);
    this.hover.classList.toggle("on-mark", mark !== null);
    if (this.drag === null) return;
    const dx = e.clientX - this.drag.x0;
    if (this.drag.caliper !== null) {
      const end = p !== null && p.panel.lead === this.drag.caliper.panel.lead ? p : null;
      if (end !== null) this.showCaliper(this.drag.caliper, end, false);
    } else if (this.drag.select !== null) {
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
    const measuring = (e.altKey || this.caliperMode) && p !== null;
    if (measuring || e.shiftKey) this.clearCaliper();
    this.drag = {
      x0: e.clientX,
      startS: p?.timeS ?? 0,
      select: e.shiftKey && !measuring && p !== null ? p : null,
      caliper: measuring ? p : null,
    };
    this.canvas.setPointerCapture(e.pointerId);
  }

  private onUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    this.selection.style.display = "none";
    if (drag === null) return;
    const dxCss = e.clientX - drag.x0;
    if (drag.caliper !== null) {
      const [x, y] = this.framePoint(e);
      const end = pointAt(this.panels, x, Math.min(y, drag.caliper.panel.rect_px[1] + drag.caliper.panel.rect_px[3] - 1));
      if (end !== null && end.panel.lead === drag.caliper.panel.lead && Math.abs(dxCss) >= 3) {
        this.showCaliper(drag.caliper, end, true);
      } else {
        this.clearCaliper();
      }
      return;
    }
    if (drag.select !== null) {
      const [x, y] = this.framePoint(e);
      const end = pointAt(this.panels, x, Math.min(y, drag.select.panel.rect_px[1] + drag.select.panel.rect_px[3] - 1));
      const endS = end !== null && end.panel.lead === drag.select.panel.lead ? end.timeS : drag.select.timeS;
      this.events.onSelect(drag.select.panel.lead, Math.min(drag.select.timeS, endS), Math.max(drag.select.timeS, endS), e.ctrlKey || e.metaKey);
      return;
    }
    if (Math.abs(dxCss) < 3 || this.panels.length === 0) {
      this.canvas.style.transform = "";
      return;
    }
    const scale = this.canvas.width / Math.max(1, this.canvas.getBoundingClientRect().width);
    const secondsPerPx = this.panels[0].seconds_per_px;
    // Whole frame pixels: the app then shifts the frame on screen and draws only what came in.
    this.events.onPan(Math.max(0, this.panels[0].t0_s - Math.round(dxCss * scale) * secondsPerPx));
  }

  /** Shows a statement's evidence or a measurement's caliper (null clears it). */
  setHighlight(h: Highlight | null): void {
    this.highlight = h;
    this.drawHighlight();
  }

  /** The highlight shown, if any. */
  currentHighlight(): Highlight | null {
    return this.highlight;
  }

  private drawHighlight(): void {
    drawHighlight(this.evidenceLayer, this.panels, this.canvas.width, this.canvas.height, this.highlight);
    this.evidenceLabel.textContent = this.highlight?.label ?? "";
    this.evidenceLabel.style.display = this.highlight === null ? "none" : "block";
  }

  /** Removes the caliper overlay. */
  clearCaliper(): void {
    this.caliperLayer.replaceChildren();
    this.caliperLayer.style.display = "none";
  }

  /** Draws a caliper from `a` to `b` (same lead) with marching ticks; `done` adds Save. */
  private showCaliper(a: PointOnTrace, b: PointOnTrace, done: boolean): void {
    const r = this.canvas.getBoundingClientRect();
    const box = this.element.getBoundingClientRect();
    const sx = r.width / Math.max(1, this.canvas.width);
    const sy = r.height / Math.max(1, this.canvas.height);
    const [, py, , ph] = a.panel.rect_px;
    const c = caliper(a, b);
    const t0 = Math.min(a.timeS, b.timeS);
    const interval = Math.abs(b.timeS - a.timeS);
    const ticks = marchingTicks(a.panel, t0, interval);
    const parts: HTMLElement[] = ticks.map((t) => {
      const tick = document.createElement("div");
      const main = Math.abs(t - t0) < 1e-9 || Math.abs(t - t0 - interval) < 1e-9;
      tick.className = main ? "caliper-tick main" : "caliper-tick";
      tick.style.left = `${r.left - box.left + xOfTime(a.panel, t) * sx}px`;
      tick.style.top = `${r.top - box.top + py * sy}px`;
      tick.style.height = `${ph * sy}px`;
      return tick;
    });
    const label = document.createElement("div");
    label.className = "caliper-label";
    label.id = "caliper-readout";
    label.textContent = `${a.panel.lead} · ${caliperText(c)}`;
    label.style.left = `${r.left - box.left + xOfTime(a.panel, t0) * sx}px`;
    label.style.top = `${r.top - box.top + py * sy}px`;
    if (done) {
      const saveButton = document.createElement("button");
      saveButton.id = "caliper-save";
      saveButton.textContent = "Save";
      saveButton.addEventListener("click", () => {
        this.events.onCaliper(a.panel.lead, t0, t0 + interval, c.intervalMs);
        this.clearCaliper();
      });
      label.append(" ", saveButton);
    }
    this.caliperLayer.style.display = "block";
    this.caliperLayer.replaceChildren(...parts, label);
  }

  /**
   * Requests and shows a frame for `view` at the element's size. Older responses are dropped.
   * Resolves true when the frame shown is the answer to this request (the app keeps the window
   * inside the recording, so `windowStart()` may differ from `view.startS`).
   */
  async draw(recordingId: number, view: ViewSettings): Promise<boolean> {
    const ticket = ++this.pending;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(16, Math.round(this.element.clientWidth * dpr));
    const height = Math.max(16, Math.round(this.element.clientHeight * dpr));
    const measured = window as unknown as Measured;
    const requested = performance.now();
    try {
      let arrived = 0;
      const fetchFrame = async (bases: number[]): Promise<[ArrayBuffer, WireFrame<FrameMeta> | null]> => {
        const message = await renderFrame(recordingId, view, width, height, bases);
        arrived = performance.now();
        if (ticket !== this.pending) return [message, null];
        const held = (id: number) => this.held.find((f) => f.frameId === id)?.pixels;
        return [message, decodeFrame<FrameMeta>(message, held)];
      };
      let message: ArrayBuffer;
      let frame: WireFrame<FrameMeta> | null;
      try {
        [message, frame] = await fetchFrame(this.held.filter((f) => f.width === width && f.height === height).map((f) => f.frameId));
      } catch (e) {
        // The base frame was dropped meanwhile (frames raced): ask for the frame on its own.
        if (!(e instanceof MissingBaseError)) throw e;
        [message, frame] = await fetchFrame([]);
      }
      const decoded = performance.now();
      if (frame === null || ticket !== this.pending) return false;
      if (frame.unchanged) {
        // The answer is a frame held already: keep it (newest), paint only if not on the canvas.
        const again = this.held.find((f) => f.frameId === frame!.frameId);
        if (again === undefined) throw new MissingBaseError(frame.frameId);
        this.held = [...this.held.filter((f) => f !== again), again];
        frame = again;
      } else {
        this.held = [...this.held, frame].slice(-HELD_FRAMES);
      }
      const { panels, marks } = frame.meta;
      if (this.shown !== frame.frameId || this.canvas.width !== frame.width || this.canvas.height !== frame.height) {
        this.canvas.width = frame.width;
        this.canvas.height = frame.height;
        const ctx = this.canvas.getContext("2d");
        if (ctx === null) throw new Error("no 2D canvas context");
        ctx.putImageData(new ImageData(new Uint8ClampedArray(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength), frame.width, frame.height), 0, 0);
        this.shown = frame.frameId;
      }
      this.canvas.style.transform = "";
      if (panels.map((p) => `${p.lead}${p.t0_s}`).join() !== this.panels.map((p) => `${p.lead}${p.t0_s}`).join()) this.clearCaliper();
      this.panels = panels;
      this.marks = marks;
      this.drawHighlight();
      this.canvas.dataset.marks = String(marks.length);
      this.canvas.dataset.frame = String(ticket);
      this.canvas.dataset.panels = panels.map((p) => p.lead).join(",");
      // Where the drawn window starts (s), for the Holter map's window marker and the tests.
      this.canvas.dataset.t0 = panels.length > 0 ? String(Math.min(...panels.map((p) => p.t0_s))) : "";
      if (measured.heartlensMeasure === true) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const painted = performance.now();
        (measured.heartlensFrames ??= []).push({ requested, pixels: arrived, decoded, painted, wireBytes: message.byteLength, rust: await frameTiming() });
      }
      return true;
    } catch (e) {
      if (ticket === this.pending) this.events.onError(typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e));
      return false;
    }
  }

  /** Where the window on screen starts (s), or null before the first frame and for median beats. */
  windowStart(): number | null {
    const times = this.panels.filter((p) => p.lead !== "" && Number.isFinite(p.t0_s)).map((p) => p.t0_s);
    return times.length === 0 ? null : Math.min(...times);
  }

  /**
   * The window start `seconds` later (earlier when negative), in whole pixels of the frame on
   * screen, so the app can shift that frame instead of drawing it again; null before a frame.
   */
  panBy(seconds: number): number | null {
    const start = this.windowStart();
    if (start === null || this.panels.length === 0) return null;
    const spp = this.panels[0].seconds_per_px;
    return Math.max(0, start + Math.round(seconds / spp) * spp);
  }

  /** The geometry of the frame on screen. */
  geometry(): PanelGeometry[] {
    return this.panels;
  }
}
