// The chat side panel: model picker, mode shown, streaming answer with stop, regenerate and copy,
// history from the store. Model output is always text, never HTML.
import { cancelJob, chatAsk, chatHistory, chatStatus, errorMessage } from "./ipc";
import type { ChatMessageView } from "./ipc/types";

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

function metaOf(m: ChatMessageView): string {
  if (m.role !== "assistant") return "";
  return [m.model, m.mode, m.status, `${m.tokens} tokens`].filter((x) => x !== null && x !== "").join(" · ");
}

export async function chatPanel(recordingId: number): Promise<HTMLElement> {
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

  for (const m of await chatHistory(recordingId)) log.append(bubble(m.role, m.text, metaOf(m)));
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
        } else if (e.event === "token") {
          text.textContent = (text.textContent ?? "") + e.data.text;
        } else {
          speed = `${e.data.tokensPerS.toFixed(1)} tokens/s · ${e.data.stop}`;
          showMeta();
        }
      });
      lastAnswer = saved.text;
      savedMeta = metaOf(saved);
      showMeta();
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
