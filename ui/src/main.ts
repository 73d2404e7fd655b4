// The app shell: header (open, worklist search), toolbar, tracing, side panels. UI state here
// is view state only; the store (through Rust) is the truth.
import { open } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import {
  addAnnotation,
  cancelAnalysis,
  clearMeasurement,
  closeRecording,
  compareCandidates,
  compareRecordings,
  defaultSigner,
  deleteAnnotation,
  errorMessage,
  holterMap,
  initialFile,
  listAnnotations,
  onAnalysisProgress,
  openRecording,
  redo,
  review,
  updateAnnotation,
  saveView,
  setMeasurement,
  setQtcFormula,
  setStatement,
  sign,
  undo,
  worklist,
} from "./ipc";
import type { Annotation, HolterOverview, OpenedRecording, ViewSettings, WorklistEntry } from "./ipc/types";
import { holterMap as holterMapView, markWindow } from "./holter";
import { annotationPanel } from "./annotations";
import { chatPanel } from "./chat";
import { comparePage } from "./compare";
import { openExportDialog } from "./export";
import { evidenceSummary, highlightKey, reviewPanel, statementText } from "./review";
import { caliperLabel, caliperPanels, evidenceShapes, toggle, type Highlight } from "./evidence";
import { modelsPage } from "./models";
import { settingsPage } from "./settings";
import { summaryView } from "./summary";
import { parseFilter, parseMarks, toolbar } from "./toolbar";
import { nearestZoom, stepZoom } from "./geometry";
import { Viewer } from "./viewer";

// CSS pixels per millimetre at 96 dpi (the CSS reference pixel); the renderer gets device pixels.
const CSS_PX_PER_MM = 96 / 25.4;

/** Display pixels per millimetre at true scale on this screen. */
function truePxPerMm(): number {
  return CSS_PX_PER_MM * (window.devicePixelRatio || 1);
}

const app = document.querySelector<HTMLDivElement>("#app");
if (app === null) throw new Error("index.html has no #app");

interface Current {
  opened: OpenedRecording;
  view: ViewSettings;
  annotations: Annotation[];
  annotationTotal: number;
  /** The Holter map's rows, once read (long recordings only). */
  holter: HolterOverview | null;
}
let current: Current | null = null;

/** Recordings longer than this (s) are Holters: streamed analysis and a map (reading::holter::HOLTER_MIN_S). */
const HOLTER_MIN_S = 600;
/** Width of the events list beside the trend (CSS px; styles.css .holter-events). */
const HOLTER_EVENTS_PX = 380;

const header = document.createElement("header");
const h1 = document.createElement("h1");
h1.textContent = "Heartlens";
const openButton = document.createElement("button");
openButton.id = "open-file";
openButton.textContent = "Open…";
const search = document.createElement("input");
search.id = "worklist-search";
search.placeholder = "Search recent recordings";
const recent = document.createElement("select");
recent.id = "worklist";
const exportButton = document.createElement("button");
exportButton.id = "export-report";
exportButton.textContent = "Export report…";
exportButton.title = "Export the annotated report (Ctrl+E)";
exportButton.disabled = true;
const caliperButton = document.createElement("button");
caliperButton.id = "caliper-mode";
caliperButton.textContent = "Calipers";
caliperButton.title = "Drag on a lead to measure (or Alt-drag any time); Esc clears";
caliperButton.setAttribute("aria-pressed", "false");
const compareButton = document.createElement("button");
compareButton.id = "open-compare";
compareButton.textContent = "Compare…";
compareButton.title = "Compare with a prior ECG of the same patient";
compareButton.disabled = true;
const modelsButton = document.createElement("button");
modelsButton.id = "open-models";
modelsButton.textContent = "Models";
const settingsButton = document.createElement("button");
settingsButton.id = "open-settings";
settingsButton.textContent = "Settings";
settingsButton.title = "Database: this computer or the department server";
const status = document.createElement("span");
status.id = "status";
header.append(h1, openButton, search, recent, caliperButton, compareButton, exportButton, modelsButton, settingsButton, status);

const toolbarSlot = document.createElement("div");
const body = document.createElement("div");
body.className = "body";
const main = document.createElement("main");
main.id = "content";
main.textContent = "Open an ECG file (Ctrl+O, or drop it here) to begin.";
const side = document.createElement("aside");
side.id = "side";
body.append(main, side);
app.append(header, toolbarSlot, body);

const viewer = new Viewer({
  onPan: (startS) => void updateView({ startS }),
  onSelect: (lead, startS, endS, allLeads) => void createAnnotation(allLeads ? null : lead, startS, endS),
  onCaliper: (lead, startS, endS, intervalMs) => void saveCaliper(lead, startS, endS, intervalMs),
  onError: (m) => setStatus(m, true),
});

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.className = error ? "error" : "";
}

function viewFromStore(o: OpenedRecording): ViewSettings {
  const v = o.view;
  return {
    layout: v.layout,
    cabrera: v.cabrera ?? false,
    speedMmS: v.speed_mm_s,
    gainMmMv: v.gain_mm_mv,
    grid: v.grid ?? true,
    startS: v.position_s,
    filter: parseFilter(v.filters),
    marks: parseMarks(v.marks),
    zoom: nearestZoom(v.zoom),
    pxPerMm: truePxPerMm() * nearestZoom(v.zoom),
  };
}

function zoomLabel(): string {
  if (current === null) return "";
  const z = current.view.zoom;
  return z === 1 ? "true scale" : `zoom ${Math.round(z * 100)}%`;
}

/** Zooms in or out one step; the last frame scales at once, the new frame replaces it. */
function zoom(direction: 1 | -1): void {
  if (current === null) return;
  const before = current.view.pxPerMm;
  const z = stepZoom(current.view.zoom, direction);
  const pxPerMm = truePxPerMm() * z;
  if (z === current.view.zoom) return;
  viewer.element.querySelector("canvas")?.style.setProperty("transform", `scale(${pxPerMm / before})`);
  viewer.element.querySelector("canvas")?.style.setProperty("transform-origin", "0 0");
  void updateView({ pxPerMm, zoom: z });
  setStatus(zoomLabel());
}

async function redraw(): Promise<void> {
  if (current === null) return;
  const c = current;
  const shown = await viewer.draw(c.opened.recordingId, c.view);
  // The app keeps the window inside the recording: follow where it put it, so the next pan
  // starts from what is on screen (and a pan past the end answers "unchanged").
  const start = viewer.windowStart();
  if (shown && current === c && start !== null && c.view.layout !== "median") c.view = { ...c.view, startS: start };
  showWindowOnMap();
}

/** Marks the tracing's window on the Holter trend. */
function showWindowOnMap(): void {
  if (current?.holter == null) return;
  const panels = viewer.geometry();
  const spanS = Math.max(0, ...panels.map((p) => p.rect_px[2] * p.seconds_per_px));
  const startS = panels.length > 0 ? Math.min(...panels.map((p) => p.t0_s)) : current.view.startS;
  markWindow(holterSlot, current.holter, startS, spanS);
}

const holterSlot = document.createElement("div");
holterSlot.id = "holter-slot";

/** Shows the tracing, with the Holter map above it for a long recording. */
function showTracing(): void {
  const long = current !== null && current.opened.summary.durationS > HOLTER_MIN_S;
  main.classList.toggle("with-holter", long);
  if (long) main.replaceChildren(holterSlot, viewer.element);
  else main.replaceChildren(viewer.element);
}

/** A progress line with a Cancel button for a long recording's analysis. */
function analysisBusy(id: number, text: string, elementId: string): HTMLElement {
  const busy = document.createElement("p");
  busy.id = elementId;
  busy.textContent = text;
  const progress = document.createElement("span");
  progress.className = "analysis-progress";
  const stop = document.createElement("button");
  stop.className = "cancel-analysis";
  stop.textContent = "Cancel";
  stop.addEventListener("click", () => void cancelAnalysis(id));
  busy.append(progress, " ", stop);
  return busy;
}

/** Draws the map at the main area's width; clicking the trend or an event shows the tracing from 1 s before. */
function drawHolterMap(o: HolterOverview): void {
  const width = Math.max(200, main.clientWidth - HOLTER_EVENTS_PX - 24);
  holterSlot.replaceChildren(holterMapView(o, width, { onJump: (t) => void updateView({ startS: Math.max(0, t - 1) }) }));
  showWindowOnMap();
}

/** Reads (analysing first, with progress) and draws the Holter map of a long recording. */
async function renderHolter(): Promise<void> {
  if (current === null || current.opened.summary.durationS <= HOLTER_MIN_S) return;
  const c = current;
  const id = c.opened.recordingId;
  holterSlot.replaceChildren(analysisBusy(id, "Holter analysis… ", "holter-busy"));
  try {
    const o = await holterMap(id);
    if (current !== c) return;
    c.holter = o;
    if (o === null) {
      holterSlot.replaceChildren();
      return;
    }
    drawHolterMap(o);
  } catch (e) {
    if (current !== c) return;
    const p = document.createElement("p");
    p.id = "holter-error";
    p.className = "error";
    p.textContent = `Holter map unavailable: ${errorMessage(e)} `;
    const again = document.createElement("button");
    again.textContent = "Analyse again";
    again.addEventListener("click", () => {
      void renderHolter();
      void renderReview();
    });
    p.append(again);
    holterSlot.replaceChildren(p);
  }
}

void onAnalysisProgress((p) => {
  if (current === null || p.recordingId !== current.opened.recordingId) return;
  // The last progress seen, for the app test (a reopened Holter must not show any).
  main.dataset.analysisProgress = `${p.done}/${p.total}`;
  for (const el of document.querySelectorAll(".analysis-progress")) el.textContent = `chunk ${p.done}/${p.total}`;
}).catch(() => undefined);

async function updateView(patch: Partial<ViewSettings>): Promise<void> {
  if (current === null) return;
  current.view = { ...current.view, ...patch };
  await redraw();
  try {
    await saveView(current.opened.recordingId, current.view);
  } catch (e) {
    setStatus(errorMessage(e), true);
  }
}

/** Shows (or, clicked again, clears) a highlight; pans to it when the frame does not show it. */
function showHighlight(next: Highlight): void {
  const h = toggle(viewer.currentHighlight(), next);
  viewer.setHighlight(h);
  for (const el of reviewSlot.querySelectorAll(".highlighted")) el.classList.remove("highlighted");
  if (h === null || current === null) return;
  const selector = h.kind === "statement" ? `#statements li[data-code="${CSS.escape(h.evidence.code)}"]` : `#measurements tr[data-name="${CSS.escape(h.caliper.name)}"]`;
  reviewSlot.querySelector(selector)?.classList.add("highlighted");
  const panels = viewer.geometry();
  if (h.kind === "caliper" && caliperPanels(panels, h.caliper).length === 0) {
    void updateView({ startS: Math.max(0, h.caliper.startS - 1) });
  } else if (h.kind === "statement" && h.evidence.beatTimesS.length > 0 && evidenceShapes(panels, h.evidence).bands.length === 0) {
    void updateView({ startS: Math.max(0, h.evidence.beatTimesS[0] - 1) });
  }
}

const chatSlot = document.createElement("div");
const reviewSlot = document.createElement("div");
let signerName: string | null = null;

async function renderReview(): Promise<void> {
  if (current === null) return;
  const id = current.opened.recordingId;
  if (reviewSlot.querySelector("#review") === null) {
    const busy = analysisBusy(id, "Analysing the tracing… ", "analysing");
    busy.querySelector("button")?.setAttribute("id", "cancel-analysis");
    reviewSlot.replaceChildren(busy);
  }
  try {
    signerName ??= await defaultSigner();
    const r = await review(id);
    const act = (f: () => Promise<unknown>) => async () => {
      try {
        await f();
      } catch (e) {
        setStatus(errorMessage(e), true);
      }
      await renderReview();
    };
    reviewSlot.replaceChildren(
      reviewPanel(r, signerName, {
        onFormula: (f) => void act(() => setQtcFormula(f))(),
        onSetValue: (row, v) => void act(() => setMeasurement(id, row.name, row.method, v, row.version))(),
        onReset: (row) => void act(() => clearMeasurement(id, row.name, row.version))(),
        onStatement: (st, decision, text) => void act(() => setStatement(id, st.code, decision, text, st.version))(),
        onSign: (who, meaning) =>
          void act(async () => {
            const sig = await sign(id, who, meaning);
            setStatus(`Signed by ${sig.signer} (read-only)`);
          })(),
        onEvidence: (st, evidence) =>
          showHighlight({ kind: "statement", key: highlightKey("statement", st.code), label: `${statementText(st)} · ${evidenceSummary(evidence)}`, evidence }),
        onCaliper: (row, caliper) =>
          showHighlight({ kind: "caliper", key: highlightKey("measurement", row.name), label: caliperLabel(row.label, caliper), caliper }),
      }, viewer.currentHighlight()?.key ?? null),
    );
  } catch (e) {
    const p = document.createElement("p");
    p.id = "analysis-error";
    p.textContent = `Measurements unavailable: ${errorMessage(e)} `;
    const again = document.createElement("button");
    again.textContent = "Analyse again";
    again.addEventListener("click", () => {
      reviewSlot.replaceChildren();
      void renderReview();
    });
    p.append(again);
    reviewSlot.replaceChildren(p);
  }
}

async function renderChat(): Promise<void> {
  if (current === null) return;
  try {
    chatSlot.replaceChildren(await chatPanel(current.opened.recordingId, () => void renderChat()));
  } catch (e) {
    setStatus(errorMessage(e), true);
  }
}

function renderSide(): void {
  if (current === null) return;
  side.replaceChildren(
    reviewSlot,
    chatSlot,
    summaryView(current.opened.summary),
    annotationPanel(current.annotations, current.annotationTotal, {
      onJump: (a) => void updateView({ startS: Math.max(0, a.start_s - 1) }),
      onDelete: (a) => void mutate(() => deleteAnnotation(a.id, a.version)),
      onEdit: (a) => {
        const text = window.prompt(`Note for ${a.lead ?? "all leads"} ${a.start_s.toFixed(2)}–${a.end_s.toFixed(2)} s`, a.text);
        if (text === null) return;
        const { start_s, end_s, lead, kind, code, value } = a;
        void mutate(() => updateAnnotation(a.id, { start_s, end_s, lead, kind, code, text, value }, a.version));
      },
      onUndo: () => void mutate(() => undo(current!.opened.recordingId)),
      onRedo: () => void mutate(() => redo(current!.opened.recordingId)),
    }),
  );
}

async function mutate(action: () => Promise<unknown>): Promise<void> {
  if (current === null) return;
  try {
    await action();
    const page = await listAnnotations(current.opened.recordingId);
    current.annotations = page.items;
    current.annotationTotal = page.total;
    renderSide();
    await redraw();
  } catch (e) {
    setStatus(errorMessage(e), true);
    // A refused edit (a colleague's newer change, a signature): show what is stored now.
    try {
      const page = await listAnnotations(current.opened.recordingId);
      current.annotations = page.items;
      current.annotationTotal = page.total;
      renderSide();
      await redraw();
    } catch {
      // The status line already shows the first error.
    }
  }
}

async function createAnnotation(lead: string | null, startS: number, endS: number): Promise<void> {
  if (current === null) return;
  const text = window.prompt(`Note for ${lead ?? "all leads"} ${startS.toFixed(2)}–${endS.toFixed(2)} s`, "") ?? null;
  if (text === null) return;
  const id = current.opened.recordingId;
  await mutate(() =>
    addAnnotation(id, { start_s: startS, end_s: endS, lead, kind: "note", code: null, text, value: null }),
  );
}

async function saveCaliper(lead: string, startS: number, endS: number, intervalMs: number): Promise<void> {
  if (current === null) return;
  const id = current.opened.recordingId;
  const text = `${Math.round(intervalMs)} ms (${Math.round(60000 / intervalMs)} bpm)`;
  await mutate(() =>
    addAnnotation(id, { start_s: startS, end_s: endS, lead, kind: "caliper", code: null, text, value: { value: intervalMs, unit: "ms" } }),
  );
}

function exportReport(): void {
  if (current === null) return;
  const c = current;
  void openExportDialog(c.opened.recordingId, c.opened.summary.path, c.view.startS, c.view.filter, (files) =>
    setStatus(`Report saved: ${files.map((f) => f.path).join(", ")}`),
  );
}

async function show(path: string): Promise<void> {
  setStatus(`Opening ${path}…`);
  try {
    const opened = await openRecording(path);
    // The recording read until now is closed: colleagues' worklists stop showing this reader on it.
    const previous = current?.opened.recordingId;
    if (previous !== undefined && previous !== opened.recordingId) {
      void closeRecording(previous).catch((e) => setStatus(errorMessage(e), true));
    }
    reviewSlot.replaceChildren();
    viewer.setHighlight(null);
    current = { opened, view: viewFromStore(opened), annotations: opened.annotations, annotationTotal: opened.annotationCount, holter: null };
    const totalSamples = opened.summary.leads.reduce((n, l) => n + l.nSamples, 0);
    toolbarSlot.replaceChildren(toolbar(current.view, totalSamples, (patch) => void updateView(patch)));
    showTracing();
    renderSide();
    exportButton.disabled = false;
    compareButton.disabled = false;
    void renderChat();
    void renderReview();
    void renderHolter();
    setStatus(opened.signedBy !== null ? `Signed by ${opened.signedBy} (read-only)` : "");
    await redraw();
    await refreshWorklist();
  } catch (e) {
    setStatus(errorMessage(e), true);
  }
}

/** One worklist line: format, path, who is reading it, signed or not. */
function worklistLabel(r: WorklistEntry): string {
  const reading = r.readingBy.length > 0 ? ` · reading: ${r.readingBy.join(", ")}` : "";
  const signed = r.signedBy ? ` · signed by ${r.signedBy}` : "";
  return `${r.format} · ${r.path}${reading}${signed}`;
}

async function refreshWorklist(): Promise<void> {
  try {
    const rows = await worklist(search.value);
    recent.replaceChildren(
      ...[{ label: `Recent (${rows.length})`, value: "" }, ...rows.map((r) => ({ label: worklistLabel(r), value: r.path }))].map(
        (o) => {
          const opt = document.createElement("option");
          opt.value = o.value;
          opt.textContent = o.label;
          opt.title = o.label;
          return opt;
        },
      ),
    );
  } catch (e) {
    setStatus(errorMessage(e), true);
  }
}

async function pickFile(): Promise<void> {
  const picked = await open({ multiple: false, directory: false });
  if (typeof picked === "string") await show(picked);
}

openButton.addEventListener("click", () => void pickFile());
exportButton.addEventListener("click", () => exportReport());
caliperButton.addEventListener("click", () => {
  viewer.caliperMode = !viewer.caliperMode;
  caliperButton.setAttribute("aria-pressed", String(viewer.caliperMode));
  caliperButton.classList.toggle("active", viewer.caliperMode);
  if (!viewer.caliperMode) viewer.clearCaliper();
});
/** Shows the Compare view in place of the tracing; Close brings the tracing back. */
async function openCompare(): Promise<void> {
  if (current === null) return;
  const id = current.opened.recordingId;
  const path = current.opened.summary.path;
  try {
    const candidates = await compareCandidates(id);
    main.replaceChildren(
      comparePage(candidates, path, {
        compare: (priorId) => compareRecordings(id, priorId),
        close: () => {
          showTracing();
          void redraw();
        },
        error: (e) => setStatus(errorMessage(e), true),
      }),
    );
  } catch (e) {
    setStatus(errorMessage(e), true);
  }
}

compareButton.addEventListener("click", () => void openCompare());
modelsButton.addEventListener("click", async () => {
  const page = await modelsPage(() => void renderChat());
  const close = document.createElement("button");
  close.id = "models-close";
  close.textContent = "Close";
  close.addEventListener("click", () => renderSide());
  side.replaceChildren(close, page);
});
settingsButton.addEventListener("click", async () => {
  const page = await settingsPage();
  const close = document.createElement("button");
  close.id = "settings-close";
  close.textContent = "Close";
  close.addEventListener("click", () => renderSide());
  side.replaceChildren(close, page);
});
search.addEventListener("input", () => void refreshWorklist());
recent.addEventListener("change", () => {
  if (recent.value !== "") void show(recent.value);
});
window.addEventListener("resize", () => {
  if (current?.holter != null) drawHolterMap(current.holter);
  void redraw();
});
main.addEventListener(
  "wheel",
  (e) => {
    if (!(e.ctrlKey || e.metaKey) || current === null) return;
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1 : -1);
  },
  { passive: false },
);
window.addEventListener("keydown", (e) => {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && e.key === "o") {
    e.preventDefault();
    void pickFile();
  } else if (ctrl && e.key === "e") {
    e.preventDefault();
    exportReport();
  } else if (ctrl && e.key === "z") {
    e.preventDefault();
    if (current !== null) void mutate(() => undo(current!.opened.recordingId));
  } else if (ctrl && (e.key === "y" || (e.shiftKey && e.key === "Z"))) {
    e.preventDefault();
    if (current !== null) void mutate(() => redo(current!.opened.recordingId));
  } else if (ctrl && (e.key === "+" || e.key === "=")) {
    e.preventDefault();
    zoom(1);
  } else if (ctrl && e.key === "-") {
    e.preventDefault();
    zoom(-1);
  } else if (ctrl && e.key === "0") {
    e.preventDefault();
    if (current !== null) void updateView({ pxPerMm: truePxPerMm(), zoom: 1 });
    setStatus("true scale");
  } else if (current !== null && e.target === document.body) {
    // 2.5 s, in whole pixels of the frame on screen (the app then shifts that frame).
    const step = 2.5;
    const pan = (s: number) => viewer.panBy(s) ?? Math.max(0, current!.view.startS + s);
    if (e.key === "ArrowRight") void updateView({ startS: pan(step) });
    if (e.key === "ArrowLeft") void updateView({ startS: pan(-step) });
  }
});

void getCurrentWebview()
  .onDragDropEvent((ev) => {
    if (ev.payload.type === "drop" && ev.payload.paths.length > 0) void show(ev.payload.paths[0]);
  })
  .catch(() => undefined);

void refreshWorklist();
// "Reading by" changes as colleagues open and close recordings (and stale claims lapse): refresh
// the worklist at the presence heartbeat's pace (store::presence::HEARTBEAT_INTERVAL_MS), but
// never while the reader has the list open.
const WORKLIST_REFRESH_MS = 30_000;
window.setInterval(() => {
  if (document.activeElement !== recent && document.activeElement !== search) void refreshWorklist();
}, WORKLIST_REFRESH_MS);
void initialFile().then((p) => {
  if (p !== null) void show(p);
});
