//! Streaming analysis of long recordings (Holters) in bounded memory, and the Holter outputs.
//!
//! [`analyze_streamed`] never reads the whole recording. It cuts it into *chunks*
//! ([`HolterOptions::chunk_s`], default 5 min), and analyses each one with the whole-signal
//! pipeline ([`crate::analyze`], stopped once the beats are classified: no display copy,
//! medians or statements) over the chunk plus a *margin* ([`HolterOptions::margin_s`], default
//! 15 s) of signal on each side. Samples come straight from the recording's [`ecg::Signal`]s
//! through a windowed source, so only one chunk's samples are ever decoded (memory-mapped files
//! stay on disk).
//!
//! - **Filters.** Every analysis filter is zero-phase (forward-backward IIR, 0.5 Hz high-pass,
//!   notch, 40 Hz low-pass), so a chunk's filtered copy differs from the whole signal's only near
//!   its ends. With a 15-s margin the difference inside the chunk's core is below
//!   [`FILTER_TOLERANCE_MV`] (1 µV, a fifth of a 5-µV LSB); tested on MIT-BIH 100.
//! - **Seams.** A chunk owns the beats whose fiducial lies in its core. Beats of two neighbouring
//!   chunks within [`SEAM_MATCH_S`] of the seam are matched (one beat seen by both): a matched pair
//!   gives one beat, an unmatched beat is kept only by the chunk that owns it, so a seam neither
//!   duplicates nor loses a beat.
//! - **Classes and RR.** Per beat from its chunk; RR from the stitched fiducials.
//! - **Median beats and global measurements** come from a bounded sample: one full analysis
//!   ([`crate::analyze`]) of a representative window ([`HolterOptions::representative_s`]; the
//!   chunk with the highest share of normal beats, outside AF), whose waves are mapped onto the
//!   stitched beats.
//! - **Holter outputs** ([`Holter`]) from the beat list: hourly heart rate, pauses, runs of
//!   ectopic beats, atrial fibrillation episodes and burden.
//! - **Atrial fibrillation episodes** from windows of [`HolterOptions::af_window_beats`] (32)
//!   beats every quarter window. A window is in AF when its conducted RR intervals are
//!   irregular (RMSSD / mean > [`AF_MIN_IRREGULARITY`], 0.10) and P waves precede fewer than
//!   [`AF_MAX_P_FRACTION`] (half) of its beats while the intervals repeat no short cycle
//!   (`analyze::repeats_a_cycle`: ectopic beats every few beats), or fewer than [`AF_MAX_P_FRACTION_UNSTABLE`]
//!   (70 %) at a PR SD above [`AF_MIN_PR_SD_MS`] (25 ms): with few leads the fibrillatory
//!   baseline passes for a P wave before about 45 % of the AF beats, at any PR. A window is
//!   organised when its RR intervals are regular or P waves precede at least
//!   [`SINUS_MIN_P_FRACTION`] (half) of its beats at a robust PR SD up to
//!   [`SINUS_MAX_PR_SD_MS`] (20 ms). An episode starts at a window in AF and ends only at
//!   [`AF_EXIT_WINDOWS`] (2) organised windows in a row (hysteresis: a window that is
//!   neither, or one organised window, does not cut it); episodes less than
//!   [`HolterOptions::af_min_s`] (30 s) apart are joined, and each end moves inwards past the
//!   sinus beats the windows took in (beats with a P wave within [`AF_EDGE_PR_MS`], 20 ms, of
//!   the PR of the organised rhythm next to it, up to the first two beats in a row without).
//!   Episodes shorter than `af_min_s` are dropped.
//! - **No supraventricular ectopy in AF**: prematurity means nothing when every RR is
//!   irregular, so a supraventricular beat of an episode or the first beat after it (its RR
//!   starts in AF) is counted and listed as normal, and no SVT run by rate starts or runs
//!   there.
//! - **Ventricular runs** are runs of ventricular beats, bridged over beats called conducted
//!   whose QRS differs from the dominant one in at least 3 leads (and as many as the
//!   ventricular beats on either side) when every RR interval between the two ventricular
//!   beats is within [`VT_BRIDGE_RR`] (10 %) of their median: at 150 bpm the previous beat's
//!   T wave sits where a P wave would, so a ventricular beat can look conducted; an early
//!   (capture) or narrow beat still ends the run.
//!
//! Chunks are analysed as many at a time as the rayon pool has threads, and stitched in order.
//!
//! Peak memory: one chunk's analysis per thread (about 60 bytes per sample of the chunk and its margins,
//! all leads) plus the beat list (about 50 bytes a beat), whatever the recording's length. The part
//! of the recording already analysed is released after each batch of chunks
//! ([`ecg::Signal::release`]), so a memory-mapped file's pages do not accumulate in the resident
//! memory either.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ecg::{Lead, Recording, SampleError, SampleSource, Signal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyze::{
    Analysis, AnalysisOptions, Beat, BeatsOnly, Wave, analysed_leads, analyze_in_pool,
};
use crate::classify::{BeatClass, MIN_DIFFERENT_LEADS};
use crate::error::Error;

/// Largest difference (mV) between a chunk's filtered analysis copy and the whole signal's
/// inside the chunk's core, with the default margin.
pub const FILTER_TOLERANCE_MV: f64 = 0.001;
/// A supraventricular tachycardia starts with an RR interval at most this fraction of the
/// median of the 8 before it.
pub const SVT_ONSET: f64 = 0.75;
/// Two beats of neighbouring chunks closer than this (s) are the same beat.
pub const SEAM_MATCH_S: f64 = 0.15;
/// A window of beats is in atrial fibrillation when its conducted RR intervals are irregular,
/// RMSSD / mean above this (as [`crate::analyze`] decides it for a whole record) ...
pub const AF_MIN_IRREGULARITY: f64 = 0.10;
/// ... and P waves precede fewer than this fraction of its beats ...
pub const AF_MAX_P_FRACTION: f64 = 0.5;
/// ... or fewer than this fraction at a PR whose SD exceeds [`AF_MIN_PR_SD_MS`] (deflections
/// of the fibrillatory baseline taken for P waves sit at any distance from the QRS).
pub const AF_MAX_P_FRACTION_UNSTABLE: f64 = 0.7;
/// See [`AF_MAX_P_FRACTION_UNSTABLE`].
pub const AF_MIN_PR_SD_MS: f64 = 25.0;
/// A window has an organised atrial rhythm when its RR intervals are regular (RMSSD / mean up
/// to [`AF_MIN_IRREGULARITY`]) or P waves precede at least this fraction of its beats ...
pub const SINUS_MIN_P_FRACTION: f64 = 0.5;
/// ... at a PR whose robust SD (1.4826 x the median absolute deviation) is at most this (ms).
pub const SINUS_MAX_PR_SD_MS: f64 = 20.0;
/// An atrial fibrillation episode ends only at this many windows in a row with an organised
/// rhythm.
pub const AF_EXIT_WINDOWS: usize = 2;
/// At an episode's ends, a beat with a P wave within this (ms) of the PR of the organised
/// rhythm next to it is a sinus beat, not in AF.
pub const AF_EDGE_PR_MS: f64 = 20.0;
/// Beats with a ventricular QRS between two ventricular beats are part of their run when
/// every RR interval from the one to the other is within this fraction of their median.
pub const VT_BRIDGE_RR: f64 = 0.10;

/// How [`analyze_streamed`] cuts the recording and what it reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolterOptions {
    /// Core length of a chunk in seconds.
    pub chunk_s: f64,
    /// Signal analysed on each side of a chunk's core, in seconds.
    pub margin_s: f64,
    /// An RR interval at least this long (s) is a pause.
    pub pause_s: f64,
    /// Length of the window fully analysed for median beats and measurements (s).
    pub representative_s: f64,
    /// Beats in the sliding window that decides atrial fibrillation beat by beat.
    pub af_window_beats: usize,
    /// Shortest atrial fibrillation episode reported (s).
    pub af_min_s: f64,
}

impl Default for HolterOptions {
    fn default() -> Self {
        Self {
            chunk_s: 300.0,
            margin_s: 15.0,
            pause_s: 2.0,
            representative_s: 300.0,
            af_window_beats: 32,
            af_min_s: 30.0,
        }
    }
}

/// Progress of [`analyze_streamed`]: `done` of `total` chunks analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Chunks done.
    pub done: usize,
    /// Chunks in all (plus one for the representative window).
    pub total: usize,
}

/// Heart rate over one hour of the recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourlyRate {
    /// Hour index from the start of the recording (0-based).
    pub hour: usize,
    /// Beats in the hour.
    pub beats: usize,
    /// Lowest of the per-minute mean heart rates (bpm).
    pub min_bpm: Option<f64>,
    /// Mean heart rate over the hour's conducted RR intervals (bpm).
    pub mean_bpm: Option<f64>,
    /// Highest of the per-minute mean heart rates (bpm).
    pub max_bpm: Option<f64>,
}

/// Heart rate over one minute of the recording: the trend the review draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinuteRate {
    /// Minute index from the start of the recording (0-based).
    pub minute: usize,
    /// Beats in the minute.
    pub beats: usize,
    /// Mean heart rate over the minute's conducted RR intervals (bpm); `None` with fewer than
    /// [`MINUTE_MIN_RR`] of them (the same minutes [`HourlyRate`]'s min and max skip).
    pub mean_bpm: Option<f64>,
}

/// A minute's rate counts (trend, hourly min/max) from this many conducted RR intervals up.
pub const MINUTE_MIN_RR: usize = 10;

/// An RR interval of at least [`HolterOptions::pause_s`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    /// R of the beat before (s).
    pub start_s: f64,
    /// R of the beat after (s).
    pub end_s: f64,
    /// Length (s).
    pub duration_s: f64,
}

/// What kind of run of ectopic beats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Two ventricular beats in a row.
    VentricularCouplet,
    /// Three ventricular beats in a row.
    VentricularTriplet,
    /// Four or more ventricular beats at >= 100 bpm.
    VentricularTachycardia,
    /// Four or more ventricular beats below 100 bpm (idioventricular rhythm).
    IdioventricularRun,
    /// Two supraventricular ectopic beats in a row.
    SupraventricularCouplet,
    /// Three or more supraventricular ectopic beats at >= 100 bpm.
    SupraventricularTachycardia,
}

/// A run of consecutive ectopic beats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Kind.
    pub kind: RunKind,
    /// R of the first beat (s).
    pub start_s: f64,
    /// R of the last beat (s).
    pub end_s: f64,
    /// Index of the first beat in [`Analysis::beats`].
    pub first_beat: usize,
    /// Beats in the run.
    pub beats: usize,
    /// Rate over the run's RR intervals (bpm).
    pub rate_bpm: f64,
}

/// An atrial fibrillation episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// R of the first beat in AF (s).
    pub start_s: f64,
    /// R of the last beat in AF (s).
    pub end_s: f64,
    /// `end_s - start_s`.
    pub duration_s: f64,
    /// Mean ventricular rate (bpm).
    pub mean_bpm: f64,
}

/// The Holter outputs of [`analyze_streamed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holter {
    /// Seconds analysed.
    pub duration_s: f64,
    /// Chunks analysed.
    pub chunks: usize,
    /// Beats by class code (N, S, V, /, Q); supraventricular beats inside AF episodes count as N.
    pub counts: std::collections::BTreeMap<String, usize>,
    /// Hourly heart rate.
    pub hourly: Vec<HourlyRate>,
    /// Heart rate minute by minute (every minute of the recording, in order).
    #[serde(default)]
    pub minutes: Vec<MinuteRate>,
    /// Pauses, in time order.
    pub pauses: Vec<Pause>,
    /// Runs of ectopic beats, in time order.
    pub runs: Vec<Run>,
    /// Atrial fibrillation episodes, in time order.
    pub af_episodes: Vec<Episode>,
    /// Fraction of the analysed time in atrial fibrillation.
    pub af_burden: f64,
    /// Longest AF episode.
    pub longest_af: Option<Episode>,
    /// Longest run of ventricular beats (4 or more).
    pub longest_vt: Option<Run>,
    /// Fastest run of ventricular beats (4 or more).
    pub fastest_vt: Option<Run>,
    /// Longest supraventricular tachycardia run.
    pub longest_svt: Option<Run>,
    /// Fastest supraventricular tachycardia run.
    pub fastest_svt: Option<Run>,
    /// Longest pause.
    pub longest_pause: Option<Pause>,
    /// Start and end (s) of the window whose full analysis gave the median beats,
    /// measurements and statements.
    pub representative_window_s: (f64, f64),
}

/// The result of [`analyze_streamed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Streamed {
    /// Beats of the whole recording; measurements, medians, waves and statements of the
    /// representative window (waves mapped to the whole recording's beats and samples).
    pub analysis: Analysis,
    /// Holter outputs.
    pub holter: Holter,
}

/// One lead's samples `start..start + len`, read from the recording's source on demand.
#[derive(Debug)]
struct Window {
    inner: Signal,
    start: usize,
    len: usize,
}

impl SampleSource for Window {
    fn len(&self) -> usize {
        self.len
    }
    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        self.inner.read(self.start + start, out)
    }
    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        self.inner.read_digital(self.start + start, out)
    }
    fn calibration(&self) -> Option<ecg::Calibration> {
        self.inner.calibration()
    }
    fn release(&self, start: usize, n: usize) {
        let n = n.min(self.len.saturating_sub(start));
        self.inner.release(self.start.saturating_add(start), n);
    }
}

/// Releases every lead's samples between `from_s` and `to_s` ([`Signal::release`]: the pages of
/// a memory-mapped file leave the resident memory), so that it holds the chunks being analysed,
/// not the part of the recording already read.
fn release(rec: &Recording, from_s: f64, to_s: f64) {
    for l in &rec.leads {
        let fs = l.sampling_rate_hz.max(0.0);
        let a = (from_s * fs).floor() as usize;
        let b = ((to_s * fs).floor() as usize).min(l.n_samples());
        if b > a {
            l.signal.release(a, b - a);
        }
    }
}

/// The recording between `start_s` and `end_s` (every lead at its own rate), no copy.
fn window(rec: &Recording, start_s: f64, end_s: f64) -> Recording {
    let leads = rec
        .leads
        .iter()
        .map(|l| {
            let fs = l.sampling_rate_hz.max(0.0);
            let n = l.n_samples();
            let a = ((start_s * fs).round() as usize).min(n);
            let b = ((end_s * fs).round() as usize).clamp(a, n);
            Lead {
                signal: Signal::new(Arc::new(Window {
                    inner: l.signal.clone(),
                    start: a,
                    len: b - a,
                })),
                ..l.clone()
            }
        })
        .collect();
    Recording {
        leads,
        patient: rec.patient.clone(),
        acquisition: rec.acquisition.clone(),
        ..Recording::default()
    }
}

/// Sampling rate and length (samples) of the leads the analysis uses (as `analyze` chooses them).
fn extent(rec: &Recording) -> Result<(f64, usize), Error> {
    let (fs, leads) = analysed_leads(rec)?;
    let n = leads.into_iter().map(Lead::n_samples).min().unwrap_or(0);
    Ok((fs, n))
}

/// A beat of one chunk, in whole-recording samples.
#[derive(Debug, Clone, Copy)]
struct ChunkBeat {
    fid: usize,
    r: usize,
    class: BeatClass,
    /// A P wave was found before the beat.
    p: bool,
    /// Its peak to the beat's fiducial (samples), when it has a peak.
    pr: Option<u32>,
    /// Leads whose QRS differs from the chunk's dominant beat.
    different_leads: u8,
}

/// Chunk `k`'s core (samples) for `n` samples cut into cores of `c`.
fn core(k: usize, c: usize, n: usize) -> (usize, usize) {
    (k * c, ((k + 1) * c).min(n))
}

/// Appends `next` (the beats of the chunk whose core starts at `seam`) to `out`, which holds
/// the previous chunk's beats up to `seam + tol`: beats seen by both chunks near the seam give one.
fn stitch(out: &mut Vec<ChunkBeat>, next: &[ChunkBeat], seam: usize, tol: usize) {
    let zone = seam.saturating_sub(tol);
    let split = out.partition_point(|b| b.fid < zone);
    let tail: Vec<ChunkBeat> = out.drain(split..).collect();
    let head: Vec<&ChunkBeat> = next
        .iter()
        .filter(|b| b.fid >= zone && b.fid < seam + tol)
        .collect();
    let mut used = vec![false; head.len()];
    let mut seam_beats = Vec::new();
    for t in &tail {
        let m = head
            .iter()
            .enumerate()
            .filter(|(j, h)| !used[*j] && h.fid.abs_diff(t.fid) <= tol)
            .min_by_key(|(_, h)| h.fid.abs_diff(t.fid))
            .map(|(j, _)| j);
        match m {
            Some(j) => {
                used[j] = true;
                // One beat seen by both: the owner of the earlier chunk's estimate decides.
                seam_beats.push(if t.fid < seam { *t } else { *head[j] });
            }
            None if t.fid < seam => seam_beats.push(*t),
            None => {}
        }
    }
    for (j, h) in head.iter().enumerate() {
        if !used[j] && h.fid >= seam {
            seam_beats.push(**h);
        }
    }
    seam_beats.sort_by_key(|b| b.fid);
    out.extend(seam_beats);
    out.extend(next.iter().filter(|b| b.fid >= seam + tol).copied());
}

/// Analyses a recording chunk by chunk in bounded memory (see the module docs), reporting
/// progress after each chunk and stopping with [`Error::Cancelled`] soon after `cancel` is set.
pub fn analyze_streamed(
    rec: &Recording,
    opts: &AnalysisOptions,
    hopts: &HolterOptions,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Streamed, Error> {
    rayon::scope(|_| streamed_in_pool(rec, opts, hopts, progress, cancel))
}

fn streamed_in_pool(
    rec: &Recording,
    opts: &AnalysisOptions,
    hopts: &HolterOptions,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Streamed, Error> {
    if !(hopts.chunk_s >= 10.0 && hopts.margin_s >= 0.0 && hopts.pause_s > 0.0) {
        return Err(Error::Unsupported(format!(
            "Holter options: chunk {} s (at least 10), margin {} s, pause {} s",
            hopts.chunk_s, hopts.margin_s, hopts.pause_s
        )));
    }
    let (fs, n) = extent(rec)?;
    let c = ((hopts.chunk_s * fs).round() as usize).max(1);
    let m = (hopts.margin_s * fs).round() as usize;
    let tol = (SEAM_MATCH_S * fs).round() as usize;
    let n_chunks = n.div_ceil(c).max(1);
    let total = n_chunks + 1;
    let mut beats: Vec<ChunkBeat> = Vec::new();
    // Per chunk: share of normal beats and whether it was in AF (to choose the window).
    let mut chunk_normal: Vec<(f64, bool)> = Vec::with_capacity(n_chunks);
    // One chunk: its beats (whole-recording samples) and (share of normal beats in its core,
    // AF or flutter).
    let analyse_chunk = |k: usize| -> Result<(Vec<ChunkBeat>, (f64, bool)), Error> {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let (c0, c1) = core(k, c, n);
        let (w0, w1) = (c0.saturating_sub(m), (c1 + m).min(n));
        let win = window(rec, w0 as f64 / fs, w1 as f64 / fs);
        let mut extra = BeatsOnly::default();
        let a = match analyze_in_pool(&win, opts, cancel, Some(&mut extra), 0.0) {
            Ok(a) => a,
            // A last chunk too short to analyse (under a second) has no beats.
            Err(Error::TooShort { .. }) if k > 0 => return Ok((Vec::new(), (0.0, false))),
            Err(e) => return Err(e),
        };
        let chunk: Vec<ChunkBeat> = a
            .beats
            .iter()
            .enumerate()
            .map(|(i, b)| ChunkBeat {
                fid: w0 + b.fiducial_sample,
                r: w0 + b.r_sample,
                class: b.class,
                p: extra.p_before.get(i).copied().unwrap_or(false),
                pr: extra
                    .p_peak
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|pk| u32::try_from(b.fiducial_sample.checked_sub(pk)?).ok()),
                different_leads: extra
                    .different_leads
                    .get(i)
                    .map_or(0, |&d| d.min(usize::from(u8::MAX)) as u8),
            })
            .collect();
        let owned: Vec<&ChunkBeat> = chunk.iter().filter(|b| b.fid >= c0 && b.fid < c1).collect();
        let normal = owned
            .iter()
            .filter(|b| b.class == BeatClass::Normal)
            .count() as f64
            / owned.len().max(1) as f64;
        Ok((chunk, (normal, a.atrial_fibrillation || a.atrial_flutter)))
    };
    // As many chunks at once as the pool has threads: each chunk's analysis has sequential
    // stages (detection, classification) that leave the other threads idle. Results are
    // stitched in chunk order, so the output does not depend on the thread count.
    let batch = rayon::current_num_threads().max(1);
    // Samples before this were read for the last time (released).
    let mut released = 0;
    for b0 in (0..n_chunks).step_by(batch) {
        let results: Vec<_> = (b0..(b0 + batch).min(n_chunks))
            .into_par_iter()
            .map(analyse_chunk)
            .collect();
        for (k, r) in (b0..).zip(results) {
            let (chunk, share) = r?;
            chunk_normal.push(share);
            let (c0, c1) = core(k, c, n);
            if k == 0 {
                beats.extend(chunk.iter().filter(|b| b.fid < c1 + tol));
            } else {
                stitch(&mut beats, &chunk, c0, tol);
            }
            if k + 1 == n_chunks {
                beats.retain(|b| b.fid < n);
            } else {
                // Keep only what the next seam may still revise.
                let cut = beats.partition_point(|b| b.fid < c1 + tol);
                beats.truncate(cut);
            }
            progress(Progress { done: k + 1, total });
        }
        // The next batch reads from its first core's start less the margin.
        let next = ((b0 + batch) * c).saturating_sub(m).min(n);
        if next > released {
            release(rec, released as f64 / fs, next as f64 / fs);
            released = next;
        }
    }

    // The representative window: the chunk with the highest share of normal beats outside
    // AF/flutter (the earliest of equals), at most `representative_s` long from its start.
    let best = chunk_normal
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| (!a.1).cmp(&!b.1).then(a.0.total_cmp(&b.0)).then(j.cmp(i)))
        .map_or(0, |(k, _)| k);
    let r0 = core(best, c, n).0;
    let r1 = (r0 + ((hopts.representative_s * fs).round() as usize).max(1)).min(n);
    // A short last chunk: take the window ending at the recording's end instead.
    let r0 = r0.min(r1.saturating_sub((hopts.representative_s * fs) as usize));
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let win = window(rec, r0 as f64 / fs, r1 as f64 / fs);
    let rep = analyze_in_pool(&win, opts, cancel, None, r0 as f64 / fs)?;
    progress(Progress { done: total, total });

    let fids: Vec<usize> = beats.iter().map(|b| b.fid).collect();
    let out_beats: Vec<Beat> = beats
        .iter()
        .enumerate()
        .map(|(i, b)| Beat {
            fiducial_sample: b.fid,
            r_sample: b.r,
            r_s: b.r as f64 / fs,
            class: b.class,
            rr_ms: (i > 0).then(|| (b.fid - fids[i - 1]) as f64 * 1000.0 / fs),
        })
        .collect();
    // The window's beats in the whole list (nearest fiducial within the seam tolerance).
    let map_beat = |i: usize| -> Option<usize> {
        let f = r0 + rep.beats.get(i)?.fiducial_sample;
        let j = fids.partition_point(|&x| x < f);
        [j.checked_sub(1), Some(j)]
            .into_iter()
            .flatten()
            .filter(|&j| j < fids.len() && fids[j].abs_diff(f) <= tol)
            .min_by_key(|&j| fids[j].abs_diff(f))
    };
    let shift = |w: &Wave| -> Option<Wave> {
        Some(Wave {
            beat: map_beat(w.beat)?,
            onset_sample: w.onset_sample.map(|s| s + r0),
            peak_sample: w.peak_sample.map(|s| s + r0),
            offset_sample: w.offset_sample.map(|s| s + r0),
            ..*w
        })
    };
    let waves = rep
        .waves
        .iter()
        .map(|lw| crate::LeadWaves {
            lead: lw.lead.clone(),
            waves: lw.waves.iter().filter_map(shift).collect(),
        })
        .collect();
    let global_waves = rep.global_waves.iter().filter_map(shift).collect();
    // The statements' evidence names the window's beats: the same beats in the whole list
    // (their criteria already give times in the recording: the window's start was passed).
    let statements = rep
        .statements
        .into_iter()
        .map(|mut s| {
            s.evidence.beats = s
                .evidence
                .beats
                .iter()
                .filter_map(|&i| map_beat(i))
                .collect();
            s
        })
        .collect();
    let mut out_beats = out_beats;
    let holter = holter_outputs(&beats, &mut out_beats, fs, n, n_chunks, hopts, (r0, r1));
    let analysis = Analysis {
        fs_hz: fs,
        n_samples: n,
        leads: rep.leads,
        beats: out_beats,
        waves,
        global_waves,
        measurements: rep.measurements,
        amplitudes: rep.amplitudes,
        medians: rep.medians,
        median_waves: rep.median_waves,
        statements,
        filter: rep.filter,
        filter_band: rep.filter_band,
        analysis_band: rep.analysis_band,
        atrial_fibrillation: rep.atrial_fibrillation,
        atrial_flutter: rep.atrial_flutter,
        analysed_s: n as f64 / fs,
    };
    Ok(Streamed { analysis, holter })
}

fn conducted(c: BeatClass) -> bool {
    matches!(c, BeatClass::Normal | BeatClass::Supraventricular)
}

/// What a window of beats says about the atrial rhythm ([`af_episodes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atrial {
    /// Irregular conducted RR without organised P waves.
    Fibrillation,
    /// Organised P waves, or a regular rhythm.
    Organised,
    /// Neither (too few conducted beats, or P waves that are neither absent nor organised).
    Unclear,
}

/// SD and robust SD (1.4826 x the median absolute deviation) of the PR intervals (ms) of the
/// beats with a P wave, from 3 PR intervals up.
fn pr_spread(beats: &[ChunkBeat], fs: f64) -> Option<(f64, f64)> {
    let pr: Vec<f64> = beats
        .iter()
        .filter_map(|b| Some(f64::from(b.pr?) * 1000.0 / fs))
        .collect();
    if pr.len() < 3 {
        return None;
    }
    let mean = pr.iter().sum::<f64>() / pr.len() as f64;
    let sd = (pr.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (pr.len() - 1) as f64).sqrt();
    Some((sd, crate::detect::robust_sd(&pr)))
}

/// The atrial rhythm of one window of beats (see the module docs' thresholds).
fn window_rhythm(beats: &[ChunkBeat], fids: &[usize], cond: &[bool], fs: f64) -> Atrial {
    let irr = crate::analyze::irregularity(fids, cond);
    // Over the conducted beats: a ventricular beat has no P wave of its own (with two
    // ventricular beats to each sinus beat, MIT-BIH 208's couplets left P waves before a
    // third of the beats, and "fibrillation").
    let (with_p, n_cond) = beats
        .iter()
        .zip(cond)
        .filter(|(_, c)| **c)
        .fold((0usize, 0usize), |(p, n), (b, _)| {
            (p + usize::from(b.p), n + 1)
        });
    let p_frac = with_p as f64 / n_cond.max(1) as f64;
    let spread = pr_spread(beats, fs);
    if irr.is_some_and(|v| v <= AF_MIN_IRREGULARITY)
        || (p_frac >= SINUS_MIN_P_FRACTION && spread.is_some_and(|(_, r)| r <= SINUS_MAX_PR_SD_MS))
    {
        return Atrial::Organised;
    }
    // Few P waves in a rhythm whose intervals repeat a short cycle (ectopic beats every few
    // beats: MIT-BIH 208's ventricular couplets, two to each sinus beat, 80 s of "AF") is
    // no fibrillation, as in the analysis of a tracing ([`crate::analyze`]).
    let disorganised = (p_frac < AF_MAX_P_FRACTION && !crate::analyze::repeats_a_cycle(fids, cond))
        || (p_frac < AF_MAX_P_FRACTION_UNSTABLE
            && spread.is_some_and(|(sd, _)| sd > AF_MIN_PR_SD_MS));
    if irr.is_some() && disorganised {
        Atrial::Fibrillation
    } else {
        Atrial::Unclear
    }
}

/// Atrial fibrillation beat by beat, with hysteresis: windows of `w` beats every `w / 4`
/// beats; an episode starts at a window in [`Atrial::Fibrillation`] and takes in every
/// following window until [`AF_EXIT_WINDOWS`] windows in a row show an organised rhythm.
fn af_beats(beats: &[ChunkBeat], w: usize, fs: f64) -> Vec<bool> {
    let n = beats.len();
    let w = w.max(8);
    let mut af = vec![false; n];
    if n < w {
        return af;
    }
    let fids: Vec<usize> = beats.iter().map(|b| b.fid).collect();
    let cond: Vec<bool> = beats.iter().map(|b| conducted(b.class)).collect();
    let step = (w / 4).max(1);
    let mut starts: Vec<usize> = (0..=n - w).step_by(step).collect();
    if starts.last() != Some(&(n - w)) {
        starts.push(n - w);
    }
    let mut inside = false;
    // End (exclusive) of the last window taken into the episode, and the organised windows
    // seen in a row since.
    let mut marked_to = 0;
    let mut organised = 0;
    for s in starts {
        let e = s + w;
        let rhythm = window_rhythm(&beats[s..e], &fids[s..e], &cond[s..e], fs);
        match (inside, rhythm) {
            (false, Atrial::Fibrillation) => {
                inside = true;
                organised = 0;
                af[s..e].iter_mut().for_each(|m| *m = true);
                marked_to = e;
            }
            (false, _) => {}
            (true, Atrial::Organised) => {
                organised += 1;
                if organised >= AF_EXIT_WINDOWS {
                    inside = false;
                }
            }
            (true, _) => {
                // Still in the episode: the organised windows just before do not end it.
                af[marked_to.min(s)..e].iter_mut().for_each(|m| *m = true);
                marked_to = e;
                organised = 0;
            }
        }
    }
    af
}

/// Whether beat `i` has a P wave at `pr` (samples, the neighbouring sinus rhythm's PR).
fn sinus_p(b: &ChunkBeat, pr: f64, fs: f64) -> bool {
    b.pr.is_some_and(|v| (f64::from(v) - pr).abs() * 1000.0 / fs <= AF_EDGE_PR_MS)
}

/// The median PR (samples) of `beats` when their P waves are organised (found before at
/// least [`SINUS_MIN_P_FRACTION`] of them at a robust PR SD up to [`SINUS_MAX_PR_SD_MS`]).
fn sinus_pr(beats: &[ChunkBeat], fs: f64) -> Option<f64> {
    let p_frac = beats.iter().filter(|b| b.p).count() as f64 / beats.len().max(1) as f64;
    let (_, robust) = pr_spread(beats, fs)?;
    if p_frac < SINUS_MIN_P_FRACTION || robust > SINUS_MAX_PR_SD_MS {
        return None;
    }
    let pr: Vec<f64> = beats
        .iter()
        .filter_map(|b| Some(f64::from(b.pr?)))
        .collect();
    Some(crate::detect::median(&pr))
}

/// An episode's beats `first..=last` without the sinus beats at its ends that its windows
/// took in: each end moves inwards to the first two beats in a row without a P wave at the
/// PR of the organised rhythm next to it (the `w` beats outside), when there is one. `None`
/// when every beat has such a P wave.
fn trim_episode(
    beats: &[ChunkBeat],
    first: usize,
    last: usize,
    w: usize,
    fs: f64,
) -> Option<(usize, usize)> {
    let mut a = first;
    if let Some(pr) = sinus_pr(&beats[first.saturating_sub(w)..first], fs) {
        a = (first..last)
            .find(|&i| !sinus_p(&beats[i], pr, fs) && !sinus_p(&beats[i + 1], pr, fs))?;
    }
    let mut b = last;
    if let Some(pr) = sinus_pr(&beats[last + 1..(last + 1 + w).min(beats.len())], fs) {
        b = (a + 1..=last)
            .rev()
            .find(|&i| !sinus_p(&beats[i], pr, fs) && !sinus_p(&beats[i - 1], pr, fs))?;
    }
    Some((a, b))
}

/// Atrial fibrillation episodes as beat index ranges `first..=last`: the beats of
/// [`af_beats`], joined across gaps shorter than `hopts.af_min_s`, their ends trimmed
/// ([`trim_episode`]), kept from `hopts.af_min_s` up.
fn af_episodes(cb: &[ChunkBeat], fs: f64, hopts: &HolterOptions) -> Vec<(usize, usize)> {
    let af = af_beats(cb, hopts.af_window_beats, fs);
    let t = |i: usize| cb[i].r as f64 / fs;
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < cb.len() {
        if !af[k] {
            k += 1;
            continue;
        }
        let mut e = k;
        while e + 1 < cb.len() && af[e + 1] {
            e += 1;
        }
        match spans.last_mut() {
            Some(last) if t(k) - t(last.1) < hopts.af_min_s => last.1 = e,
            _ => spans.push((k, e)),
        }
        k = e + 1;
    }
    let w = hopts.af_window_beats.max(8);
    spans
        .into_iter()
        .filter_map(|(a, b)| trim_episode(cb, a, b, w, fs))
        .filter(|&(a, b)| t(b) - t(a) >= hopts.af_min_s)
        .collect()
}

/// Beats between two ventricular beats that are more beats of their run become ventricular:
/// conducted-class beats whose QRS differs from the dominant beat in at least
/// [`MIN_DIFFERENT_LEADS`] leads and in as many as the smaller of the two ventricular beats',
/// with every RR interval from the ventricular beat before them to the one after within
/// [`VT_BRIDGE_RR`] of their median (the run's cycle goes on: no early capture beat, no pause).
fn bridge_ventricular_runs(cb: &[ChunkBeat], classes: &mut [BeatClass]) {
    let n = classes.len();
    let mut i = 0;
    while i + 1 < n {
        if classes[i] != BeatClass::Ventricular || classes[i + 1] == BeatClass::Ventricular {
            i += 1;
            continue;
        }
        let wide = |k: usize| {
            conducted(classes[k]) && usize::from(cb[k].different_leads) >= MIN_DIFFERENT_LEADS
        };
        let j = (i + 1..n).find(|&k| !wide(k)).unwrap_or(n);
        if j == n || classes[j] != BeatClass::Ventricular {
            i = j;
            continue;
        }
        let least = cb[i].different_leads.min(cb[j].different_leads);
        let rr: Vec<f64> = (i + 1..=j)
            .map(|k| (cb[k].fid - cb[k - 1].fid) as f64)
            .collect();
        let m = crate::detect::median(&rr);
        if (i + 1..j).all(|k| cb[k].different_leads >= least)
            && rr.iter().all(|r| (r - m).abs() <= VT_BRIDGE_RR * m)
        {
            classes[i + 1..j].fill(BeatClass::Ventricular);
        }
        i = j;
    }
}

fn holter_outputs(
    cb: &[ChunkBeat],
    beats: &mut [Beat],
    fs: f64,
    n: usize,
    chunks: usize,
    hopts: &HolterOptions,
    rep: (usize, usize),
) -> Holter {
    // Atrial fibrillation episodes (beat indices).
    let episodes = af_episodes(cb, fs, hopts);
    // In AF there are no supraventricular ectopics: prematurity means nothing when every RR
    // is irregular, so a beat of an episode, or the first beat after it (its RR starts in
    // AF), is a conducted beat, and no supraventricular run starts there.
    let in_af = |i: usize| episodes.iter().any(|&(a, b)| i >= a && i <= b + 1);
    let mut classes: Vec<BeatClass> = beats
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if b.class == BeatClass::Supraventricular && in_af(i) {
                BeatClass::Normal
            } else {
                b.class
            }
        })
        .collect();
    // A ventricular run is not cut by beats whose class wavers (a P wave "found" on the
    // previous beat's T wave at a fast rate makes a ventricular beat look conducted).
    bridge_ventricular_runs(cb, &mut classes);
    for (b, &c) in beats.iter_mut().zip(&classes) {
        b.class = c;
    }
    let beats = &*beats;
    let duration_s = n as f64 / fs;
    // Hourly rate from conducted-to-conducted RR intervals.
    let n_hours = (duration_s / 3600.0).ceil().max(1.0) as usize;
    let mut hourly = Vec::with_capacity(n_hours);
    let n_minutes = ((duration_s / 60.0).ceil() as usize).max(1);
    let mut minute_rr: Vec<(f64, usize)> = vec![(0.0, 0); n_minutes];
    let mut minute_beats: Vec<usize> = vec![0; n_minutes];
    let mut hour_rr: Vec<(f64, usize, usize)> = vec![(0.0, 0, 0); n_hours];
    for (i, b) in beats.iter().enumerate() {
        let h = ((b.r_s / 3600.0) as usize).min(n_hours - 1);
        hour_rr[h].2 += 1;
        minute_beats[((b.r_s / 60.0) as usize).min(n_minutes - 1)] += 1;
        if i > 0 && conducted(b.class) && conducted(beats[i - 1].class) {
            let rr = b.rr_ms.unwrap_or(0.0);
            if rr > 0.0 && rr < hopts.pause_s * 1000.0 {
                hour_rr[h].0 += rr;
                hour_rr[h].1 += 1;
                let mi = ((b.r_s / 60.0) as usize).min(minute_rr.len() - 1);
                minute_rr[mi].0 += rr;
                minute_rr[mi].1 += 1;
            }
        }
    }
    for (h, &(sum, cnt, nb)) in hour_rr.iter().enumerate() {
        let minutes: Vec<f64> = minute_rr
            [(h * 60).min(minute_rr.len())..((h + 1) * 60).min(minute_rr.len())]
            .iter()
            .filter(|(_, c)| *c >= MINUTE_MIN_RR)
            .map(|(s, c)| 60_000.0 * *c as f64 / s)
            .collect();
        hourly.push(HourlyRate {
            hour: h,
            beats: nb,
            min_bpm: minutes.iter().copied().reduce(f64::min).map(round1),
            mean_bpm: (cnt > 0).then(|| round1(60_000.0 * cnt as f64 / sum)),
            max_bpm: minutes.iter().copied().reduce(f64::max).map(round1),
        });
    }
    let minutes = minute_rr
        .iter()
        .zip(&minute_beats)
        .enumerate()
        .map(|(minute, (&(sum, cnt), &beats))| MinuteRate {
            minute,
            beats,
            mean_bpm: (cnt >= MINUTE_MIN_RR).then(|| round1(60_000.0 * cnt as f64 / sum)),
        })
        .collect();
    // Pauses.
    let pauses: Vec<Pause> = beats
        .windows(2)
        .filter_map(|w| {
            let d = w[1].r_s - w[0].r_s;
            (d >= hopts.pause_s).then(|| Pause {
                start_s: round3(w[0].r_s),
                end_s: round3(w[1].r_s),
                duration_s: round3(d),
            })
        })
        .collect();
    let af_episodes: Vec<Episode> = episodes
        .iter()
        .map(|&(a, b)| {
            let (s, t) = (beats[a].r_s, beats[b].r_s);
            Episode {
                start_s: round3(s),
                end_s: round3(t),
                duration_s: round3(t - s),
                mean_bpm: if b > a {
                    round1(60.0 * (b - a) as f64 / (t - s))
                } else {
                    0.0
                },
            }
        })
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for c in &classes {
        *counts.entry(c.code().to_string()).or_insert(0) += 1;
    }
    // Runs of ectopic beats.
    let mut runs = Vec::new();
    let mut i = 0;
    while i < beats.len() {
        let c = classes[i];
        if !matches!(c, BeatClass::Ventricular | BeatClass::Supraventricular) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < beats.len() && classes[j + 1] == c {
            j += 1;
        }
        let len = j - i + 1;
        let span = beats[j].r_s - beats[i].r_s;
        let rate = if len > 1 {
            round1(60.0 * (len - 1) as f64 / span.max(1e-9))
        } else {
            0.0
        };
        let kind = match (c, len) {
            (BeatClass::Ventricular, 2) => Some(RunKind::VentricularCouplet),
            (BeatClass::Ventricular, 3) => Some(RunKind::VentricularTriplet),
            (BeatClass::Ventricular, l) if l >= 4 && rate >= 100.0 => {
                Some(RunKind::VentricularTachycardia)
            }
            (BeatClass::Ventricular, l) if l >= 4 => Some(RunKind::IdioventricularRun),
            (BeatClass::Supraventricular, 2) => Some(RunKind::SupraventricularCouplet),
            (BeatClass::Supraventricular, l) if l >= 3 && rate >= 100.0 => {
                Some(RunKind::SupraventricularTachycardia)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            runs.push(Run {
                kind,
                start_s: round3(beats[i].r_s),
                end_s: round3(beats[j].r_s),
                first_beat: i,
                beats: len,
                rate_bpm: rate,
            });
        }
        i = j + 1;
    }
    // Supraventricular tachycardia by rate: conducted beats outside AF starting abruptly (the
    // first RR at most SVT_ONSET of the median of the 8 RR intervals before) and staying that
    // fast, at least 3 beats at >= 100 bpm (the classifier calls only the first of them
    // premature: the others are on time for the run).
    let mut k = 9;
    while k < beats.len() {
        let rr = |i: usize| beats[i].r_s - beats[i - 1].r_s;
        let ok = |i: usize| conducted(classes[i]) && !in_af(i);
        if !ok(k) || !(k - 8..k).all(|i| ok(i) && ok(i - 1)) {
            k += 1;
            continue;
        }
        let mut prev: Vec<f64> = (k - 8..k).map(rr).collect();
        prev.sort_by(f64::total_cmp);
        let reference = (prev[3] + prev[4]) / 2.0;
        let limit = SVT_ONSET * reference;
        if rr(k) > limit {
            k += 1;
            continue;
        }
        let mut j = k;
        while j + 1 < beats.len() && ok(j + 1) && rr(j + 1) <= limit {
            j += 1;
        }
        let len = j - k + 1;
        let rate = round1(60.0 * (len - 1).max(1) as f64 / (beats[j].r_s - beats[k].r_s).max(1e-9));
        if len >= 3 && rate >= 100.0 {
            runs.retain(|r| {
                !(r.start_s >= beats[k].r_s - 1e-3 && r.start_s <= beats[j].r_s + 1e-3)
            });
            runs.push(Run {
                kind: RunKind::SupraventricularTachycardia,
                start_s: round3(beats[k].r_s),
                end_s: round3(beats[j].r_s),
                first_beat: k,
                beats: len,
                rate_bpm: rate,
            });
        }
        k = j + 1;
    }
    runs.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    // Folded from +0.0: the `Sum` of no f64 is -0.0, and "AF burden -0.0 %" was printed for a
    // recording without fibrillation.
    let af_s = af_episodes.iter().fold(0.0, |s, e| s + e.duration_s);
    let af_burden = (af_s / duration_s * 1e4).round() / 1e4;
    let mut h = Holter {
        duration_s,
        chunks,
        counts,
        hourly,
        minutes,
        longest_af: None,
        longest_vt: None,
        fastest_vt: None,
        longest_svt: None,
        fastest_svt: None,
        longest_pause: None,
        pauses,
        runs,
        af_episodes,
        af_burden,
        representative_window_s: (round3(rep.0 as f64 / fs), round3(rep.1 as f64 / fs)),
    };
    h.fill_extremes();
    h
}

impl Holter {
    /// Sets the longest and fastest episodes (`longest_*`, `fastest_*`) from the pauses, runs
    /// and AF episodes: the longest by beats (runs) or duration, the fastest by rate, the
    /// earliest of equals. A Holter read back from its stored rows gets them from here.
    pub fn fill_extremes(&mut self) {
        let runs = &self.runs;
        let longest = |k: &[RunKind]| {
            runs.iter()
                .filter(|r| k.contains(&r.kind))
                .max_by(|a, b| a.beats.cmp(&b.beats).then(b.start_s.total_cmp(&a.start_s)))
                .cloned()
        };
        let fastest = |k: &[RunKind]| {
            runs.iter()
                .filter(|r| k.contains(&r.kind))
                .max_by(|a, b| {
                    a.rate_bpm
                        .total_cmp(&b.rate_bpm)
                        .then(b.start_s.total_cmp(&a.start_s))
                })
                .cloned()
        };
        let vt = [RunKind::VentricularTachycardia, RunKind::IdioventricularRun];
        let svt = [RunKind::SupraventricularTachycardia];
        self.longest_vt = longest(&vt);
        self.fastest_vt = fastest(&vt);
        self.longest_svt = longest(&svt);
        self.fastest_svt = fastest(&svt);
        self.longest_af = self
            .af_episodes
            .iter()
            .max_by(|a, b| a.duration_s.total_cmp(&b.duration_s))
            .cloned();
        self.longest_pause = self
            .pauses
            .iter()
            .max_by(|a, b| a.duration_s.total_cmp(&b.duration_s))
            .cloned();
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f64 = 500.0;

    /// A deterministic uniform draw in [0, 1) (xorshift).
    fn uniform(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    fn beat(fid: usize, class: BeatClass, pr_ms: Option<f64>, different_leads: u8) -> ChunkBeat {
        ChunkBeat {
            fid,
            r: fid,
            class,
            p: pr_ms.is_some(),
            pr: pr_ms.map(|v| (v * FS / 1000.0).round() as u32),
            different_leads,
        }
    }

    /// `sinus` beats at 0.8 s with a P wave at 160 ms, `af` beats at RR 0.42-1.05 s with a
    /// "P wave" (the fibrillatory baseline) before `p_af` of them at 100-280 ms, `sinus` more.
    fn sinus_af_sinus(sinus: usize, af: usize, p_af: f64) -> Vec<ChunkBeat> {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut t = 1.0;
        let mut out = Vec::new();
        for k in 0..2 * sinus + af {
            let in_af = k >= sinus && k < sinus + af;
            let pr = if in_af {
                (uniform(&mut rng) < p_af).then(|| 100.0 + 180.0 * uniform(&mut rng))
            } else {
                Some(160.0)
            };
            out.push(beat((t * FS) as usize, BeatClass::Normal, pr, 0));
            t += if in_af {
                0.42 + 0.63 * uniform(&mut rng)
            } else {
                0.8 * (1.0 + 0.03 * (k as f64 / 4.0).sin())
            };
        }
        out
    }

    #[test]
    fn an_af_episode_with_p_like_waves_before_half_its_beats_is_one_episode() {
        let beats = sinus_af_sinus(300, 600, 0.5);
        let hopts = HolterOptions::default();
        // The windows inside the episode are not all in AF by themselves (P-like waves before
        // half the beats or more): what the hysteresis is for.
        let w = hopts.af_window_beats;
        let fids: Vec<usize> = beats.iter().map(|b| b.fid).collect();
        let cond = vec![true; beats.len()];
        let not_af = (300..900 - w)
            .step_by(w / 4)
            .filter(|&s| {
                window_rhythm(&beats[s..s + w], &fids[s..s + w], &cond[s..s + w], FS)
                    != Atrial::Fibrillation
            })
            .count();
        assert!(not_af > 0);
        // One episode, from the first AF beat to the last (within a beat: an AF beat may
        // have a "P wave" at the sinus PR).
        let e = af_episodes(&beats, FS, &hopts);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].0.abs_diff(300) <= 1 && e[0].1.abs_diff(899) <= 1,
            "{e:?}"
        );
        // Sinus rhythm throughout: no episode.
        assert!(af_episodes(&sinus_af_sinus(600, 0, 0.5), FS, &hopts).is_empty());
    }

    #[test]
    fn a_ventricular_run_is_not_cut_by_beats_with_its_qrs_on_its_cycle() {
        use BeatClass::{Normal as N, Ventricular as V};
        // Sinus at 0.8 s, then 8 beats at 0.4 s (the 5th and 6th called normal), then sinus.
        let run = |classes: &[BeatClass], diff: &[u8], rr: &[f64]| -> Vec<BeatClass> {
            let mut t = 1.0;
            let cb: Vec<ChunkBeat> = classes
                .iter()
                .zip(diff)
                .zip(rr)
                .map(|((&c, &d), &r)| {
                    t += r;
                    beat((t * FS) as usize, c, None, d)
                })
                .collect();
            let mut out = classes.to_vec();
            bridge_ventricular_runs(&cb, &mut out);
            out
        };
        let classes = [N, N, V, V, V, V, N, N, V, V, N, N];
        let rr = [0.8, 0.8, 0.48, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 1.0, 0.8];
        let wide = [0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0];
        assert_eq!(
            run(&classes, &wide, &rr),
            [N, N, V, V, V, V, V, V, V, V, N, N]
        );
        // A narrow (capture) beat, or one early for the run's cycle, stays as it was.
        let narrow = [0, 0, 7, 7, 7, 7, 0, 7, 7, 7, 0, 0];
        assert_eq!(run(&classes, &narrow, &rr), classes);
        let early = [0.8, 0.8, 0.48, 0.4, 0.4, 0.4, 0.3, 0.5, 0.4, 0.4, 1.0, 0.8];
        assert_eq!(run(&classes, &wide, &early), classes);
        // Normal beats between two isolated ventricular ectopics are not a run.
        let bigeminy = [N, V, N, V, N, V];
        assert_eq!(
            run(
                &bigeminy,
                &[0, 7, 0, 7, 0, 7],
                &[0.8, 0.5, 1.1, 0.5, 1.1, 0.5]
            ),
            bigeminy
        );
    }
}
