// The Settings page: which database this station reads from, "this computer" (SQLite) or a
// department server (PostgreSQL URL). Rust checks a choice by connecting before saving it; the
// store opens once per run, so a saved change applies after a restart (button). $HEARTLENS_DB
// keeps priority and the page says so. No password ever reaches this page: a saved one shows as
// *** in the URL and is kept when the URL is saved unchanged.
import { databaseSetting, errorMessage, restartApp, setDatabaseSetting } from "./ipc";
import type { DatabaseSetting } from "./ipc/types";

const KIND_LABEL = { sqlite: "this computer (SQLite)", postgres: "department server (PostgreSQL)" } as const;

/** The lines describing what is in use and what applies next. */
export function settingLines(s: DatabaseSetting): string[] {
  const lines: string[] = [];
  if (s.inUse !== null && s.inUseBackend !== null) lines.push(`In use now: ${KIND_LABEL[s.inUseBackend]}, ${s.inUse}`);
  if (s.envOverride !== null) {
    lines.push(`HEARTLENS_DB is set (${s.envOverride}) and takes priority over this setting; unset it to use the choice below.`);
  } else if (s.restartNeeded) {
    lines.push(`Saved: ${KIND_LABEL[s.backend]}. Restart Heartlens to use it.`);
  }
  return lines;
}

function radio(value: "sqlite" | "postgres", checked: boolean): [HTMLLabelElement, HTMLInputElement] {
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "radio";
  input.name = "db-backend";
  input.value = value;
  input.id = `db-${value}`;
  input.checked = checked;
  label.append(input, ` ${KIND_LABEL[value]}`);
  return [label, input];
}

export async function settingsPage(): Promise<HTMLElement> {
  const root = document.createElement("section");
  root.className = "panel settings";
  root.id = "settings";
  const h = document.createElement("h3");
  h.textContent = "Settings";
  const dbH = document.createElement("h4");
  dbH.textContent = "Database";
  const info = document.createElement("div");
  info.id = "db-info";
  const [sqliteLabel, sqlite] = radio("sqlite", true);
  const [pgLabel, pg] = radio("postgres", false);
  const url = document.createElement("input");
  url.id = "db-url";
  url.size = 48;
  url.placeholder = "postgres://dr_a@ecg-server/heartlens";
  url.autocomplete = "off";
  url.spellcheck = false;
  const note = document.createElement("p");
  note.className = "note";
  note.textContent =
    "Your login is a PostgreSQL role named in the URL. Leave the password out and keep it in ~/.pgpass (as psql does), or type it in the URL: it is then kept in the settings file below, readable only by you, and never shown again.";
  const save = document.createElement("button");
  save.id = "db-save";
  save.textContent = "Check and save";
  const status = document.createElement("p");
  status.id = "db-status";
  const restart = document.createElement("button");
  restart.id = "db-restart";
  restart.textContent = "Restart now";
  restart.hidden = true;
  const file = document.createElement("p");
  file.className = "note";
  file.id = "db-file";
  root.append(h, dbH, info, sqliteLabel, document.createElement("br"), pgLabel, document.createElement("br"), url, note, save, status, restart, file);

  function show(s: DatabaseSetting): void {
    info.replaceChildren(
      ...settingLines(s).map((t) => {
        const p = document.createElement("p");
        p.textContent = t;
        return p;
      }),
    );
    sqlite.checked = s.backend === "sqlite";
    pg.checked = s.backend === "postgres";
    url.value = s.url ?? "";
    url.disabled = !pg.checked;
    restart.hidden = !s.restartNeeded || s.envOverride !== null;
    file.textContent = `Kept in ${s.file}. Applies to this computer's app and command line.`;
  }
  for (const r of [sqlite, pg]) r.addEventListener("change", () => (url.disabled = !pg.checked));
  save.addEventListener("click", async () => {
    const backend = pg.checked ? "postgres" : "sqlite";
    status.className = "";
    status.textContent = backend === "postgres" ? "Connecting…" : "Checking…";
    save.disabled = true;
    try {
      const s = await setDatabaseSetting(backend, backend === "postgres" ? url.value : null);
      show(s);
      status.textContent = s.restartNeeded ? "Checked and saved. Restart Heartlens to use it." : "Checked and saved.";
    } catch (e) {
      status.className = "error";
      status.textContent = `Not saved: ${errorMessage(e)}`;
    } finally {
      save.disabled = false;
    }
  });
  restart.addEventListener("click", () => {
    void restartApp().catch((e) => {
      status.className = "error";
      status.textContent = errorMessage(e);
    });
  });
  try {
    show(await databaseSetting());
  } catch (e) {
    status.className = "error";
    status.textContent = errorMessage(e);
  }
  return root;
}
