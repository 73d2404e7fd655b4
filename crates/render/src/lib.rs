//! Calibrated ECG paper, rendered offscreen on the GPU with wgpu.
//!
//! A [`Scene`] says what to draw (recording, [`Layout`], [`PaperSpeed`], [`Gain`], [`Grid`],
//! [`Colors`], lead order, time window, annotations, pixels per millimetre); a [`Renderer`],
//! built once, turns it into a [`Frame`]: RGBA bytes plus the [`PanelGeometry`] of every cell,
//! which the UI uses to map pointer positions to seconds and microvolts. The same frame is
//! what the app shows, what PNG export ([`Frame::save_png`]) writes and what tests compare.
//!
//! ```no_run
//! use ecg::{Lead, Recording, Signal, Unit};
//! use render::{Renderer, Scene, Viewport};
//!
//! let samples: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.01).sin()).collect();
//! let rec = Recording::new(vec![Lead::new("II", 500.0, Unit::Millivolt, Signal::from_physical(samples))]);
//! let mut scene = Scene::new(&rec).with_dpi(96.0);
//! scene.layout = "strip".parse()?;
//! let mut renderer = Renderer::new()?;
//! let frame = renderer.render(&scene, Viewport::new(1600, 900))?;
//! frame.save_png(std::path::Path::new("ii.png"), Some(scene.px_per_mm))?;
//! # Ok::<(), render::Error>(())
//! ```
//!
//! Crate map: [`scene`](Scene) (what), `layout` (where, in mm then px), `envelope` (samples
//! to at most one min/max pair per pixel column, with a pyramid for long records), `strokes`
//! (segments and annotation marks), `grid`/`segments`/`text` (one pipeline each: paper grid,
//! anti-aliased segments, egui text and egui_plot insets) and `renderer` (device, pass,
//! readback). It does not own pointer overlays (the UI) or PDF pages (`report`).
#![deny(missing_docs)]

mod envelope;
mod error;
mod export;
mod grid;
mod layer;
mod layout;
mod leads;
mod renderer;
mod scene;
mod segments;
mod strokes;
mod text;
mod textures;

pub use error::{Error, Result};
pub use export::px_per_mm_from_dpi;
pub use layout::{PanelGeometry, keep_in_recording, time_window};
pub use renderer::{AdapterSummary, Frame, FrameStages, RECENT, Renderer, Update, Viewport};
pub use scene::{
    Colors, Gain, Grid, Inset, InsetKind, Layout, LeadOrder, MM_PER_INCH, Marks, PaperSpeed, Rgba,
    Scene, analysis_marks, is_machine_mark,
};
pub use strokes::MarkGeometry;
