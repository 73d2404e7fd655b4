// The annotation side panel: list (jump, delete), undo/redo. Committed annotations are drawn by
// the renderer, never here.
import type { Annotation } from "./ipc/types";

export interface AnnotationPanelEvents {
  onJump(a: Annotation): void;
  onDelete(a: Annotation): void;
  onEdit(a: Annotation): void;
  onUndo(): void;
  onRedo(): void;
}

export function annotationPanel(items: Annotation[], total: number, events: AnnotationPanelEvents): HTMLElement {
  const root = document.createElement("section");
  root.className = "panel annotations";
  root.id = "annotations";
  const h = document.createElement("h3");
  h.textContent = total > items.length ? `Annotations (first ${items.length} of ${total})` : `Annotations (${total})`;
  const undo = document.createElement("button");
  undo.id = "undo";
  undo.textContent = "Undo";
  undo.addEventListener("click", () => events.onUndo());
  const redo = document.createElement("button");
  redo.id = "redo";
  redo.textContent = "Redo";
  redo.addEventListener("click", () => events.onRedo());
  root.append(h, undo, redo);
  const list = document.createElement("ul");
  for (const a of items) {
    const li = document.createElement("li");
    li.className = "annotation";
    const jump = document.createElement("button");
    jump.className = "jump";
    jump.textContent = `${a.start_s.toFixed(2)}–${a.end_s.toFixed(2)} s ${a.lead ?? "all"}`;
    jump.addEventListener("click", () => events.onJump(a));
    const text = document.createElement("span");
    text.className = "annotation-text";
    text.textContent = ` ${a.kind}: ${a.text}`;
    const edit = document.createElement("button");
    edit.className = "edit";
    edit.textContent = "✎";
    edit.title = "Edit the note";
    edit.addEventListener("click", () => events.onEdit(a));
    const del = document.createElement("button");
    del.className = "delete";
    del.textContent = "✕";
    del.title = "Delete";
    del.addEventListener("click", () => events.onDelete(a));
    li.append(jump, text, edit, del);
    list.append(li);
  }
  root.append(list);
  return root;
}
