# Typed stubs of the native module heartlens._heartlens (crates/py/src/lib.rs). The public,
# documented API is heartlens/__init__.py; these stubs keep type checkers exact across the seam.
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ANALYSIS_VERSION: str
__version__: str

class HeartlensError(Exception): ...
class InputError(HeartlensError): ...
class RenderError(HeartlensError): ...
class ModelError(HeartlensError): ...

def open(
    path: str,
    *,
    sampling_rate_hz: Optional[float] = None,
    unit: Optional[str] = None,
    strict: bool = False,
) -> NativeRecording: ...

class NativeRecording:
    @property
    def path(self) -> Path: ...
    @property
    def format(self) -> str: ...
    @property
    def leads(self) -> List[str]: ...
    @property
    def original_labels(self) -> List[str]: ...
    @property
    def derived(self) -> List[bool]: ...
    @property
    def units(self) -> List[str]: ...
    @property
    def sampling_rates_hz(self) -> List[float]: ...
    @property
    def lead_samples(self) -> List[int]: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def start_time(self) -> Optional[str]: ...
    @property
    def warnings(self) -> List[str]: ...
    def patient(self) -> Dict[str, Any]: ...
    def acquisition(self) -> Dict[str, Any]: ...
    def signals_buffer(
        self, dtype: str = "float32", unit: str = "mV"
    ) -> Tuple[bytearray, int, int]: ...
    def lead_buffer(
        self, lead: int | str, dtype: str = "float32", unit: str = "mV"
    ) -> bytearray: ...
    def digital_buffer(
        self,
    ) -> Optional[Tuple[bytearray, int, int, List[Tuple[float, float]]]]: ...
    def analyze_json(
        self,
        filter: str = "diagnostic",
        mains_hz: float = 50.0,
        holter_min_s: float = 600.0,
        pause_s: float = 2.0,
        chunk_s: float = 300.0,
    ) -> str: ...
    def render_png(
        self,
        layout: str = "3x4+1",
        rhythm: Optional[List[str]] = None,
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
    ) -> bytes: ...

class NativeBeat:
    def __init__(self, weights: List[str], config: str = "v3") -> None: ...
    def tokenize_json(self, recording: NativeRecording, windows: str = "split") -> str: ...
