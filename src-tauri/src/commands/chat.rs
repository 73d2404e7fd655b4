//! Chat about the open tracing: one engine thread per loaded model (kept in state), answers
//! streamed token by token through a `tauri::ipc::Channel`, saved to the store as they grow,
//! cancellable with `cancel_job`. Heavy work never runs on the async runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{CommandError, ErrorCode};
use crate::ipc_types::{ChatMessageView, ChatStatus};
use crate::state::{AppState, LoadedModel, lock};

/// What streams to the UI during an answer. The wire shape is a contract with `ui/src/chat.ts`.
#[derive(Debug, Clone, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "event",
    content = "data"
)]
pub enum ChatEvent {
    /// The answer started: which model and mode, which job id cancels it.
    Started {
        /// Job id for `cancel_job`.
        job_id: u64,
        /// Model folder or file name.
        model: String,
        /// `heartcaregpt` or `grounded`.
        mode: String,
        /// Prompt length in tokens.
        prompt_tokens: usize,
    },
    /// Prompt tokens read so far (the prefill before the first answer token; a follow-up
    /// question reuses the cached prefix, so `done` may start high).
    Prefill {
        /// Prompt tokens processed.
        done: usize,
        /// Prompt tokens in all.
        total: usize,
    },
    /// New text.
    Token {
        /// The text the token completes.
        text: String,
    },
    /// The answer ended.
    Done {
        /// Decode speed.
        tokens_per_s: f64,
        /// Why it ended: eos, max_tokens, context, cancelled.
        stop: String,
    },
}

/// Chat state: where models are, what the user can pick.
#[tauri::command]
pub fn chat_status() -> ChatStatus {
    ChatStatus::now()
}

/// Messages of the recording's latest thread, answers with their claims checked against the
/// tracing's facts as they are now.
#[tauri::command]
pub async fn chat_history(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Vec<ChatMessageView>, CommandError> {
    let store = state.store().await?.clone();
    let Some(thread) = store.threads(recording_id).await?.into_iter().next() else {
        return Ok(Vec::new());
    };
    let grounding = match state.recording(recording_id) {
        Ok(rec) => Some(grounding(&state, &store, recording_id, &rec.recording).await?),
        Err(_) => None,
    };
    let facts = grounding
        .as_ref()
        .map(|g| (g.system_message().content, reading_facts(g)));
    Ok(store
        .messages(thread.id)
        .await?
        .into_iter()
        .map(|m| {
            let v = ChatMessageView::from(m);
            match &facts {
                Some((told, f)) => v.checked(told, f),
                None => v,
            }
        })
        .collect())
}

/// What the grounded prompt says about a recording: its facts, the store's annotations and the
/// (cached) analysis.
async fn grounding(
    state: &AppState,
    store: &store::Store,
    recording_id: i64,
    rec: &ecg::Recording,
) -> Result<ai::prompt::Grounding, CommandError> {
    let user_annotations: Vec<ecg::Annotation> = store
        .annotations(recording_id)
        .await?
        .iter()
        .map(|a| a.data.to_ecg())
        .collect();
    let mut grounding = ai::prompt::Grounding::from_recording(rec);
    grounding.annotations.extend(user_annotations);
    match state.analysis(recording_id).await {
        Ok(analysis) => grounding.add_analysis(&analysis),
        Err(e) => tracing::warn!(message = %e.message, "chat without analysis"),
    }
    Ok(grounding)
}

/// The claim checker's facts: the same values the grounded prompt prints.
fn reading_facts(g: &ai::prompt::Grounding) -> reading::claims::Facts {
    reading::claims::Facts {
        measurements: g.measurements.as_ref().map(|(m, _)| m.clone()),
        statements: g.statements.clone(),
        annotations: g.annotations.clone(),
        leads: Some(g.leads.len()),
        duration_s: Some(g.duration_s),
        sampling_rate_hz: Some(g.sampling_rate_hz),
        age_years: g.age_years,
    }
}

/// Asks a question about the recording with the named installed model (or a model file path).
/// Streams [`ChatEvent`]s on `on_event`; returns the saved answer.
#[tauri::command]
pub async fn chat_ask(
    recording_id: i64,
    model: String,
    question: String,
    max_tokens: Option<usize>,
    on_event: Channel<ChatEvent>,
    state: State<'_, AppState>,
) -> Result<ChatMessageView, CommandError> {
    let question = question.trim().to_string();
    if question.is_empty() {
        return Err(CommandError::new(
            ErrorCode::BadRequest,
            "the question is empty",
        ));
    }
    let rec = state.recording(recording_id)?;
    let store = state.store().await?.clone();
    let thread = match store.threads(recording_id).await?.into_iter().next() {
        Some(t) => t,
        None => store.create_thread(recording_id, "Chat").await?,
    };
    let earlier = store.messages(thread.id).await?;
    store
        .add_message(
            thread.id,
            store::chats::Role::User,
            &question,
            &store::chats::NewMessage::default(),
        )
        .await?;

    let loaded = load_model(&state, &model).await?;
    let grounding = grounding(&state, &store, recording_id, &rec.recording).await?;
    let facts = reading_facts(&grounding);
    let told = if loaded.engine.mode() == ai::Mode::Grounded {
        grounding.system_message().content
    } else {
        "HeartcareGPT read the tracing as Beat codes (4-s windows of 12 leads at 250 Hz); it was given no text facts. \
         Claims are checked against the tracing's measurements and statements."
            .to_string()
    };
    let history = earlier
        .iter()
        .filter(|m| {
            matches!(m.status, store::chats::MessageStatus::Complete)
                || m.role == store::chats::Role::User
        })
        .filter_map(|m| match m.role {
            store::chats::Role::User => Some(ai::prompt::Message::new(
                ai::prompt::Role::User,
                m.text.clone(),
            )),
            store::chats::Role::Assistant => Some(ai::prompt::Message::new(
                ai::prompt::Role::Assistant,
                m.text.clone(),
            )),
            store::chats::Role::System => None,
        })
        .collect();
    let request = ai::ChatRequest {
        history,
        question,
        grounding: Some(grounding),
        max_tokens: max_tokens.unwrap_or(256).clamp(1, 4096),
        ..Default::default()
    };
    let meta = store::chats::NewMessage {
        model_id: Some(loaded.name.clone()),
        mode: Some(loaded.engine.mode().name().to_string()),
        prompt_tokens: None,
    };
    let answer_row = store.start_message(thread.id, &meta).await?;
    let job = loaded
        .engine
        .submit(request)
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
    let job_id = state.next_job_id();
    let cancel: Arc<AtomicBool> = job.cancel_flag();
    lock(&state.jobs).insert(job_id, cancel);
    let model_name = loaded.name.clone();

    // Drain events on a blocking thread; persist text as it grows so a crash keeps it.
    let message_id = answer_row.id;
    let store_bg = store.clone();
    let result = tauri::async_runtime::spawn_blocking(
        move || -> Result<(ai::Answer, String), CommandError> {
            let mut text = String::new();
            for ev in job.events {
                match ev {
                    ai::Event::Started {
                        mode,
                        prompt_tokens,
                    } => {
                        let _ = on_event.send(ChatEvent::Started {
                            job_id,
                            model: model_name.clone(),
                            mode: mode.name().to_string(),
                            prompt_tokens,
                        });
                    }
                    ai::Event::Prefill { done, total } => {
                        let _ = on_event.send(ChatEvent::Prefill { done, total });
                    }
                    ai::Event::Token { text: piece, .. } => {
                        text.push_str(&piece);
                        let _ = tauri::async_runtime::block_on(
                            store_bg.append_tokens(message_id, &piece, 1),
                        );
                        let _ = on_event.send(ChatEvent::Token { text: piece });
                    }
                    ai::Event::Done(answer) => {
                        let _ = on_event.send(ChatEvent::Done {
                            tokens_per_s: answer.tokens_per_s,
                            stop: serde_json::to_value(answer.stop)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                        });
                        return Ok((answer, text));
                    }
                    ai::Event::Error(e) => return Err(CommandError::new(ErrorCode::Internal, e)),
                }
            }
            Err(CommandError::new(
                ErrorCode::Internal,
                "the chat engine stopped",
            ))
        },
    )
    .await
    .map_err(CommandError::task)?;
    lock(&state.jobs).remove(&job_id);
    let status = match &result {
        Ok((a, _)) if a.stop == ai::StopReason::Cancelled => store::chats::MessageStatus::Stopped,
        Ok(_) => store::chats::MessageStatus::Complete,
        Err(e) => store::chats::MessageStatus::Error(e.message.clone()),
    };
    let saved = store.finish_message(message_id, &status).await?;
    result?;
    Ok(ChatMessageView::from(saved).checked(&told, &facts))
}

/// Stops a running answer after its current token.
#[tauri::command]
pub fn cancel_job(job_id: u64, state: State<'_, AppState>) -> bool {
    match lock(&state.jobs).get(&job_id) {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// The engine for `model` (an installed model's name or a path), loading it once.
async fn load_model(state: &AppState, model: &str) -> Result<Arc<LoadedModel>, CommandError> {
    if let Some(m) = lock(&state.models).get(model) {
        return Ok(m.clone());
    }
    let path = match ai::default_models_dir().map(ai::Registry::new) {
        Some(reg) if reg.get(model).is_ok() => reg
            .get(model)
            .map_err(|e| CommandError::new(ErrorCode::NotFound, e.to_string()))?,
        _ => std::path::PathBuf::from(model),
    };
    if !path.exists() {
        return Err(CommandError::new(
            ErrorCode::NotFound,
            format!(
                "model {model:?} is not installed; import one on the Models page (a GGUF chat model or HeartcareGPT weights)"
            ),
        ));
    }
    let name = model.to_string();
    let loaded =
        tauri::async_runtime::spawn_blocking(move || -> Result<LoadedModel, CommandError> {
            let m = ai::ChatModel::open(&path, ai::OpenOptions::default()).map_err(|e| {
                CommandError::new(ErrorCode::BadFile, format!("{}: {e}", path.display()))
            })?;
            let engine = ai::Engine::spawn(m)
                .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
            Ok(LoadedModel { name, engine })
        })
        .await
        .map_err(CommandError::task)??;
    let loaded = Arc::new(loaded);
    lock(&state.models).insert(model.to_string(), loaded.clone());
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape `ui/src/ipc/types.ts` declares: camelCase tags and camelCase fields.
    #[test]
    fn chat_events_serialise_as_the_ui_expects() {
        let started = ChatEvent::Started {
            job_id: 3,
            model: "m".into(),
            mode: "grounded".into(),
            prompt_tokens: 10,
        };
        assert_eq!(
            serde_json::to_value(&started).unwrap(),
            serde_json::json!({"event": "started", "data": {"jobId": 3, "model": "m", "mode": "grounded", "promptTokens": 10}})
        );
        let done = ChatEvent::Done {
            tokens_per_s: 12.5,
            stop: "eos".into(),
        };
        assert_eq!(
            serde_json::to_value(&done).unwrap(),
            serde_json::json!({"event": "done", "data": {"tokensPerS": 12.5, "stop": "eos"}})
        );
    }
}
