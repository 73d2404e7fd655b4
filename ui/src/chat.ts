// The chat side panel: model picker, mode shown, streaming answer with stop, regenerate and copy,
// history from the store; each finished answer shows its checked claims (claims.ts) and the facts
// the model was told. With no model, it offers the catalogue's smallest one. Model output is
// always text, never HTML.
import { cancelJob, chatAsk, chatHistory, chatStatus, downloadModel, errorMessage } from "./ipc";
import type { CatalogModel, ChatMessageView } from "./ipc/types";
import { claimSummary, factsCard, markedAnswer } from "./claims";

export function bubble(role: string, text: string, meta: string): HTMLDivElement {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  const body = document.createElement("div");
  body.className = "msg-text";
  body.textContent = text;
  const info = document.createElement("div");
  info.className = "msg-meta";
  info.textContent = meta;
  div.append(body, info);
  return div;
}

/** "Reading the facts: 128/559 prompt tokens (23%)" while the prompt is prefilled. */
export function prefillText(done: number, total: number): string {
  const pct = total > 0 ? Math.round((100 * done) / total) : 100;
  return `Reading the facts: ${done}/${total} prompt tokens (${pct}%)`;
}

function metaOf(m: ChatMessageView): string {
  if (m.role !== "assistant") return "";
  return [m.model, m.mode, m.status, `${m.tokens} tokens`].filter((x) => x !== null && x !== "").join(" · ");
}

/** Marks the claims of a finished answer in its bubble and adds the facts card. */
export function showChecked(div: HTMLElement, m: ChatMessageView): void {
  if (m.role !== "assistant") return;
  const text = div.querySelector<HTMLDivElement>(".msg-text");
  if (text === null) return;
  text.replaceChildren(markedAnswer(m.text, m.claims));
  const summary = document.createElement("div");
  summary.className = "claim-summary";
  if (m.claims.some((c) => c.status === "contradicted")) summary.classList.add("has-contradicted");
  summary.textContent = `Claim check: ${claimSummary(m.claims)}`;
  div.querySelector(".claim-summary")?.remove();
  div.querySelector(".facts-card")?.remove();
  div.append(summary);
  if (m.facts !== null) div.append(factsCard(m.facts));
}

/** The first-run offer: the smallest catalogue model with its size, downloaded on request. */
function offerPanel(offer: CatalogModel, onInstalled: () => void): HTMLElement {
  const box = document.createElement("div");
  box.id = "chat-offer";
  const p = document.createElement("p");
  p.textContent = `${offer.title}, ${(offer.bytes / 1e6).toFixed(0)} MB, ${offer.license}, from ${offer.publisher}. ${offer.notes}`;
  const get = document.createElement("button");
  get.id = "chat-offer-download";
  get.textContent = `Download ${offer.name} (${(offer.bytes / 1e6).toFixed(0)} MB)`;
  const progress = document.createElement("progress");
  progress.id = "chat-offer-progress";
  progress.hidden = true;
  const note = document.createElement("span");
  note.id = "chat-offer-status";
  note.textContent = "Heartlens goes online only for this download.";
  get.addEventListener("click", async () => {
    get.disabled = true;
    progress.hidden = false;
    try {
      await downloadModel(offer.name, (e) => {
        if (e.event === "progress") {
          if (e.data.total !== null && e.data.total > 0) progress.value = e.data.done / e.data.total;
          note.textContent = `${e.data.stage} ${(e.data.done / 1e6).toFixed(1)} MB`;
        }
      });
      onInstalled();
    } catch (err) {
      note.textContent = errorMessage(err);
      get.disabled = false;
    }
  });
  box.append(p, get, progress, note);
  return box;
}

export async function chatPanel(recordingId: number, onModelsChanged: () => void = () => {}): Promise<HTMLElement> {
  const root = document.createElement("section");
  root.className = "panel chat";
  root.id = "chat";
  const h = document.createElement("h3");
  h.textContent = "Ask about this tracing";
  root.append(h);
  const status = await chatStatus();
  if (status.models.length === 0) {
    const p = document.createElement("p");
    p.id = "chat-no-model";
    p.textContent = status.help;
    root.append(p);
    if (status.offer !== null) root.append(offerPanel(status.offer, onModelsChanged));
    return root;
  }
  const picker = document.createElement("select");
  picker.id = "chat-model";
  for (const m of status.models) {
    const o = document.createElement("option");
    o.value = m;
    o.textContent = m;
    picker.append(o);
  }
  const mode = document.createElement("span");
  mode.id = "chat-mode";
  const log = document.createElement("div");
  log.id = "chat-log";
  const input = document.createElement("textarea");
  input.id = "chat-question";
  input.rows = 3;
  input.placeholder = "e.g. What is the rhythm? Is the QTc prolonged?";
  const ask = document.createElement("button");
  ask.id = "chat-ask";
  ask.textContent = "Ask";
  const stop = document.createElement("button");
  stop.id = "chat-stop";
  stop.textContent = "Stop";
  stop.disabled = true;
  const regen = document.createElement("button");
  regen.id = "chat-regenerate";
  regen.textContent = "Regenerate";
  const copy = document.createElement("button");
  copy.id = "chat-copy";
  copy.textContent = "Copy";
  root.append(picker, mode, log, input, ask, stop, regen, copy);

  for (const m of await chatHistory(recordingId)) {
    const b = bubble(m.role, m.text, metaOf(m));
    showChecked(b, m);
    log.append(b);
  }
  let jobId: number | null = null;
  let lastQuestion = "";
  let lastAnswer = "";

  async function send(question: string): Promise<void> {
    if (question.trim() === "") return;
    lastQuestion = question;
    log.append(bubble("user", question, ""));
    const answer = bubble("assistant", "", "…");
    log.append(answer);
    const text = answer.querySelector<HTMLDivElement>(".msg-text")!;
    const meta = answer.querySelector<HTMLDivElement>(".msg-meta")!;
    ask.disabled = true;
    stop.disabled = false;
    // The saved message and the final "done" event may arrive in either order.
    let savedMeta = "";
    let speed = "";
    const showMeta = (): void => {
      meta.textContent = [savedMeta, speed].filter((x) => x !== "").join(" · ") || "…";
    };
    try {
      const saved = await chatAsk(recordingId, picker.value, question, (e) => {
        if (e.event === "started") {
          jobId = e.data.jobId;
          mode.textContent = e.data.mode === "heartcaregpt" ? "HeartcareGPT (ECG tokens)" : "Grounded (tracing as text)";
        } else if (e.event === "prefill") {
          meta.textContent = prefillText(e.data.done, e.data.total);
        } else if (e.event === "token") {
          if (speed === "" && savedMeta === "") meta.textContent = "…";
          text.textContent = (text.textContent ?? "") + e.data.text;
        } else {
          speed = `${e.data.tokensPerS.toFixed(1)} tokens/s · ${e.data.stop}`;
          showMeta();
        }
      });
      lastAnswer = saved.text;
      savedMeta = metaOf(saved);
      showMeta();
      showChecked(answer, saved);
    } catch (err) {
      meta.textContent = errorMessage(err);
      meta.className = "msg-meta error";
    } finally {
      jobId = null;
      ask.disabled = false;
      stop.disabled = true;
    }
  }

  ask.addEventListener("click", () => {
    const q = input.value;
    input.value = "";
    void send(q);
  });
  stop.addEventListener("click", () => {
    if (jobId !== null) void cancelJob(jobId);
  });
  regen.addEventListener("click", () => void send(lastQuestion));
  copy.addEventListener("click", () => void navigator.clipboard.writeText(lastAnswer));
  return root;
}
