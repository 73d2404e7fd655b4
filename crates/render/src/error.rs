//! [`Error`]: everything that can stop a frame, split by who is at fault (like png's
//! `DecodingError`): no usable GPU, a scene the caller built wrongly, samples that would not
//! read, or an export that could not be written.

/// Why a renderer could not be built or a frame could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No wgpu adapter is available (no GPU and no software rasteriser such as lavapipe).
    /// Callers that can live without pixels (tests, headless CLI) should report and skip.
    #[error("no GPU adapter available: {0}")]
    NoAdapter(String),
    /// The adapter refused the device (limits or features it cannot give).
    #[error("cannot create the GPU device: {0}")]
    Device(String),
    /// The GPU reported an error while drawing or reading back (validation, lost device).
    #[error("GPU error while {stage}: {message}")]
    Gpu {
        /// What the renderer was doing.
        stage: &'static str,
        /// The driver's message.
        message: String,
    },
    /// The viewport is empty or larger than the device allows.
    #[error("viewport {width}x{height} px is not drawable (each side 1..={max} px)")]
    Viewport {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// The device's maximum texture side.
        max: u32,
    },
    /// A scene parameter is out of range (the field is named).
    #[error("scene.{field}: {message}")]
    Scene {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The layout needs something the recording does not have.
    #[error("layout {layout}: {message}")]
    Layout {
        /// The layout's name (`3x4+1`, `median`...).
        layout: String,
        /// What is missing.
        message: String,
    },
    /// Samples could not be read from a lead.
    #[error("lead {lead}: {source}")]
    Samples {
        /// The lead's display name.
        lead: String,
        /// The reader's error.
        source: ecg::SampleError,
    },
    /// The min/max pyramid of a lead could not be built or queried.
    #[error("lead {lead}: pyramid: {source}")]
    Pyramid {
        /// The lead's display name.
        lead: String,
        /// The pyramid's error.
        source: signal::Error,
    },
    /// PNG encoding or writing failed.
    #[error("PNG export: {0}")]
    Png(#[from] png::EncodingError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
