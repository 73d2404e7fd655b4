// Wire types of the Tauri commands (camelCase structs from src-tauri/src/ipc_types.rs; the
// store's own structs keep snake_case). Pinned by src-tauri's ipc_types tests.

export interface LeadSummary {
  name: string;
  samplingRateHz: number;
  nSamples: number;
  derived: boolean;
  /** Why the analysis leaves this channel out (not an ECG lead, or a rate it cannot join). */
  notAnalysed: string | null;
}

export interface RecordingSummary {
  path: string;
  format: string;
  durationS: number;
  startTime: string | null;
  patientName: string | null;
  leads: LeadSummary[];
  warnings: string[];
}

export interface StoredViewState {
  layout: string;
  speed_mm_s: number;
  gain_mm_mv: number;
  position_s: number;
  zoom: number;
  open_panels: string[];
  filters?: unknown;
  cabrera?: boolean;
  grid?: boolean;
  marks?: unknown;
}

export type AnnotationKind = "beat" | "interval" | "note" | "caliper";

export interface AnnotationData {
  start_s: number;
  end_s: number;
  lead: string | null;
  kind: AnnotationKind;
  code: string | null;
  text: string;
  value: { value: number; unit: string } | null;
}

export interface Annotation extends AnnotationData {
  id: number;
  recording_id: number;
  author: string;
  created_at_ms: number;
  updated_at_ms: number;
  deleted_at_ms: number | null;
  /** Grows with every change; sent back with an edit so a colleague's newer one is not overwritten. */
  version: number;
}

export interface OpenedRecording {
  recordingId: number;
  summary: RecordingSummary;
  view: StoredViewState;
  annotations: Annotation[];
  annotationCount: number;
  signedBy: string | null;
}

export interface WorklistEntry {
  recordingId: number;
  path: string;
  format: string;
  lastOpenedAtMs: number;
  /** Who is reading it now ("dr.a (role dr_a) since ..."), on a shared store. */
  readingBy: string[];
  signedBy: string | null;
}

/** src-tauri ipc_types::DatabaseSetting. */
export interface DatabaseSetting {
  /** The saved choice ("sqlite" also when nothing is saved). */
  backend: "sqlite" | "postgres";
  /** The saved department URL, password removed. */
  url: string | null;
  hasPassword: boolean;
  /** $HEARTLENS_DB when set: it takes priority over the setting. */
  envOverride: string | null;
  /** The database open now (password removed), null before first use. */
  inUse: string | null;
  inUseBackend: "sqlite" | "postgres" | null;
  /** The database to open next differs from the one in use. */
  restartNeeded: boolean;
  /** The station file holding the setting. */
  file: string;
}

export interface ViewSettings {
  layout: string;
  cabrera: boolean;
  speedMmS: number;
  gainMmMv: number;
  grid: boolean;
  startS: number;
  pxPerMm: number;
  zoom: number;
  filter: DisplayFilter;
  marks: Marks;
}

/** Machine marks drawn on the paper (`render::Marks`). */
export type Marks = "none" | "file" | "analysis";

/** Where the renderer drew a wave mark (`render::MarkGeometry`), for hover labels. */
export interface MarkGeometry {
  x_px: number;
  y_px: number;
  lead: string;
  text: string;
  time_s: number;
}

/** The leads and beats a statement rests on (`reading::evidence::StatementEvidence`). */
export interface StatementEvidence {
  code: string;
  leads: string[];
  beatTimesS: number[];
}

/** Where an interval was measured (`reading::evidence::MeasurementCaliper`). */
export interface MeasurementCaliper {
  name: string;
  span: string;
  beat: number;
  startS: number;
  endS: number;
  beatMs: number;
  medianMs: number | null;
}

export type DisplayFilter = "off" | "diagnostic" | "monitoring50" | "monitoring60";

export interface PanelGeometry {
  rect_px: [number, number, number, number];
  lead: string;
  seconds_per_px: number;
  microvolts_per_px: number;
  baseline_y_px: number;
  t0_s: number;
}

export interface CommandError {
  code: string;
  message: string;
  detail?: string;
}

export interface ChatStatus {
  models: string[];
  modelsDir: string | null;
  help: string;
  /** With no model installed: the catalogue's smallest model. */
  offer: CatalogModel | null;
}

/** A checked clinical claim; offsets are UTF-16 units into the answer text. */
export interface ClaimView {
  text: string;
  start: number;
  end: number;
  status: "supported" | "contradicted" | "not_in_facts";
  fact: string | null;
}

export interface ChatMessageView {
  id: number;
  role: string;
  text: string;
  model: string | null;
  mode: string | null;
  status: string;
  tokens: number;
  claims: ClaimView[];
  /** Exactly what the model was told (the grounding text). */
  facts: string | null;
}

/** A recommended model of models/catalog.json (ai::download::CatalogModel, snake_case). */
export interface CatalogModel {
  name: string;
  title: string;
  publisher: string;
  license: string;
  parameters: string;
  quantization: string;
  context_length: number;
  bytes: number;
  bytes_source: string;
  url: string;
  sha256: string | null;
  sha256_source: string;
  notes: string;
}

export type DownloadEvent =
  | { event: "started"; data: { jobId: number; name: string } }
  | { event: "progress"; data: { stage: string; done: number; total: number | null } };

export type ChatEvent =
  | { event: "started"; data: { jobId: number; model: string; mode: string; promptTokens: number } }
  | { event: "prefill"; data: { done: number; total: number } }
  | { event: "token"; data: { text: string } }
  | { event: "done"; data: { tokensPerS: number; stop: string } };

export interface InstalledModel {
  name: string;
  path: string;
  kind: string | null;
  architecture: string | null;
  quantization: string | null;
  bytes: number;
  error: string | null;
}

export interface ImportProgress {
  stage: string;
  done: number;
  total: number;
}

export interface MeasurementRow {
  name: string;
  label: string;
  unit: string;
  method: string | null;
  analysed: number | null;
  value: number | null;
  overridden_by: string | null;
  /** The override's version (0: not overridden), passed back with a change. */
  version: number;
}

export type StatementState = "suggested" | "confirmed" | "rejected" | "edited";

export interface StoredStatement {
  id: number;
  recording_id: number;
  code: string;
  text: string;
  criterion: string | null;
  state: StatementState;
  edited_text: string | null;
  actor: string | null;
  at_ms: number;
  /** Passed back with a decision, so a colleague's change made since is not overwritten. */
  version: number;
}

export interface SignatureView {
  signer: string;
  meaning: string;
  time: string;
}

export interface ReviewView {
  rows: MeasurementRow[];
  qtcFormula: string;
  statements: StoredStatement[];
  signature: SignatureView | null;
  analysisBand: string;
  atrialFibrillation: boolean;
  evidence: StatementEvidence[];
  calipers: MeasurementCaliper[];
}

export interface ChatChoice {
  answerId: number;
  question: string;
  answer: string;
  model: string;
  time: string;
}

export interface ExportRequest {
  pdfPath: string;
  pngPath: string | null;
  csvPath: string | null;
  paper: "a4" | "letter";
  deidentify: boolean;
  chatAnswerIds: number[];
  startS: number;
  filter: DisplayFilter;
}

export interface ExportedFile {
  path: string;
  format: string;
  sha256: string;
}

export interface AnnotationPage {
  items: Annotation[];
  total: number;
}

/** A stored recording the open one can be compared with (`compare_candidates`). */
export interface CompareCandidate {
  recordingId: number;
  path: string;
  format: string;
  startTime: string | null;
  patientName: string | null;
  samePatient: boolean;
}

/** One global measurement in both recordings (`reading::compare::MeasurementDelta`). */
export interface MeasurementDelta {
  name: string;
  label: string;
  method: string | null;
  unit: string;
  current: number | null;
  prior: number | null;
  delta: number | null;
}

/** `reading::compare::Comparison`. */
export interface Comparison {
  prior_time: string | null;
  current_time: string | null;
  measurements: MeasurementDelta[];
  new_statements: string[];
  resolved_statements: string[];
  unchanged_statements: string[];
}

export interface MedianTrace {
  fsHz: number;
  samplesMv: number[];
  fiducialSample: number;
}

export interface MedianOverlay {
  lead: string;
  current: MedianTrace | null;
  prior: MedianTrace | null;
}

export interface RhythmStrip {
  lead: string;
  fsHz: number;
  /** mV; null (JSON for NaN) where the file has no sample. */
  samplesMv: (number | null)[];
}

/** What `compare_recordings` returns. */
export interface CompareView {
  comparison: Comparison;
  lines: string[];
  priorPath: string;
  medians: MedianOverlay[];
  currentStrip: RhythmStrip | null;
  priorStrip: RhythmStrip | null;
}

/** `frame_timing`: the Rust side of the last frame. */
export interface FrameTiming {
  sceneMs: number;
  renderMs: number;
  /** Encoding the message (`wire`). */
  encodeMs: number;
  /** The frame as RGBA. */
  bytes: number;
  /** The message sent (geometry JSON and encoded pixels). */
  wireBytes: number;
  /** The frame the pixels were encoded against, if any (for "unchanged", the frame shown). */
  baseFrame: number | null;
  /** How the renderer made it: a full draw, the last frame shifted (a pan), or nothing (unchanged). */
  update: "full" | "shifted" | "unchanged";
  /** Pixels of the moving layer redrawn for a shifted frame. */
  redrawnPx: number;
  /** `wire::digest` of the last frame's pixels (the canvas must show exactly these). */
  digest: number;
}

/** The JSON carried in a `render_frame` message: the frame's geometry. */
export interface FrameMeta {
  width: number;
  height: number;
  panels: PanelGeometry[];
  marks: MarkGeometry[];
}

/**
 * One frame as the interaction-latency benchmark sees it (`window.heartlensFrames`, filled only
 * while `window.heartlensMeasure` is true): times in ms from `performance.now()`.
 */
export interface FrameRecord {
  /** The draw was asked for. */
  requested: number;
  /** The message (geometry and encoded pixels) arrived: render + encode + transfer. */
  pixels: number;
  /** The pixels and geometry were decoded. */
  decoded: number;
  /** The frame was put on the canvas and a paint followed (next animation frame). */
  painted: number;
  /** Bytes of the message. */
  wireBytes: number;
  /** Rust side: scene building, GPU render + read-back, encoding. */
  rust: FrameTiming | null;
}

// Holter map (store::holter's structs, snake_case): the trend and events of a long recording.
export type HolterEventKind =
  | "pause"
  | "ventricular_couplet"
  | "ventricular_triplet"
  | "ventricular_tachycardia"
  | "idioventricular_run"
  | "supraventricular_couplet"
  | "supraventricular_tachycardia"
  | "atrial_fibrillation";

export interface HolterSummary {
  analysis_version: string;
  fs_hz: number;
  duration_s: number;
  chunks: number;
  af_burden: number;
  representative_window_s: [number, number];
  counts: Record<string, number>;
}

export interface HolterHour {
  hour: number;
  beats: number;
  min_bpm: number | null;
  mean_bpm: number | null;
  max_bpm: number | null;
}

export interface HolterMinute {
  minute: number;
  beats: number;
  mean_bpm: number | null;
}

export interface HolterEvent {
  kind: HolterEventKind;
  start_s: number;
  end_s: number;
  beats: number | null;
  rate_bpm: number | null;
  first_beat: number | null;
  detail: string | null;
}

export interface HolterOverview {
  summary: HolterSummary;
  hourly: HolterHour[];
  minutes: HolterMinute[];
  events: HolterEvent[];
}

/** Event `analysis:progress`: chunks of a long recording's analysis done. */
export interface AnalysisProgress {
  recordingId: number;
  done: number;
  total: number;
}
