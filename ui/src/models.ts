// The Models page: installed models with kind, size and quantization; import a GGUF with
// progress; remove.
import { open } from "@tauri-apps/plugin-dialog";
import { errorMessage, importModel, listModels, removeModel } from "./ipc";

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
  root.append(h, importBtn, status, table);

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
