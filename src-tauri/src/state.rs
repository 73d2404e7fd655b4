//! [`AppState`]: the typed services the commands share. Each locks for itself; no lock is held
//! across an `.await`, and heavy work (decoding, rendering, analysis) runs on blocking threads.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tauri::Emitter;
use tokio::sync::OnceCell;

use crate::error::{CommandError, ErrorCode};

/// A recording open in the app: the decoded file and its store row.
pub struct OpenRecording {
    /// The decoded recording (leads may be lazily decoded).
    pub recording: ecg::Recording,
    /// Its analysis, once computed or read from the store's cache.
    pub analysis: OnceCell<Arc<signal::Analysis>>,
    /// Filtered copies for display, by preset (made on first use).
    display: Mutex<HashMap<reading::display::DisplayFilter, Arc<ecg::Recording>>>,
}

impl OpenRecording {
    /// A freshly opened recording (not yet analysed).
    pub fn new(recording: ecg::Recording) -> Self {
        Self {
            recording,
            analysis: OnceCell::new(),
            display: Mutex::new(HashMap::new()),
        }
    }

    /// What the reading suggests before review: the device's statements, then the analysis'.
    pub fn suggested_statements(&self, analysis: &signal::Analysis) -> Vec<ecg::Statement> {
        let mut statements = self.recording.device_statements.clone();
        statements.extend(analysis.statements.iter().cloned());
        statements
    }

    /// The recording filtered for display (blocking: call off the async runtime). `None` when
    /// drawn as recorded: filter off, or too long to filter (logged).
    pub fn filtered_for_display(
        &self,
        filter: reading::display::DisplayFilter,
    ) -> Option<Arc<ecg::Recording>> {
        if filter == reading::display::DisplayFilter::Off {
            return None;
        }
        if let Some(r) = lock(&self.display).get(&filter) {
            return Some(r.clone());
        }
        match reading::display::filtered(&self.recording, filter) {
            Ok(r) => {
                let r = Arc::new(r);
                lock(&self.display).insert(filter, r.clone());
                Some(r)
            }
            Err(e) => {
                tracing::warn!(%e, "drawing unfiltered");
                None
            }
        }
    }
}

/// Shared app state.
pub struct AppState {
    /// The file named on the command line, handed to the UI once at start-up.
    pub initial_file: Mutex<Option<PathBuf>>,
    /// The store, opened on first use (so a broken database is reported in the UI, not a crash).
    store: OnceCell<store::Store>,
    /// Open recordings by store id (the one being read and priors opened for comparison).
    pub recordings: Mutex<HashMap<i64, Arc<OpenRecording>>>,
    /// Recordings this station is reading (presence claimed): renewed by [`AppState::heartbeat`],
    /// released on closing them and when the app exits.
    reading: Mutex<BTreeSet<i64>>,
    /// The GPU renderer, created on first frame. `None` inside = creation failed (message kept).
    pub renderer: Arc<Mutex<Option<Result<render::Renderer, String>>>>,
    /// Where the last frame's time went (scene, render), for the latency benchmark.
    pub last_frame_timing: Mutex<Option<crate::commands::view::FrameTiming>>,
    /// The last frames sent to the webview: the bases the next frame's ops may copy from.
    pub sent_frames: Arc<Mutex<SentFrames>>,
    /// Loaded chat models by the name the UI used.
    pub models: Mutex<HashMap<String, Arc<LoadedModel>>>,
    /// Cancel switches of running jobs.
    pub jobs: Mutex<HashMap<u64, Arc<AtomicBool>>>,
    /// Cancel switches of running analyses, by recording id.
    pub analyses: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// The last comparison with a prior ECG, by recording id, as the report prints it.
    pub comparisons: Mutex<HashMap<i64, Vec<String>>>,
    /// The app, for app-wide events (analysis progress); set once at start-up.
    app: OnceLock<tauri::AppHandle>,
    next_job: AtomicU64,
}

/// The last [`SentFrames::KEEP`] frames sent to the webview (its viewer keeps as many), so a
/// frame can be sent as the difference from one the webview still holds (`wire`).
#[derive(Default)]
pub struct SentFrames {
    last_id: u32,
    frames: std::collections::VecDeque<(u32, Arc<Vec<u32>>)>,
    /// The renderer's numbers (`Renderer::drawn`) of the frames kept, with their ids: what its
    /// `Update::Unchanged` refers to.
    drawn: std::collections::VecDeque<(u64, u32)>,
}

impl SentFrames {
    /// Frames kept (the UI's `HELD_FRAMES` in `viewer.ts` is the same).
    pub const KEEP: usize = 4;

    /// A new frame id (never 0).
    pub fn next_id(&mut self) -> u32 {
        self.last_id = self.last_id.checked_add(1).unwrap_or(1);
        self.last_id
    }

    /// The kept frames among `ids` (ids the webview says it holds).
    pub fn held(&self, ids: &[u32]) -> Vec<(u32, Arc<Vec<u32>>)> {
        self.frames
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .cloned()
            .collect()
    }

    /// Keeps a frame just sent, forgetting the oldest beyond [`Self::KEEP`].
    pub fn push(&mut self, id: u32, pixels: Arc<Vec<u32>>) {
        self.frames.push_back((id, pixels));
        while self.frames.len() > Self::KEEP {
            self.frames.pop_front();
        }
    }

    /// Notes that frame `id` is the renderer's frame number `drawn`.
    pub fn drawn_as(&mut self, drawn: u64, id: u32) {
        self.drawn.push_front((drawn, id));
        self.drawn.truncate(Self::KEEP);
    }

    /// The id of the renderer's frame number `drawn`, if it is kept.
    pub fn id_of_drawn(&self, drawn: u64) -> Option<u32> {
        self.drawn
            .iter()
            .find(|(d, _)| *d == drawn)
            .map(|(_, id)| *id)
    }

    /// Makes kept frame `id` the newest (it was sent again, as "unchanged"); false when it is
    /// not kept.
    pub fn touch(&mut self, id: u32) -> bool {
        let Some(k) = self.frames.iter().position(|(i, _)| *i == id) else {
            return false;
        };
        if let Some(f) = self.frames.remove(k) {
            self.frames.push_back(f);
        }
        true
    }

    /// The pixels of the frame sent last.
    pub fn newest(&self) -> Option<Arc<Vec<u32>>> {
        self.frames.back().map(|(_, p)| p.clone())
    }
}

/// Event `analysis:progress`: `done` of `total` chunks of a long recording's analysis.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisProgress {
    /// The recording.
    pub recording_id: i64,
    /// Chunks done.
    pub done: usize,
    /// Chunks in all (with the representative window).
    pub total: usize,
}

/// Name of the [`AnalysisProgress`] event.
pub const ANALYSIS_PROGRESS: &str = "analysis:progress";

/// A chat model on its engine thread.
pub struct LoadedModel {
    /// The name the UI used (installed model or path).
    pub name: String,
    /// The engine.
    pub engine: ai::Engine,
}

impl AppState {
    /// New state.
    pub fn new(initial_file: Option<PathBuf>) -> Self {
        Self {
            initial_file: Mutex::new(initial_file),
            store: OnceCell::new(),
            recordings: Mutex::new(HashMap::new()),
            reading: Mutex::new(BTreeSet::new()),
            renderer: Arc::new(Mutex::new(None)),
            last_frame_timing: Mutex::new(None),
            sent_frames: Arc::new(Mutex::new(SentFrames::default())),
            models: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
            analyses: Mutex::new(HashMap::new()),
            comparisons: Mutex::new(HashMap::new()),
            app: OnceLock::new(),
            next_job: AtomicU64::new(1),
        }
    }

    /// The store if it is open (None before the first command that needs it, or when opening
    /// failed).
    pub fn store_if_open(&self) -> Option<&store::Store> {
        self.store.get()
    }

    /// The store, opening it where `store::station::resolve` says: `$HEARTLENS_DB`, else the
    /// station's database setting (Settings page), else the local file (`HEARTLENS_HOME` or the
    /// platform data dir). Opened once: a changed setting applies at the next start.
    pub async fn store(&self) -> Result<&store::Store, CommandError> {
        self.store
            .get_or_try_init(|| async {
                let store = store::Store::open_default().await?;
                // Answers left "streaming" by a crash or kill are closed as stopped.
                store.close_interrupted_messages().await?;
                Ok::<_, store::Error>(store)
            })
            .await
            .map_err(CommandError::from)
    }

    /// Claims this reader's presence on a recording being read ("reading by" on every
    /// station's worklist) and keeps renewing it until [`AppState::stop_reading`].
    pub async fn start_reading(&self, id: i64) -> Result<(), CommandError> {
        self.store()
            .await?
            .claim_reading(id, &reading::current_user())
            .await?;
        lock(&self.reading).insert(id);
        Ok(())
    }

    /// Releases the presence on a recording (closed, or another one opened); true if it was
    /// being read.
    pub async fn stop_reading(&self, id: i64) -> Result<bool, CommandError> {
        let was = lock(&self.reading).remove(&id);
        if was && let Some(store) = self.store_if_open() {
            store.release_reading(id, &reading::current_user()).await?;
        }
        Ok(was)
    }

    /// The heartbeat (every `store::presence::HEARTBEAT_INTERVAL_MS`): renews the presence on
    /// every recording being read. A failed renewal (server unreachable) is logged and retried at
    /// the next beat; the claim lapses by itself if the station stays cut off.
    pub async fn heartbeat(&self) {
        let Some(store) = self.store_if_open() else {
            return;
        };
        let ids: Vec<i64> = lock(&self.reading).iter().copied().collect();
        let reader = reading::current_user();
        for id in ids {
            if let Err(e) = store.claim_reading(id, &reader).await {
                tracing::warn!(recording = id, %e, "presence heartbeat failed");
            }
        }
    }

    /// Releases every presence this station holds (the app is exiting or restarting).
    pub async fn release_all(&self) {
        let ids: Vec<i64> = std::mem::take(&mut *lock(&self.reading))
            .into_iter()
            .collect();
        let Some(store) = self.store_if_open() else {
            return;
        };
        let reader = reading::current_user();
        for id in ids {
            if let Err(e) = store.release_reading(id, &reader).await {
                tracing::warn!(recording = id, %e, "presence not released");
            }
        }
    }

    /// Keeps the app handle for events (called once from `setup`).
    pub fn set_app(&self, app: tauri::AppHandle) {
        let _ = self.app.set(app);
    }

    /// A fresh job id.
    pub fn next_job_id(&self) -> u64 {
        self.next_job.fetch_add(1, Ordering::Relaxed)
    }

    /// The analysis of an open recording: from memory, else the store's cache, else computed
    /// on a blocking thread, cached, and its statements seeded as suggestions for review.
    /// A long recording (`reading::holter::is_long`) is analysed chunk by chunk with
    /// [`AnalysisProgress`] events and cached with its Holter rows, which reopening reads back.
    pub async fn analysis(&self, id: i64) -> Result<Arc<signal::Analysis>, CommandError> {
        let rec = self.recording(id)?;
        let store = self.store().await?;
        rec.analysis
            .get_or_try_init(|| async {
                let long = reading::holter::is_long(&rec.recording);
                if long {
                    if let Some(s) = reading::holter::cached(store, id).await? {
                        return Ok(Arc::new(s.analysis));
                    }
                } else if let Some(a) = reading::analysis::cached(store, id).await? {
                    return Ok(Arc::new(a));
                }
                let r = Arc::clone(&rec);
                let cancel = Arc::new(AtomicBool::new(false));
                lock(&self.analyses).insert(id, cancel.clone());
                let app = self.app.get().cloned();
                let result = tauri::async_runtime::spawn_blocking(move || {
                    if !long {
                        return reading::analysis::compute_cancellable(&r.recording, &cancel)
                            .map(|a| (a, None));
                    }
                    let progress = |p: signal::holter::Progress| {
                        if let Some(app) = &app {
                            let event = AnalysisProgress {
                                recording_id: id,
                                done: p.done,
                                total: p.total,
                            };
                            if let Err(e) = app.emit(ANALYSIS_PROGRESS, event) {
                                tracing::warn!(%e, "analysis progress not sent");
                            }
                        }
                    };
                    reading::holter::compute(&r.recording, &progress, &cancel)
                        .map(|s| (s.analysis.clone(), Some(s)))
                })
                .await;
                lock(&self.analyses).remove(&id);
                let (a, streamed) = result.map_err(CommandError::task)??;
                match &streamed {
                    Some(s) => reading::holter::save(store, id, s).await?,
                    None => reading::analysis::save(store, id, &a).await?,
                }
                let statements = rec.suggested_statements(&a);
                reading::review::seed_statements(store, id, &statements, "analysis").await?;
                Ok(Arc::new(a))
            })
            .await
            .cloned()
    }

    /// An open recording by id.
    pub fn recording(&self, id: i64) -> Result<Arc<OpenRecording>, CommandError> {
        lock(&self.recordings).get(&id).cloned().ok_or_else(|| {
            CommandError::new(ErrorCode::NotFound, format!("recording {id} is not open"))
        })
    }
}

/// Locks a mutex, recovering from poisoning (a panicked frame must not brick the app).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
