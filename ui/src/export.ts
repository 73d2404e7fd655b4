// The report export dialog: where to save, paper, de-identification, which chat exchanges,
// PNG/CSV alongside. The PDF is laid out in Rust by the same code as `heartlens report`, and
// the store records each file written.
import { save } from "@tauri-apps/plugin-dialog";
import { errorMessage, exportReport, reportChatChoices } from "./ipc";
import type { DisplayFilter, ExportedFile, ExportRequest } from "./ipc/types";

/** `/dir/rec.hea` -> `/dir/rec-report.pdf` (the default beside the recording). */
export function defaultReportPath(recordingPath: string, ext = "pdf"): string {
  const slash = Math.max(recordingPath.lastIndexOf("/"), recordingPath.lastIndexOf("\\"));
  const dir = recordingPath.slice(0, slash + 1);
  const name = recordingPath.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${dir}${stem || "recording"}-report.${ext}`;
}

/** The same path with another extension (`x-report.pdf` -> `x-report.png`). */
export function withExtension(path: string, ext: string): string {
  const dot = path.lastIndexOf(".");
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return `${dot > slash ? path.slice(0, dot) : path}.${ext}`;
}

function labelled(text: string, input: HTMLElement): HTMLLabelElement {
  const l = document.createElement("label");
  l.append(input, ` ${text}`);
  return l;
}

function checkbox(id: string, checked: boolean): HTMLInputElement {
  const c = document.createElement("input");
  c.type = "checkbox";
  c.id = id;
  c.checked = checked;
  return c;
}

/** Opens the export dialog for a recording. Resolves when it closes. */
export async function openExportDialog(
  recordingId: number,
  recordingPath: string,
  startS: number,
  filter: DisplayFilter,
  onDone: (files: ExportedFile[]) => void,
): Promise<void> {
  const dlg = document.createElement("dialog");
  dlg.id = "export-dialog";
  const h = document.createElement("h3");
  h.textContent = "Export report";
  const path = document.createElement("input");
  path.id = "export-path";
  path.size = 60;
  path.value = defaultReportPath(recordingPath);
  const browse = document.createElement("button");
  browse.textContent = "Choose…";
  browse.addEventListener("click", async () => {
    const p = await save({ defaultPath: path.value, filters: [{ name: "PDF", extensions: ["pdf"] }] });
    if (typeof p === "string") path.value = p;
  });
  const paper = document.createElement("select");
  paper.id = "export-paper";
  for (const [v, t] of [["a4", "A4"], ["letter", "Letter"]]) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = t;
    paper.append(o);
  }
  const deid = checkbox("export-deidentify", false);
  const png = checkbox("export-png", false);
  const csv = checkbox("export-csv", false);
  const chatBox = document.createElement("fieldset");
  chatBox.id = "export-chat";
  const legend = document.createElement("legend");
  legend.textContent = "Chat exchanges to include";
  chatBox.append(legend);
  const chosen = new Map<number, HTMLInputElement>();
  try {
    const choices = await reportChatChoices(recordingId);
    if (choices.length === 0) {
      const p = document.createElement("p");
      p.textContent = "No completed chat exchanges.";
      chatBox.append(p);
    }
    for (const c of choices) {
      const box = checkbox(`export-chat-${c.answerId}`, true);
      chosen.set(c.answerId, box);
      const q = c.question.length > 80 ? `${c.question.slice(0, 80)}…` : c.question;
      chatBox.append(labelled(`${c.time} · ${q}`, box), document.createElement("br"));
    }
  } catch (e) {
    chatBox.append(errorMessage(e));
  }
  const result = document.createElement("p");
  result.id = "export-result";
  const go = document.createElement("button");
  go.id = "export-go";
  go.textContent = "Export";
  const cancel = document.createElement("button");
  cancel.textContent = "Close";
  cancel.addEventListener("click", () => dlg.close());
  go.addEventListener("click", async () => {
    const pdfPath = path.value.trim();
    const request: ExportRequest = {
      pdfPath,
      pngPath: png.checked ? withExtension(pdfPath, "png") : null,
      csvPath: csv.checked ? withExtension(pdfPath, "csv") : null,
      paper: paper.value === "letter" ? "letter" : "a4",
      deidentify: deid.checked,
      chatAnswerIds: [...chosen].filter(([, b]) => b.checked).map(([id]) => id),
      startS,
      filter,
    };
    go.disabled = true;
    result.className = "";
    result.textContent = "Exporting…";
    try {
      const files = await exportReport(recordingId, request);
      result.textContent = `Saved ${files.map((f) => f.path).join(", ")}`;
      onDone(files);
    } catch (e) {
      result.className = "error";
      result.textContent = errorMessage(e);
    } finally {
      go.disabled = false;
    }
  });
  const row = document.createElement("div");
  row.append(path, " ", browse);
  dlg.append(
    h,
    row,
    labelled("Paper", paper),
    document.createElement("br"),
    labelled("De-identify (no name, ID or birth date)", deid),
    document.createElement("br"),
    labelled("Also PNG of the tracing page", png),
    document.createElement("br"),
    labelled("Also CSV of measurements and annotations", csv),
    chatBox,
    go,
    " ",
    cancel,
    result,
  );
  document.body.append(dlg);
  dlg.addEventListener("close", () => dlg.remove());
  dlg.showModal();
}
