import { describe, expect, it } from "vitest";
import { settingLines } from "./settings";
import type { DatabaseSetting } from "./ipc/types";

const base: DatabaseSetting = {
  backend: "postgres",
  url: "postgres://dr_a:***@ecg/heartlens",
  hasPassword: true,
  envOverride: null,
  inUse: "/home/dr/.local/share/heartlens/heartlens.sqlite3",
  inUseBackend: "sqlite",
  restartNeeded: true,
  file: "/home/dr/.config/heartlens/database.json",
};

describe("settings page", () => {
  it("says what is in use and that a saved change needs a restart", () => {
    expect(settingLines(base)).toEqual([
      "In use now: this computer (SQLite), /home/dr/.local/share/heartlens/heartlens.sqlite3",
      "Saved: department server (PostgreSQL). Restart Heartlens to use it.",
    ]);
  });

  it("says HEARTLENS_DB takes priority when it is set", () => {
    const lines = settingLines({ ...base, envOverride: "postgres://ci@db/x", inUse: "postgres://ci@db/x", inUseBackend: "postgres" });
    expect(lines[0]).toBe("In use now: department server (PostgreSQL), postgres://ci@db/x");
    expect(lines[1]).toContain("HEARTLENS_DB is set (postgres://ci@db/x) and takes priority");
    expect(lines).toHaveLength(2);
  });

  it("shows no restart line when the saved choice is in use", () => {
    expect(settingLines({ ...base, restartNeeded: false })).toHaveLength(1);
  });
});
