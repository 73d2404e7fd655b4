// The only module that calls `invoke`: one typed function per Tauri command.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AnalysisProgress,
  Annotation,
  AnnotationData,
  AnnotationPage,
  ChatEvent,
  ChatMessageView,
  ChatChoice,
  ChatStatus,
  CatalogModel,
  CommandError,
  CompareCandidate,
  CompareView,
  DatabaseSetting,
  DownloadEvent,
  ExportedFile,
  ExportRequest,
  ImportProgress,
  InstalledModel,
  OpenedRecording,
  FrameTiming,
  HolterOverview,
  ReviewView,
  StatementState,
  SignatureView,
  ViewSettings,
  WorklistEntry,
} from "./types";

export type * from "./types";

export function initialFile(): Promise<string | null> {
  return invoke<string | null>("initial_file");
}

export function openRecording(path: string): Promise<OpenedRecording> {
  return invoke<OpenedRecording>("open_recording", { path });
}

/** Releases this reader's presence on a recording it has finished with. */
export function closeRecording(recordingId: number): Promise<boolean> {
  return invoke<boolean>("close_recording", { recordingId });
}

/** The Settings page's database section (never carries a password). */
export function databaseSetting(): Promise<DatabaseSetting> {
  return invoke<DatabaseSetting>("database_setting");
}

/** Checks the chosen database by connecting, then saves it (applies at the next start). */
export function setDatabaseSetting(backend: "sqlite" | "postgres", url: string | null): Promise<DatabaseSetting> {
  return invoke<DatabaseSetting>("set_database_setting", { backend, url });
}

/** Restarts the app (to open the database just chosen). */
export function restartApp(): Promise<void> {
  return invoke<void>("restart_app");
}

export function worklist(search: string): Promise<WorklistEntry[]> {
  return invoke<WorklistEntry[]>("worklist", { search });
}

/**
 * One frame as a `wire` message (decode with `decodeFrame` in framewire.ts): its geometry and its
 * pixels, encoded against the frames named in `bases` (ids of frames the caller holds).
 */
export function renderFrame(recordingId: number, view: ViewSettings, width: number, height: number, bases: number[]): Promise<ArrayBuffer> {
  return invoke<ArrayBuffer>("render_frame", { recordingId, view, width, height, bases });
}

export function saveView(recordingId: number, view: ViewSettings): Promise<void> {
  return invoke<void>("save_view", { recordingId, view });
}

export function addAnnotation(recordingId: number, data: AnnotationData): Promise<Annotation> {
  return invoke<Annotation>("add_annotation", { recordingId, data });
}

/** `version`: the annotation's version as shown; a colleague's newer change makes it fail (CONFLICT). */
export function updateAnnotation(id: number, data: AnnotationData, version?: number): Promise<Annotation> {
  return invoke<Annotation>("update_annotation", { id, data, version: version ?? null });
}

export function deleteAnnotation(id: number, version?: number): Promise<Annotation> {
  return invoke<Annotation>("delete_annotation", { id, version: version ?? null });
}

/** The first page of annotations by start time, and how many there are in all. */
export function listAnnotations(recordingId: number): Promise<AnnotationPage> {
  return invoke<AnnotationPage>("list_annotations", { recordingId });
}

export function undo(recordingId: number): Promise<Annotation | null> {
  return invoke<Annotation | null>("undo", { recordingId });
}

export function redo(recordingId: number): Promise<Annotation | null> {
  return invoke<Annotation | null>("redo", { recordingId });
}

export function chatStatus(): Promise<ChatStatus> {
  return invoke<ChatStatus>("chat_status");
}

export function chatHistory(recordingId: number): Promise<ChatMessageView[]> {
  return invoke<ChatMessageView[]>("chat_history", { recordingId });
}

/** Asks a question; `onEvent` receives the streamed answer. Resolves with the saved message. */
export function chatAsk(
  recordingId: number,
  model: string,
  question: string,
  onEvent: (e: ChatEvent) => void,
  maxTokens?: number,
): Promise<ChatMessageView> {
  const channel = new Channel<ChatEvent>();
  channel.onmessage = onEvent;
  return invoke<ChatMessageView>("chat_ask", { recordingId, model, question, maxTokens, onEvent: channel });
}

export function cancelJob(jobId: number): Promise<boolean> {
  return invoke<boolean>("cancel_job", { jobId });
}

export function listModels(): Promise<InstalledModel[]> {
  return invoke<InstalledModel[]>("list_models");
}

export function removeModel(name: string): Promise<void> {
  return invoke<void>("remove_model", { name });
}

export function importModel(gguf: string, tokenizer: string | null, name: string, onProgress: (p: ImportProgress) => void): Promise<void> {
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return invoke<void>("import_model", { gguf, tokenizer, name, onProgress: channel });
}

export function modelCatalog(): Promise<CatalogModel[]> {
  return invoke<CatalogModel[]>("model_catalog");
}

/** Downloads a catalogue model (its name) or a GGUF URL and installs it; resolves to its name. */
export function downloadModel(spec: string, onEvent: (e: DownloadEvent) => void): Promise<string> {
  const channel = new Channel<DownloadEvent>();
  channel.onmessage = onEvent;
  return invoke<string>("download_model", { spec, onEvent: channel });
}

export function review(recordingId: number): Promise<ReviewView> {
  return invoke<ReviewView>("review", { recordingId });
}

/** Stops the running analysis of a recording; `false` when none is running. */
/** The Holter map (trend, events) of a long recording; null for a short one. */
export function holterMap(recordingId: number): Promise<HolterOverview | null> {
  return invoke<HolterOverview | null>("holter_map", { recordingId });
}

/** Calls `handler` with each chunk of a long recording's analysis; resolves to the unsubscribe. */
export function onAnalysisProgress(handler: (p: AnalysisProgress) => void): Promise<() => void> {
  return listen<AnalysisProgress>("analysis:progress", (e) => handler(e.payload));
}

export function cancelAnalysis(recordingId: number): Promise<boolean> {
  return invoke<boolean>("cancel_analysis", { recordingId });
}

export function setQtcFormula(formula: string): Promise<void> {
  return invoke<void>("set_qtc_formula", { formula });
}

/** `version`: the row's version as shown (a colleague's change since is refused, CONFLICT). */
export function setMeasurement(recordingId: number, name: string, method: string | null, value: number, version: number): Promise<void> {
  return invoke<void>("set_measurement", { recordingId, name, method, value, version });
}

export function clearMeasurement(recordingId: number, name: string, version: number): Promise<void> {
  return invoke<void>("clear_measurement", { recordingId, name, version });
}

export function setStatement(recordingId: number, code: string, decision: StatementState, text: string | null, version: number): Promise<void> {
  return invoke<void>("set_statement", { recordingId, code, decision, text, version });
}

export function sign(recordingId: number, signer: string, meaning: string): Promise<SignatureView> {
  return invoke<SignatureView>("sign", { recordingId, signer, meaning });
}

export function defaultSigner(): Promise<string> {
  return invoke<string>("default_signer");
}

export function reportChatChoices(recordingId: number): Promise<ChatChoice[]> {
  return invoke<ChatChoice[]>("report_chat_choices", { recordingId });
}

export function exportReport(recordingId: number, request: ExportRequest): Promise<ExportedFile[]> {
  return invoke<ExportedFile[]>("export_report", { recordingId, request });
}

/** The user-facing message of a command error (or anything thrown). */
export function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) {
    return String((e as CommandError).message);
  }
  return String(e);
}

/** Other stored recordings, the same patient's first. */
export function compareCandidates(recordingId: number): Promise<CompareCandidate[]> {
  return invoke<CompareCandidate[]>("compare_candidates", { recordingId });
}

/** The open recording against a prior one (deltas, statement changes, medians, strips). */
export function compareRecordings(recordingId: number, priorRecordingId: number): Promise<CompareView> {
  return invoke<CompareView>("compare_recordings", { recordingId, priorRecordingId });
}

/** Where the last frame's time went on the Rust side and its pixels' digest (benchmark and tests). */
export function frameTiming(): Promise<FrameTiming | null> {
  return invoke<FrameTiming | null>("frame_timing");
}
