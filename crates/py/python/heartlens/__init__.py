"""Heartlens from Python: open any supported ECG file into numpy arrays, analyse it, draw it on
calibrated paper and turn it into Beat codes, with the same Rust code as the ``heartlens``
command line.

>>> import heartlens
>>> rec = heartlens.open("tests/data/wfdb/ludb/1.hea")
>>> rec.leads[:3], rec.sampling_rate_hz, rec.signals().shape
(['I', 'II', 'III'], 500.0, (12, 5000))
>>> rec.analyze()["measurements"]["hr_bpm"]  # the dict `heartlens analyze --json` prints

Errors are :class:`HeartlensError` subclasses whose message names the file and the problem:
:class:`InputError` (missing, unreadable or invalid file, bad argument), :class:`RenderError`
(no GPU adapter: install mesa-vulkan-drivers and set ``WGPU_BACKEND=vulkan``) and
:class:`ModelError` (Beat weights).

This module owns the numpy side and the typed API; ``heartlens._heartlens`` (Rust, pyo3) owns
decoding, analysis, rendering and the model. The Ray batch job is :mod:`heartlens.batch`.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _heartlens
from ._heartlens import (
    ANALYSIS_VERSION,
    HeartlensError,
    InputError,
    ModelError,
    RenderError,
)

__all__ = [
    "ANALYSIS_VERSION",
    "BeatModel",
    "HeartlensError",
    "InputError",
    "ModelError",
    "Recording",
    "RenderError",
    "open",
]

__version__: str = _heartlens.__version__

PathLike = Union[str, "os.PathLike[str]"]
_DTYPES = {"float32": np.float32, "float64": np.float64}


def _dtype_name(dtype: Any) -> str:
    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise InputError(f"dtype {name!r}: expected float32 or float64")
    return name


def open(
    path: PathLike,
    *,
    sampling_rate_hz: Optional[float] = None,
    unit: Optional[str] = None,
    strict: bool = False,
) -> "Recording":
    """Opens an ECG file of any supported format (WFDB: give the ``.hea``), recognised from its
    content. ``sampling_rate_hz`` and ``unit`` are for files that do not store them (CSV);
    ``strict`` refuses files that only open with warnings. Raises :class:`InputError`."""
    native = _heartlens.open(
        os.fspath(path), sampling_rate_hz=sampling_rate_hz, unit=unit, strict=strict
    )
    return Recording(native)


class Recording:
    """An opened ECG recording: metadata, samples, analysis, rendering, Beat codes."""

    __slots__ = ("_native",)

    def __init__(self, native: "_heartlens.NativeRecording") -> None:
        self._native = native

    def __repr__(self) -> str:
        return (
            f"<heartlens.Recording {os.fspath(self.path)!r}: {self.format}, "
            f"{len(self.leads)} leads, {self.duration_s:.1f} s>"
        )

    # Metadata -------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The path the recording was opened from."""
        return os.fspath(self._native.path)

    @property
    def format(self) -> str:
        """The file format's name (``WFDB``, ``EDF+``, ``SCP-ECG``, ...)."""
        return self._native.format

    @property
    def leads(self) -> List[str]:
        """Normalised lead names (``I``, ``II``, ..., ``V6``; other names as in the file)."""
        return self._native.leads

    @property
    def original_labels(self) -> List[str]:
        """Lead names as written in the file."""
        return self._native.original_labels

    @property
    def derived(self) -> List[bool]:
        """Per lead: computed from I and II (III, aVR, aVL, aVF) rather than stored."""
        return self._native.derived

    @property
    def units(self) -> List[str]:
        """Each lead's stored unit (``mV``, ``uV``, ...)."""
        return self._native.units

    @property
    def sampling_rates_hz(self) -> List[float]:
        """Each lead's sampling rate in Hz."""
        return self._native.sampling_rates_hz

    @property
    def sampling_rate_hz(self) -> Optional[float]:
        """The sampling rate in Hz shared by every lead, ``None`` when leads differ."""
        rates = set(self._native.sampling_rates_hz)
        return rates.pop() if len(rates) == 1 else None

    @property
    def n_samples(self) -> int:
        """Samples per lead (the longest lead when they differ)."""
        return max(self._native.lead_samples, default=0)

    @property
    def duration_s(self) -> float:
        """Duration in seconds (the longest lead)."""
        return self._native.duration_s

    @property
    def start_time(self) -> Optional[str]:
        """Acquisition start, ISO 8601, when the file states it."""
        return self._native.start_time

    @property
    def patient(self) -> Dict[str, Any]:
        """Patient facts: id, name, first_name, last_name, birth_date (ISO), age_years, sex
        (``male``/``female``/``None``), height_cm, weight_kg; ``None`` when not stated."""
        return self._native.patient()

    @property
    def acquisition(self) -> Dict[str, Any]:
        """Device and acquisition facts: start_time, manufacturer, model, software,
        institution, highpass_hz, lowpass_hz, notch_hz, comments."""
        return self._native.acquisition()

    @property
    def warnings(self) -> List[str]:
        """Tolerated non-compliance found while reading, one line each."""
        return self._native.warnings

    # Samples --------------------------------------------------------------------------------

    def signals(self, dtype: Any = np.float32, unit: str = "mV") -> np.ndarray:
        """All leads as a writable ``(leads, samples)`` array in mV (``unit="stored"``: as
        stored; channels that are not voltages, e.g. blood pressure in mmHg, are always as
        stored, see :attr:`units`). float64 values of calibrated leads are ``(digital - baseline) / gain`` computed
        in float64, as wfdb-python does; float32 values are the decoded samples. Raises
        :class:`InputError` when leads differ in rate or length (use :meth:`lead_signal`)."""
        name = _dtype_name(dtype)
        buf, rows, cols = self._native.signals_buffer(name, unit)
        return np.frombuffer(buf, dtype=_DTYPES[name]).reshape(rows, cols)

    def lead_signal(
        self, lead: Union[int, str], dtype: Any = np.float32, unit: str = "mV"
    ) -> np.ndarray:
        """One lead (index or name) as a 1-D array, in mV or as stored (non-voltage channels
        always as stored)."""
        name = _dtype_name(dtype)
        buf = self._native.lead_buffer(lead, name, unit)
        return np.frombuffer(buf, dtype=_DTYPES[name])

    def digital(self) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The ADC integers ``(leads, samples)`` int32 with per-lead ``gain`` and ``baseline``
        (``mV = (digital - baseline) / gain`` for mV leads), or ``None`` when the format
        stores decoded values only or a lead is derived."""
        out = self._native.digital_buffer()
        if out is None:
            return None
        buf, rows, cols, cal = out
        values = np.frombuffer(buf, dtype=np.int32).reshape(rows, cols)
        gain = np.array([g for g, _ in cal], dtype=np.float64)
        baseline = np.array([b for _, b in cal], dtype=np.float64)
        return values, gain, baseline

    # Analysis, rendering, tokens --------------------------------------------------------------

    def analyze_json(
        self,
        *,
        filter: str = "diagnostic",
        mains_hz: float = 50.0,
        holter_min_s: float = 600.0,
        pause_s: float = 2.0,
        chunk_s: float = 300.0,
    ) -> str:
        """The analysis as JSON text, exactly what ``heartlens analyze --json`` prints with the
        same options (compact instead of indented)."""
        return self._native.analyze_json(filter, mains_hz, holter_min_s, pause_s, chunk_s)

    def analyze(
        self,
        *,
        filter: str = "diagnostic",
        mains_hz: float = 50.0,
        holter_min_s: float = 600.0,
        pause_s: float = 2.0,
        chunk_s: float = 300.0,
    ) -> Dict[str, Any]:
        """Beats, waves, measurements (QTc by formula) and statements: the dict
        ``heartlens analyze --json`` prints (``measurements``, ``statements``, ``beats``,
        ``waves`` and, for recordings longer than ``holter_min_s``, ``holter``)."""
        return json.loads(
            self.analyze_json(
                filter=filter,
                mains_hz=mains_hz,
                holter_min_s=holter_min_s,
                pause_s=pause_s,
                chunk_s=chunk_s,
            )
        )

    def render_png(
        self,
        *,
        layout: str = "3x4+1",
        rhythm: Optional[Sequence[str]] = None,
        width: int = 1600,
        height: int = 900,
        dpi: float = 96.0,
        speed: float = 25.0,
        gain: float = 10.0,
        cabrera: bool = False,
        start_s: float = 0.0,
        filter: str = "off",
        marks: str = "none",
        minor_grid: bool = True,
        annotations: bool = True,
        minutes_per_row: float = 5.0,
        rows: Optional[int] = None,
    ) -> bytes:
        """The recording on calibrated paper as PNG bytes (RGBA, ``pHYs`` = ``dpi``), drawn by
        the GPU renderer exactly as ``heartlens render`` draws it with the same options.
        Without a GPU, install mesa-vulkan-drivers and set ``WGPU_BACKEND=vulkan`` (lavapipe).
        Layouts: 3x4, 3x4+1, 3x4+3, 6x2, 12x1, strip, median, overview."""
        return self._native.render_png(
            layout,
            None if rhythm is None else list(rhythm),
            width,
            height,
            dpi,
            speed,
            gain,
            cabrera,
            start_s,
            filter,
            marks,
            minor_grid,
            annotations,
            minutes_per_row,
            rows,
        )

    def beat_tokens(
        self,
        model: Union["BeatModel", PathLike, Sequence[PathLike]],
        *,
        config: str = "v3",
        windows: str = "split",
    ) -> Dict[str, Any]:
        """Beat (HeartcareGPT tokenizer) codes: the dict ``heartlens tokenize --json`` prints
        (``config``, ``windows`` [{``start_s``, ``codes``, ``duration_s``, ``left_pad_s``,
        ``choice``}], ``missing_leads``, ``derived_leads``, ``source_rate_hz``). ``model`` is a
        loaded :class:`BeatModel` or weight file(s); ``windows`` is ``split`` (the whole
        record in 4-s windows), ``best`` or ``centred``."""
        if not isinstance(model, BeatModel):
            model = BeatModel(model, config=config)
        return json.loads(model._native.tokenize_json(self._native, windows))


class BeatModel:
    """Beat tokenizer weights, loaded once for many recordings: ``.safetensors`` or PyTorch
    ``.pth`` files applied in order (later tensors win; v1 test weights are the v3 file then
    the v1 file). Heartlens ships no trained weights; the repository's tests use the seeded
    random weights in ``tests/data/vectors/beat``."""

    __slots__ = ("_native", "config")

    def __init__(
        self, weights: Union[PathLike, Sequence[PathLike]], *, config: str = "v3"
    ) -> None:
        if isinstance(weights, (str, os.PathLike)):
            files = [os.fspath(weights)]
        else:
            files = [os.fspath(w) for w in weights]
        self._native = _heartlens.NativeBeat(files, config)
        self.config = config

    def codes(self, recording: Recording, *, windows: str = "split") -> np.ndarray:
        """The codes alone as an int64 array ``(windows, codes per window, levels)``."""
        tokens = recording.beat_tokens(self, windows=windows)
        return np.array([w["codes"] for w in tokens["windows"]], dtype=np.int64)
