// The only module that calls `invoke`: one typed function per Tauri command.
import { invoke } from "@tauri-apps/api/core";
import type {
  Annotation,
  AnnotationData,
  CommandError,
  OpenedRecording,
  PanelGeometry,
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

export function worklist(search: string): Promise<WorklistEntry[]> {
  return invoke<WorklistEntry[]>("worklist", { search });
}

/** RGBA bytes of one frame, `width * height * 4` long. */
export function renderFrame(recordingId: number, view: ViewSettings, width: number, height: number): Promise<ArrayBuffer> {
  return invoke<ArrayBuffer>("render_frame", { recordingId, view, width, height });
}

export function frameGeometry(): Promise<PanelGeometry[]> {
  return invoke<PanelGeometry[]>("frame_geometry");
}

export function saveView(recordingId: number, view: ViewSettings): Promise<void> {
  return invoke<void>("save_view", { recordingId, view });
}

export function addAnnotation(recordingId: number, data: AnnotationData): Promise<Annotation> {
  return invoke<Annotation>("add_annotation", { recordingId, data });
}

export function updateAnnotation(id: number, data: AnnotationData): Promise<Annotation> {
  return invoke<Annotation>("update_annotation", { id, data });
}

export function deleteAnnotation(id: number): Promise<Annotation> {
  return invoke<Annotation>("delete_annotation", { id });
}

export function listAnnotations(recordingId: number): Promise<Annotation[]> {
  return invoke<Annotation[]>("list_annotations", { recordingId });
}

export function undo(recordingId: number): Promise<Annotation | null> {
  return invoke<Annotation | null>("undo", { recordingId });
}

export function redo(recordingId: number): Promise<Annotation | null> {
  return invoke<Annotation | null>("redo", { recordingId });
}

/** The user-facing message of a command error (or anything thrown). */
export function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) {
    return String((e as CommandError).message);
  }
  return String(e);
}
