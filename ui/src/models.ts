// The Models page: installed models with kind, size and quantization; import a GGUF with
// progress; remove; the catalogue of recommended models (licence, size, source) and a pasted URL,
// downloaded on request with progress and cancel (the download itself is Rust's).
import { open } from "@tauri-apps/plugin-dialog";
import { cancelJob, downloadModel, errorMessage, importModel, listModels, modelCatalog, removeModel } from "./ipc";
import type { CatalogModel } from "./ipc/types";

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export async function modelsPage(onChanged: () => void): Promise<HTMLElement> {
  const root = document.createElement("section");
  root.className = "panel models";
  root.id = "models";
  const h = document.createElement("h3");
  h.textContent = "Models";
  const status = document.createElement("p");
  status.id = "models-status";
  const importBtn = document.createElement("button");
  importBtn.id = "models-import";
  importBtn.textContent = "Import GGUF…";
  const table = document.createElement("table");
  const catH = document.createElement("h4");
  catH.textContent = "Recommended models";
  const netNote = document.createElement("p");
  netNote.className = "note";
  netNote.textContent =
    "Heartlens never uses the network except to download a model you choose here. Downloads resume where they stopped and are checked against the published SHA-256.";
  const catalog = document.createElement("table");
  catalog.id = "models-catalog";
  const urlInput = document.createElement("input");
  urlInput.id = "models-url";
  urlInput.placeholder = "…or paste a GGUF download URL";
  const urlBtn = document.createElement("button");
  urlBtn.id = "models-url-download";
  urlBtn.textContent = "Download";
  const progress = document.createElement("progress");
  progress.id = "models-progress";
  progress.hidden = true;
  const cancel = document.createElement("button");
  cancel.id = "models-cancel";
  cancel.textContent = "Cancel download";
  cancel.hidden = true;
  root.append(h, importBtn, status, table, catH, netNote, catalog, urlInput, urlBtn, progress, cancel);

  let jobId: number | null = null;
  cancel.addEventListener("click", () => {
    if (jobId !== null) void cancelJob(jobId);
  });
  async function download(spec: string): Promise<void> {
    progress.hidden = false;
    progress.removeAttribute("value");
    cancel.hidden = false;
    try {
      const name = await downloadModel(spec, (e) => {
        if (e.event === "started") {
          jobId = e.data.jobId;
          return;
        }
        const mb = (e.data.done / 1e6).toFixed(1);
        if (e.data.total !== null && e.data.total > 0) {
          progress.value = e.data.done / e.data.total;
          status.textContent = `${e.data.stage}: ${mb} of ${(e.data.total / 1e6).toFixed(1)} MB`;
        } else {
          status.textContent = `${e.data.stage}: ${mb} MB`;
        }
      });
      status.textContent = `Installed ${name}.`;
      await refresh();
      onChanged();
    } catch (e) {
      status.textContent = errorMessage(e);
    } finally {
      jobId = null;
      progress.hidden = true;
      cancel.hidden = true;
    }
  }
  urlBtn.addEventListener("click", () => {
    if (urlInput.value.trim() !== "") void download(urlInput.value.trim());
  });
  function catalogRow(m: CatalogModel): HTMLTableRowElement {
    const tr = document.createElement("tr");
    const cells = [m.title, `${(m.bytes / 1e6).toFixed(0)} MB`, m.quantization, `${m.context_length} tokens`, m.license, m.publisher];
    for (const t of cells) {
      const td = document.createElement("td");
      td.textContent = t;
      tr.append(td);
    }
    tr.title = `${m.notes}\n${m.url}\nSHA-256: ${m.sha256 ?? m.sha256_source}`;
    const get = document.createElement("button");
    get.textContent = "Download";
    get.dataset.model = m.name;
    get.addEventListener("click", () => void download(m.name));
    tr.append(get);
    return tr;
  }
  try {
    for (const m of await modelCatalog()) catalog.append(catalogRow(m));
  } catch (e) {
    status.textContent = errorMessage(e);
  }

  async function refresh(): Promise<void> {
    table.replaceChildren();
    try {
      const models = await listModels();
      if (models.length === 0) status.textContent = "No model installed.";
      for (const m of models) {
        const tr = document.createElement("tr");
        for (const t of [m.name, m.kind ?? "?", m.architecture ?? "?", m.quantization ?? "?", mib(m.bytes), m.error ?? ""]) {
          const td = document.createElement("td");
          td.textContent = t;
          tr.append(td);
        }
        const del = document.createElement("button");
        del.textContent = "Remove";
        del.addEventListener("click", () => {
          void removeModel(m.name).then(refresh).then(onChanged).catch((e) => (status.textContent = errorMessage(e)));
        });
        tr.append(del);
        table.append(tr);
      }
    } catch (e) {
      status.textContent = errorMessage(e);
    }
  }

  importBtn.addEventListener("click", async () => {
    const picked = await open({ multiple: false, directory: false, filters: [{ name: "GGUF model", extensions: ["gguf"] }] });
    if (typeof picked !== "string") return;
    const name = (picked.split(/[\\/]/).pop() ?? "model").replace(/\.gguf$/i, "");
    try {
      await importModel(picked, null, name, (p) => {
        status.textContent = `${p.stage}: ${p.done}/${p.total}`;
      });
      status.textContent = `Imported ${name}.`;
      await refresh();
      onChanged();
    } catch (e) {
      status.textContent = errorMessage(e);
    }
  });
  await refresh();
  return root;
}
