// The Holter map of a long recording, above the tracing: the heart-rate trend over the whole
// recording (per-minute mean as a line, each hour's min-max band behind it, AF episodes shaded,
// other events as ticks, the tracing's window marked) and the events list (kind, time,
// duration, rate). Clicking the trend or an event jumps the viewer there. The numbers come
// from Rust (`store::holter` rows written by the streamed analysis); this file only places them.
import { svg } from "./svg";
import type { HolterEvent, HolterEventKind, HolterOverview } from "./ipc/types";

/** Margins of the trend plot (SVG units = CSS px): room for the bpm and hour labels. */
export const TREND_PAD = { left: 34, right: 8, top: 8, bottom: 18 };

const KIND_LABELS: Record<HolterEventKind, string> = {
  pause: "Pause",
  ventricular_couplet: "V couplet",
  ventricular_triplet: "V triplet",
  ventricular_tachycardia: "VT run",
  idioventricular_run: "Idioventricular run",
  supraventricular_couplet: "SV couplet",
  supraventricular_tachycardia: "SVT run",
  atrial_fibrillation: "AF episode",
};

/** The reader's name of an event kind. */
export function kindLabel(kind: HolterEventKind): string {
  return KIND_LABELS[kind];
}

/** Elapsed time from the recording's start as h:mm:ss ("0:05:07", "23:59:59"). */
export function clockText(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

/** An event's duration: "3.2 s" below a minute, "4 min 10 s" above. */
export function durationText(e: HolterEvent): string {
  const d = Math.max(0, e.end_s - e.start_s);
  if (d < 60) return `${d.toFixed(1)} s`;
  const m = Math.floor(d / 60);
  return `${m} min ${Math.round(d - 60 * m)} s`;
}

/** What the rate column says: beats and rate for a run, mean rate for AF, nothing for a pause. */
export function rateText(e: HolterEvent): string {
  const rate = e.rate_bpm === null ? "" : `${Math.round(e.rate_bpm)} bpm`;
  if (e.beats !== null) return `${e.beats} beats · ${rate}`;
  return e.kind === "atrial_fibrillation" && rate !== "" ? `mean ${rate}` : rate;
}

/** The trend's axes: seconds ↔ x and bpm ↔ y for a plot of `width` × `height`. */
export interface TrendScale {
  width: number;
  height: number;
  durationS: number;
  bpmLow: number;
  bpmHigh: number;
  x(s: number): number;
  y(bpm: number): number;
  /** The time under x (clamped to the recording). */
  timeAt(x: number): number;
}

/** Axes covering every rate of the map, rounded out to 10 bpm (40-120 when there is none). */
export function trendScale(o: HolterOverview, width: number, height: number): TrendScale {
  const rates = [
    ...o.minutes.map((m) => m.mean_bpm),
    ...o.hourly.flatMap((h) => [h.min_bpm, h.max_bpm]),
  ].filter((v): v is number => v !== null && Number.isFinite(v));
  const low = rates.length > 0 ? Math.floor(Math.min(...rates) / 10) * 10 : 40;
  const high = rates.length > 0 ? Math.max(low + 10, Math.ceil(Math.max(...rates) / 10) * 10) : 120;
  const durationS = Math.max(1, o.summary.duration_s);
  const plotW = Math.max(1, width - TREND_PAD.left - TREND_PAD.right);
  const plotH = Math.max(1, height - TREND_PAD.top - TREND_PAD.bottom);
  return {
    width,
    height,
    durationS,
    bpmLow: low,
    bpmHigh: high,
    x: (s) => TREND_PAD.left + (s / durationS) * plotW,
    y: (bpm) => TREND_PAD.top + (1 - (bpm - low) / (high - low)) * plotH,
    timeAt: (x) => Math.min(durationS, Math.max(0, ((x - TREND_PAD.left) / plotW) * durationS)),
  };
}

/** The per-minute rate as a path through each minute's middle, broken where a minute has none. */
export function minutePath(o: HolterOverview, sc: TrendScale): string {
  const parts: string[] = [];
  let pen = false;
  for (const m of o.minutes) {
    if (m.mean_bpm === null) {
      pen = false;
      continue;
    }
    parts.push(`${pen ? "L" : "M"}${sc.x(Math.min(sc.durationS, m.minute * 60 + 30)).toFixed(1)} ${sc.y(m.mean_bpm).toFixed(1)}`);
    pen = true;
  }
  return parts.join(" ");
}

/** Hour bands: one rectangle per hour from its lowest to its highest per-minute rate. */
export function hourBands(o: HolterOverview, sc: TrendScale): { x: number; y: number; w: number; h: number; hour: number }[] {
  return o.hourly
    .filter((h) => h.min_bpm !== null && h.max_bpm !== null)
    .map((h) => {
      const x0 = sc.x(h.hour * 3600);
      const x1 = sc.x(Math.min(sc.durationS, (h.hour + 1) * 3600));
      const top = sc.y(h.max_bpm as number);
      return { x: x0, y: top, w: Math.max(1, x1 - x0), h: Math.max(1, sc.y(h.min_bpm as number) - top), hour: h.hour };
    });
}

/** Hour ticks for the time axis: every hour, or every 2/3/6 h so labels stay apart. */
export function hourTicks(durationS: number, plotWidth: number): number[] {
  const hours = durationS / 3600;
  const step = [1, 2, 3, 6, 12].find((s) => (plotWidth / hours) * s >= 40) ?? 24;
  const out: number[] = [];
  for (let h = 0; h * 3600 <= durationS; h += step) out.push(h);
  return out;
}

export interface HolterActions {
  /** Show the tracing from `timeS` (s from the recording's start). */
  onJump(timeS: number): void;
}

function text(s: string, x: number, y: number, cls: string, anchor = "start"): SVGTextElement {
  const t = svg("text", { x, y, class: cls, "text-anchor": anchor });
  t.textContent = s;
  return t;
}

/** The trend as SVG, `width` × `height` CSS px. Clicking it jumps to the time under the pointer. */
export function trendSvg(o: HolterOverview, width: number, height: number, actions: HolterActions): SVGSVGElement {
  const sc = trendScale(o, width, height);
  const root = svg("svg", { id: "holter-trend", class: "holter-trend", width, height, viewBox: `0 0 ${width} ${height}` });
  const plotBottom = height - TREND_PAD.bottom;
  for (let bpm = sc.bpmLow; bpm <= sc.bpmHigh; bpm += sc.bpmHigh - sc.bpmLow > 60 ? 20 : 10) {
    const y = sc.y(bpm);
    root.append(svg("line", { x1: TREND_PAD.left, x2: width - TREND_PAD.right, y1: y, y2: y, class: "trend-grid" }));
    root.append(text(String(bpm), TREND_PAD.left - 4, y + 4, "trend-label", "end"));
  }
  for (const h of hourTicks(sc.durationS, width - TREND_PAD.left - TREND_PAD.right)) {
    const x = sc.x(h * 3600);
    root.append(svg("line", { x1: x, x2: x, y1: TREND_PAD.top, y2: plotBottom, class: "trend-grid" }));
    root.append(text(`${h} h`, x, height - 4, "trend-label", "middle"));
  }
  for (const e of o.events.filter((e) => e.kind === "atrial_fibrillation")) {
    const x0 = sc.x(e.start_s);
    root.append(svg("rect", { x: x0, y: TREND_PAD.top, width: Math.max(2, sc.x(e.end_s) - x0), height: plotBottom - TREND_PAD.top, class: "trend-af" }));
  }
  for (const b of hourBands(o, sc)) {
    root.append(svg("rect", { x: b.x, y: b.y, width: b.w, height: b.h, class: "trend-band", "data-hour": b.hour }));
  }
  root.append(svg("path", { d: minutePath(o, sc), class: "trend-line" }));
  for (const e of o.events.filter((e) => e.kind !== "atrial_fibrillation")) {
    const x = sc.x(e.start_s);
    const tick = svg("line", { x1: x, x2: x, y1: plotBottom - 8, y2: plotBottom, class: `trend-event ${e.kind}` });
    root.append(tick);
  }
  const window = svg("rect", { id: "holter-window", x: TREND_PAD.left, y: TREND_PAD.top, width: 2, height: plotBottom - TREND_PAD.top, class: "trend-window" });
  root.append(window);
  root.addEventListener("click", (ev) => {
    const r = root.getBoundingClientRect();
    const x = ((ev.clientX - r.left) / Math.max(1, r.width)) * width;
    actions.onJump(sc.timeAt(x));
  });
  return root;
}

/** Moves the trend's window marker to the tracing's window [startS, startS + spanS]. */
export function markWindow(root: ParentNode, o: HolterOverview, startS: number, spanS: number): void {
  const rect = root.querySelector<SVGRectElement>("#holter-window");
  const trend = root.querySelector<SVGSVGElement>("#holter-trend");
  if (rect === null || trend === null) return;
  const sc = trendScale(o, Number(trend.getAttribute("width")), Number(trend.getAttribute("height")));
  const x0 = sc.x(Math.min(sc.durationS, Math.max(0, startS)));
  rect.setAttribute("x", x0.toFixed(1));
  rect.setAttribute("width", Math.max(2, sc.x(Math.min(sc.durationS, startS + spanS)) - x0).toFixed(1));
  rect.dataset.startS = startS.toFixed(3);
}

/** The events list: one row per event in time order; clicking a row jumps there. */
export function eventList(o: HolterOverview, actions: HolterActions): HTMLElement {
  const wrap = document.createElement("div");
  wrap.className = "holter-events";
  const table = document.createElement("table");
  table.id = "holter-events";
  const head = document.createElement("tr");
  for (const h of ["Event", "Time", "Duration", "Rate"]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  table.append(head);
  o.events.forEach((e, i) => {
    const tr = document.createElement("tr");
    tr.className = `holter-event ${e.kind}`;
    tr.dataset.index = String(i);
    tr.dataset.kind = e.kind;
    tr.dataset.startS = String(e.start_s);
    const cells = [kindLabel(e.kind), clockText(e.start_s), durationText(e), rateText(e)].map((text) => {
      const td = document.createElement("td");
      td.textContent = text;
      return td;
    });
    // The time is a button (keyboard and WebDriver reach it); the whole row is clickable too.
    const go = document.createElement("button");
    go.className = "jump";
    go.textContent = cells[1].textContent;
    go.title = `Show the tracing at ${go.textContent}`;
    cells[1].replaceChildren(go);
    tr.append(...cells);
    tr.addEventListener("click", () => actions.onJump(e.start_s));
    table.append(tr);
  });
  if (o.events.length === 0) {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = "No pauses, runs or AF episodes found.";
    wrap.append(table, p);
  } else {
    wrap.append(table);
  }
  return wrap;
}

/** One-line summary: beats by class and AF burden. */
export function summaryText(o: HolterOverview): string {
  const c = o.summary.counts;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const part = (k: string, label: string) => (c[k] ?? 0) > 0 ? ` · ${label} ${c[k]}` : "";
  return `${(o.summary.duration_s / 3600).toFixed(1)} h · ${total} beats${part("V", "V")}${part("S", "S")} · AF burden ${(o.summary.af_burden * 100).toFixed(1)} %`;
}

/** The whole map: heading with the summary, the trend (`trendWidth` px wide) and the events. */
export function holterMap(o: HolterOverview, trendWidth: number, actions: HolterActions): HTMLElement {
  const root = document.createElement("section");
  root.id = "holter-map";
  root.className = "holter-map";
  const left = document.createElement("div");
  left.className = "holter-trend-wrap";
  const h = document.createElement("h2");
  h.textContent = "Heart rate";
  const note = document.createElement("span");
  note.className = "note";
  note.id = "holter-summary";
  note.textContent = ` ${summaryText(o)} · per-minute mean, hourly min-max band, AF shaded`;
  h.append(note);
  left.append(h, trendSvg(o, trendWidth, 120, actions));
  root.append(left, eventList(o, actions));
  return root;
}
