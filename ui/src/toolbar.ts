// Paper controls: layout, Cabrera order, speed, gain, grid. Emits the new settings; owns no state
// beyond its inputs.
import type { ViewSettings } from "./ipc/types";

export const LAYOUTS = ["3x4+1", "3x4+3", "6x2", "12x1", "strip", "median", "overview"] as const;
export const SPEEDS = [12.5, 25, 50] as const;
export const GAINS = [5, 10, 20] as const;

function select(id: string, label: string, options: readonly (string | number)[], value: string | number): HTMLLabelElement {
  const wrap = document.createElement("label");
  wrap.textContent = `${label} `;
  const s = document.createElement("select");
  s.id = id;
  for (const o of options) {
    const opt = document.createElement("option");
    opt.value = String(o);
    opt.textContent = String(o);
    s.append(opt);
  }
  s.value = String(value);
  wrap.append(s);
  return wrap;
}

function checkbox(id: string, label: string, checked: boolean): HTMLLabelElement {
  const wrap = document.createElement("label");
  const c = document.createElement("input");
  c.type = "checkbox";
  c.id = id;
  c.checked = checked;
  wrap.append(c, ` ${label}`);
  return wrap;
}

/** Builds the toolbar; `onChange` receives a patch of the settings that changed. */
export function toolbar(view: ViewSettings, onChange: (patch: Partial<ViewSettings>) => void): HTMLElement {
  const bar = document.createElement("div");
  bar.className = "toolbar";
  bar.append(
    select("layout", "Layout", LAYOUTS, view.layout),
    checkbox("cabrera", "Cabrera", view.cabrera),
    select("speed", "mm/s", SPEEDS, view.speedMmS),
    select("gain", "mm/mV", GAINS, view.gainMmMv),
    checkbox("grid", "Grid", view.grid),
  );
  bar.addEventListener("change", (ev) => {
    const t = ev.target as HTMLInputElement | HTMLSelectElement;
    switch (t.id) {
      case "layout":
        onChange({ layout: t.value });
        break;
      case "cabrera":
        onChange({ cabrera: (t as HTMLInputElement).checked });
        break;
      case "speed":
        onChange({ speedMmS: Number(t.value) });
        break;
      case "gain":
        onChange({ gainMmMv: Number(t.value) });
        break;
      case "grid":
        onChange({ grid: (t as HTMLInputElement).checked });
        break;
    }
  });
  return bar;
}
