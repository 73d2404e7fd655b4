// Paper controls: layout, Cabrera order, speed, gain, grid, display filter, machine marks. Emits the new settings; owns no state
// beyond its inputs.
import type { DisplayFilter, Marks, ViewSettings } from "./ipc/types";

export const LAYOUTS = ["3x4+1", "3x4+3", "6x2", "12x1", "leads", "strip", "median", "overview"] as const;
export const SPEEDS = [12.5, 25, 50] as const;
export const GAINS = [5, 10, 20] as const;
/** Display filters with their bands (as `reading::display::DisplayFilter::band` states them). */
export const FILTERS: readonly { value: DisplayFilter; band: string }[] = [
  { value: "off", band: "As recorded" },
  { value: "diagnostic", band: "0.05-150 Hz" },
  { value: "monitoring50", band: "0.5-40 Hz, notch 50 Hz" },
  { value: "monitoring60", band: "0.5-40 Hz, notch 60 Hz" },
];
/** Most samples (all leads) a filtered copy is made for (`reading::display::MAX_FILTERED_SAMPLES`). */
export const MAX_FILTERED_SAMPLES = 16_000_000;

/** Machine marks the paper can show (`render::Marks`): clean paper by default. */
export const MARKS: readonly { value: Marks; label: string }[] = [
  { value: "none", label: "None" },
  { value: "file", label: "File's" },
  { value: "analysis", label: "Analysis'" },
];

/** Reads a stored marks value, falling back to clean paper for anything unknown. */
export function parseMarks(v: unknown): Marks {
  return MARKS.find((m) => m.value === v)?.value ?? "none";
}

function marksSelect(value: Marks): HTMLLabelElement {
  const wrap = document.createElement("label");
  wrap.textContent = "Marks ";
  wrap.title = "P/QRS/T onsets and offsets and beat labels: none (clean paper), the file's or the analysis'. Hover a tick to name it.";
  const s = document.createElement("select");
  s.id = "marks";
  for (const m of MARKS) {
    const opt = document.createElement("option");
    opt.value = m.value;
    opt.textContent = m.label;
    s.append(opt);
  }
  s.value = value;
  wrap.append(s);
  return wrap;
}

/** Reads a stored filter value, falling back to "off" for anything unknown. */
export function parseFilter(v: unknown): DisplayFilter {
  return FILTERS.find((f) => f.value === v)?.value ?? "off";
}

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

function filterSelect(value: DisplayFilter, totalSamples: number): HTMLLabelElement {
  const wrap = document.createElement("label");
  wrap.textContent = "Filter ";
  const s = document.createElement("select");
  s.id = "filter";
  for (const f of FILTERS) {
    const opt = document.createElement("option");
    opt.value = f.value;
    opt.textContent = f.band;
    s.append(opt);
  }
  s.value = value;
  if (totalSamples > MAX_FILTERED_SAMPLES) {
    s.value = "off";
    s.disabled = true;
    wrap.title = "Display filters apply to recordings up to 16 million samples; this one is shown as recorded";
  }
  wrap.append(s);
  return wrap;
}

/** Builds the toolbar; `onChange` receives a patch of the settings that changed. */
export function toolbar(view: ViewSettings, totalSamples: number, onChange: (patch: Partial<ViewSettings>) => void): HTMLElement {
  const bar = document.createElement("div");
  bar.className = "toolbar";
  bar.append(
    select("layout", "Layout", LAYOUTS, view.layout),
    checkbox("cabrera", "Cabrera", view.cabrera),
    select("speed", "mm/s", SPEEDS, view.speedMmS),
    select("gain", "mm/mV", GAINS, view.gainMmMv),
    checkbox("grid", "Grid", view.grid),
    filterSelect(view.filter, totalSamples),
    marksSelect(view.marks),
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
      case "filter":
        onChange({ filter: parseFilter(t.value) });
        break;
      case "marks":
        onChange({ marks: parseMarks(t.value) });
        break;
      case "grid":
        onChange({ grid: (t as HTMLInputElement).checked });
        break;
    }
  });
  return bar;
}
