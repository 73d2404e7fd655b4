"""An archive of ECG files analysed on Ray: measurements, statements (and optionally Beat codes)
written as Parquet tables, resumable, with per-file errors recorded instead of stopping the run.

Owns file discovery, sharding, the Ray task that analyses one shard, the output layout and
resuming. It does not own analysis (``heartlens.Recording.analyze``, the same code and JSON as
``heartlens analyze --json``) or the cluster (any Ray cluster: ``ray start --head`` on one
machine, or many).

Output layout of ``OUT_DIR`` (one Parquet *part* per shard and table, so a rerun never rewrites
what is done)::

    manifest.json                    analysis version, options, tables' columns, runs (files,
                                     errors, seconds)
    measurements/part-<run>-<n>.parquet   one row per analysed file
    statements/part-<run>-<n>.parquet     one row per statement
    errors/part-<run>-<n>.parquet         one row per file that failed (stage, message)
    tokens/part-<run>-<n>.parquet         one row per Beat window (only with --beat)
    _done/part-<run>-<n>.json             the shard's commit record: its files

Steps (numbers match ``# (n)`` in the code):
1. Discover: every regular file under ``IN_DIR`` that is not a companion of a WFDB header
   (``x.dat`` beside ``x.hea``) or documentation (README, LICENSE, *.md, *.json, SHA256SUMS),
   optionally filtered by ``--glob``, or the paths listed in ``--files-from``; the content
   decides the format, as in ``heartlens``.
2. Resume: files listed by a ``_done`` record are done (errors included, unless
   ``--retry-errors``); parts without a record (a crashed shard) are deleted.
3. Shard the pending files (``--shard-size``) and run one Ray task per shard, at most
   ``--parallelism`` at a time. Each task writes its parts to temporary names, renames them,
   then writes its ``_done`` record last: a shard is either committed whole or redone.
4. The driver appends the run to ``manifest.json``.

:func:`read_tables` reads the committed parts back as pyarrow tables. One driver at a time per
``OUT_DIR``: a second one would take the first one's uncommitted parts for a crash and delete them.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

TABLES = ("measurements", "statements", "errors", "tokens")

# Files that are never recordings: documentation and checksums next to the data.
_SKIP_NAMES = ("readme", "license", "licence", "sha256sums", "copying")
_SKIP_SUFFIXES = (".md", ".json", ".html", ".pdf", ".png", ".py", ".sha256")


@dataclass
class Options:
    """What the job computes; stored in the manifest so a resumed run computes the same."""

    filter: str = "diagnostic"
    mains_hz: float = 50.0
    holter_min_s: float = 600.0
    beat_weights: List[str] = field(default_factory=list)
    beat_config: str = "v3"
    beat_windows: str = "split"


@dataclass
class RunStats:
    """One run of the job (appended to the manifest)."""

    run_id: str
    started: float
    files_pending: int
    shards: int
    files_done: int = 0
    files_failed: int = 0
    seconds: float = 0.0
    parallelism: int = 0


def discover(in_dir: Path, glob: Optional[str] = None) -> List[str]:
    """(1) Recording candidates under ``in_dir`` as sorted POSIX paths relative to it."""
    in_dir = Path(in_dir)
    found: List[str] = []
    for root, dirs, files in os.walk(in_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        stems_with_header = {f[:-4] for f in files if f.endswith(".hea")}
        for name in sorted(files):
            low = name.lower()
            if name.startswith(".") or low.startswith(_SKIP_NAMES) or low.endswith(_SKIP_SUFFIXES):
                continue
            stem, _, ext = name.rpartition(".")
            if ext != "hea" and stem in stems_with_header:
                continue  # WFDB signal/annotation companion: read through its header.
            path = Path(root, name)
            rel = path.relative_to(in_dir).as_posix()
            if glob is not None and not Path(rel).match(glob):
                continue
            found.append(rel)
    return sorted(found)


def _done_records(out_dir: Path) -> Dict[str, Dict[str, Any]]:
    done_dir = out_dir / "_done"
    records: Dict[str, Dict[str, Any]] = {}
    if done_dir.is_dir():
        for p in sorted(done_dir.glob("*.json")):
            records[p.stem] = json.loads(p.read_text())
    return records


def resume_state(out_dir: Path, retry_errors: bool = False) -> tuple[set, List[str]]:
    """(2) The files already done and the committed part names; deletes uncommitted parts.
    With ``retry_errors``, failed files are not done and their commit records are rewritten
    without them (their error rows stay in old parts but are filtered by :func:`read_tables`)."""
    out_dir = Path(out_dir)
    records = _done_records(out_dir)
    for table in TABLES:
        d = out_dir / table
        if not d.is_dir():
            continue
        for p in d.iterdir():
            part = p.name.split(".")[0]
            if part not in records:
                p.unlink()  # a shard that crashed before its commit record: redone
    done: set = set()
    for part, rec in records.items():
        done.update(rec["ok"])
        if not retry_errors:
            done.update(rec["failed"])
    return done, sorted(records)


def _parquet_write(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


# Column types, so an empty part has the same schema as a full one.
def _schemas() -> Dict[str, Any]:
    import pyarrow as pa

    f64 = pa.float64()
    return {
        "measurements": pa.schema(
            [
                ("file", pa.string()),
                ("format", pa.string()),
                ("leads", pa.int32()),
                ("fs_hz", f64),
                ("duration_s", f64),
                ("beats", pa.int32()),
                ("hr_bpm", f64),
                ("rr_ms", f64),
                ("pr_ms", f64),
                ("qrs_ms", f64),
                ("qt_ms", f64),
                ("qtc_bazett_ms", f64),
                ("qtc_fridericia_ms", f64),
                ("qtc_framingham_ms", f64),
                ("qtc_hodges_ms", f64),
                ("axis_p_deg", f64),
                ("axis_qrs_deg", f64),
                ("axis_t_deg", f64),
                ("holter", pa.bool_()),
                ("analysis_version", pa.string()),
                ("seconds", f64),
            ]
        ),
        "statements": pa.schema(
            [
                ("file", pa.string()),
                ("index", pa.int32()),
                ("text", pa.string()),
                ("criterion", pa.string()),
                ("evidence_leads", pa.list_(pa.string())),
                ("evidence_beat_times_s", pa.list_(f64)),
            ]
        ),
        "errors": pa.schema(
            [
                ("file", pa.string()),
                ("stage", pa.string()),
                ("error_type", pa.string()),
                ("message", pa.string()),
            ]
        ),
        "tokens": pa.schema(
            [
                ("file", pa.string()),
                ("window", pa.int32()),
                ("start_s", f64),
                ("duration_s", f64),
                ("left_pad_s", f64),
                ("codes", pa.list_(pa.list_(pa.int32()))),
            ]
        ),
    }


def analyse_file(
    in_dir: str, rel: str, opts: Options, model: Any = None
) -> Dict[str, List[Dict[str, Any]]]:
    """Rows of every table for one file; a failure becomes one ``errors`` row (never raised)."""
    import heartlens

    rows: Dict[str, List[Dict[str, Any]]] = {t: [] for t in TABLES}
    stage = "open"
    t0 = time.perf_counter()
    try:
        rec = heartlens.open(os.path.join(in_dir, rel))
        stage = "analyze"
        a = rec.analyze(filter=opts.filter, mains_hz=opts.mains_hz, holter_min_s=opts.holter_min_s)
        if model is not None:
            stage = "tokenize"
            tokens = rec.beat_tokens(model, windows=opts.beat_windows)
            for i, w in enumerate(tokens["windows"]):
                rows["tokens"].append(
                    {
                        "file": rel,
                        "window": i,
                        "start_s": w["start_s"],
                        "duration_s": w["duration_s"],
                        "left_pad_s": w["left_pad_s"],
                        "codes": w["codes"],
                    }
                )
    except Exception as e:  # noqa: BLE001 - every failure is a row, the run goes on
        rows = {t: [] for t in TABLES}
        rows["errors"].append(
            {"file": rel, "stage": stage, "error_type": type(e).__name__, "message": str(e)}
        )
        return rows
    m = a["measurements"]
    rates = set(rec.sampling_rates_hz)
    rows["measurements"].append(
        {
            "file": rel,
            "format": rec.format,
            "leads": len(rec.leads),
            "fs_hz": rates.pop() if len(rates) == 1 else None,
            "duration_s": rec.duration_s,
            "beats": len(a["beats"]),
            "hr_bpm": m["hr_bpm"],
            "rr_ms": m["rr_ms"],
            "pr_ms": m["pr_ms"],
            "qrs_ms": m["qrs_ms"],
            "qt_ms": m["qt_ms"],
            "qtc_bazett_ms": m["qtc_ms"]["bazett"],
            "qtc_fridericia_ms": m["qtc_ms"]["fridericia"],
            "qtc_framingham_ms": m["qtc_ms"]["framingham"],
            "qtc_hodges_ms": m["qtc_ms"]["hodges"],
            "axis_p_deg": m["axis_deg"]["p"],
            "axis_qrs_deg": m["axis_deg"]["qrs"],
            "axis_t_deg": m["axis_deg"]["t"],
            "holter": "holter" in a,
            "analysis_version": heartlens.ANALYSIS_VERSION,
            "seconds": time.perf_counter() - t0,
        }
    )
    for i, s in enumerate(a["statements"]):
        rows["statements"].append(
            {
                "file": rel,
                "index": i,
                "text": s["text"],
                "criterion": s["criterion"],
                "evidence_leads": s["evidence"]["leads"],
                "evidence_beat_times_s": s["evidence"]["beat_times_s"],
            }
        )
    return rows


def process_shard(
    in_dir: str,
    out_dir: str,
    files: Sequence[str],
    part: str,
    opts_dict: Dict[str, Any],
    threads: int = 1,
) -> Dict[str, Any]:
    """(3) Analyses one shard and commits its parts; runs inside a Ray task (or directly).
    ``threads`` sizes the analysis thread pool of this worker process; it takes effect when the
    process analyses its first file (Ray reuses workers, so later tasks share that pool)."""
    import pyarrow as pa

    # Read once by rayon when its pool starts. Setting it here rather than through a Ray
    # runtime_env keeps Ray's default worker pool (a runtime_env starts new workers per job).
    os.environ.setdefault("RAYON_NUM_THREADS", str(max(1, threads)))

    opts = Options(**opts_dict)
    model = None
    if opts.beat_weights:
        import heartlens

        model = heartlens.BeatModel(opts.beat_weights, config=opts.beat_config)
    out = Path(out_dir)
    tables: Dict[str, List[Dict[str, Any]]] = {t: [] for t in TABLES}
    ok: List[str] = []
    failed: List[str] = []
    t0 = time.perf_counter()
    for rel in files:
        rows = analyse_file(in_dir, rel, opts, model)
        (failed if rows["errors"] else ok).append(rel)
        for t in TABLES:
            tables[t].extend(rows[t])
    schemas = _schemas()
    for t in TABLES:
        if t == "tokens" and model is None:
            continue
        (out / t).mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(tables[t], schema=schemas[t])
        _parquet_write(table, out / t / f"{part}.parquet")
    record = {"part": part, "ok": ok, "failed": failed, "seconds": time.perf_counter() - t0}
    done = out / "_done"
    done.mkdir(parents=True, exist_ok=True)
    tmp = done / f".{part}.json.tmp"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, done / f"{part}.json")  # the commit: written last
    return record


def read_tables(out_dir: Path) -> Dict[str, Any]:
    """The committed parts of every table as pyarrow tables. Errors of files that a later
    ``--retry-errors`` run analysed are dropped, and a file that failed again keeps only its
    latest error row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    records = _done_records(out_dir)
    ok_files = set()
    for rec in records.values():
        ok_files.update(rec["ok"])
    schemas = _schemas()
    result: Dict[str, Any] = {}
    for t in TABLES:
        parts = [
            out_dir / t / f"{part}.parquet"
            for part in sorted(records)
            if (out_dir / t / f"{part}.parquet").is_file()
        ]
        table = (
            pa.concat_tables([pq.read_table(p, schema=schemas[t]) for p in parts])
            if parts
            else schemas[t].empty_table()
        )
        if t == "errors" and table.num_rows:
            files = table.column("file").to_pylist()
            last = {f: i for i, f in enumerate(files)}  # parts are in run order
            keep = [f not in ok_files and last[f] == i for i, f in enumerate(files)]
            table = table.filter(pa.array(keep))
        result[t] = table
    return result


def _read_manifest(out_dir: Path) -> Optional[Dict[str, Any]]:
    p = out_dir / "manifest.json"
    return json.loads(p.read_text()) if p.is_file() else None


def _write_manifest(out_dir: Path, manifest: Dict[str, Any]) -> None:
    p = out_dir / "manifest.json"
    tmp = out_dir / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, p)


def _chunks(items: Sequence[str], n: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class ManifestMismatch(Exception):
    """OUT_DIR holds results of another analysis version, other options or another table
    layout."""


def run(
    in_dir: Path,
    out_dir: Path,
    *,
    address: Optional[str] = None,
    opts: Optional[Options] = None,
    shard_size: int = 32,
    parallelism: Optional[int] = None,
    threads_per_task: int = 1,
    glob: Optional[str] = None,
    files_from: Optional[Path] = None,
    retry_errors: bool = False,
    log: Any = print,
) -> RunStats:
    """Runs the job on the Ray cluster at ``address`` (``None``: a local one started for the
    run) and returns its statistics. ``files_from`` names a text file of paths relative to
    ``in_dir`` (one per line) used instead of walking ``in_dir``. Raises :class:`ManifestMismatch` when ``out_dir`` was
    written with another analysis version, other options or another table layout."""
    import heartlens
    import ray

    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    opts = opts or Options()
    out_dir.mkdir(parents=True, exist_ok=True)
    # The table layout too: parts of two layouts in one table would not read as one.
    columns = {t: schema.names for t, schema in _schemas().items()}
    settings = {"analysis_version": heartlens.ANALYSIS_VERSION, "options": asdict(opts), "columns": columns}
    manifest = _read_manifest(out_dir)
    if manifest is None:
        manifest = {**settings, "in_dir": str(in_dir), "runs": []}
    elif {k: manifest.get(k) for k in settings} != settings:
        other_columns = "" if manifest.get("columns") == columns else " and other table columns"
        raise ManifestMismatch(
            f"{out_dir}: written by {manifest.get('analysis_version')} with options "
            f"{manifest.get('options')}{other_columns}; this run is "
            f"{settings['analysis_version']} with {settings['options']}: use another OUT_DIR"
        )
    if files_from is not None:  # (1) a list made once (walking 10^7 files is slow on NFS)
        lines = Path(files_from).read_text().splitlines()
        files = sorted({ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")})
    else:
        files = discover(in_dir, glob)  # (1)
    done, _ = resume_state(out_dir, retry_errors)  # (2)
    pending = [f for f in files if f not in done]
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    shards = list(_chunks(pending, max(1, shard_size)))
    stats = RunStats(run_id, time.time(), len(pending), len(shards))
    log(f"{len(files)} files, {len(files) - len(pending)} already done, {len(pending)} in {len(shards)} shards")
    t0 = time.perf_counter()
    if shards:  # (3)
        ray.init(address=address, log_to_driver=False)
        try:
            limit = parallelism or max(1, int(ray.cluster_resources().get("CPU", 1)))
            stats.parallelism = limit
            task = ray.remote(num_cpus=1, max_retries=1)(process_shard)
            opts_dict = asdict(opts)
            queue = list(enumerate(shards))
            running: List[Any] = []
            while queue or running:
                while queue and len(running) < limit:
                    n, shard = queue.pop(0)
                    part = f"part-{run_id}-{n:05d}"
                    running.append(
                        task.remote(str(in_dir), str(out_dir), list(shard), part, opts_dict, threads_per_task)
                    )
                ready, running = ray.wait(running, num_returns=1)
                for rec in ray.get(ready):
                    stats.files_done += len(rec["ok"])
                    stats.files_failed += len(rec["failed"])
                    log(f"{rec['part']}: {len(rec['ok'])} analysed, {len(rec['failed'])} failed")
        finally:
            ray.shutdown()
    stats.seconds = time.perf_counter() - t0
    manifest["runs"].append(asdict(stats))  # (4)
    _write_manifest(out_dir, manifest)
    return stats
