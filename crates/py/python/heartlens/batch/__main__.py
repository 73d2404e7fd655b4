"""``python -m heartlens.batch IN_DIR OUT_DIR [--address ADDR]``: the Ray batch job's command line
(see :mod:`heartlens.batch` for the output layout and resuming). Exit codes: 0 when every file
was analysed, 3 when some files failed (they are in the errors table), 2 for bad usage or an
OUT_DIR written with other settings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import ManifestMismatch, Options, run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m heartlens.batch",
        description="Analyse every ECG file under IN_DIR on Ray; write Parquet tables to OUT_DIR "
        "(measurements, statements, errors; tokens with --beat). A rerun skips files already done.",
    )
    p.add_argument("in_dir", type=Path, help="folder of ECG files (searched recursively)")
    p.add_argument("out_dir", type=Path, help="output folder (created; reused to resume)")
    p.add_argument(
        "--address",
        default=None,
        help="Ray cluster address (e.g. 127.0.0.1:6379 or auto); default: a local Ray started for the run",
    )
    p.add_argument("--shard-size", type=int, default=32, help="files per Ray task (default 32)")
    p.add_argument(
        "--parallelism", type=int, default=None, help="tasks at a time (default: the cluster's CPUs)"
    )
    p.add_argument(
        "--threads-per-task",
        type=int,
        default=1,
        help="analysis threads in each task (RAYON_NUM_THREADS; default 1, one task per CPU)",
    )
    p.add_argument("--glob", default=None, help="only files whose relative path matches, e.g. '*.hea'")
    p.add_argument(
        "--files-from",
        type=Path,
        default=None,
        help="text file of paths relative to IN_DIR, one per line, instead of walking IN_DIR",
    )
    p.add_argument("--retry-errors", action="store_true", help="analyse files that failed before again")
    p.add_argument("--filter", default="diagnostic", choices=["diagnostic", "monitoring"])
    p.add_argument("--mains", type=float, default=50.0, help="mains frequency in Hz (default 50)")
    p.add_argument("--holter-min", type=float, default=600.0, help="Holter analysis above this many seconds")
    p.add_argument(
        "--beat",
        action="append",
        default=[],
        metavar="WEIGHTS",
        help="Beat weights (repeat to overlay); adds the tokens table",
    )
    p.add_argument("--beat-config", default="v3", choices=["v3", "v1"])
    p.add_argument("--beat-windows", default="split", choices=["split", "best", "centred"])
    args = p.parse_args(argv)
    if not args.in_dir.is_dir():
        print(f"heartlens.batch: error: {args.in_dir}: not a folder", file=sys.stderr)
        return 2
    opts = Options(
        filter=args.filter,
        mains_hz=args.mains,
        holter_min_s=args.holter_min,
        beat_weights=[str(Path(w).resolve()) for w in args.beat],
        beat_config=args.beat_config,
        beat_windows=args.beat_windows,
    )
    try:
        stats = run(
            args.in_dir,
            args.out_dir,
            address=args.address,
            opts=opts,
            shard_size=args.shard_size,
            parallelism=args.parallelism,
            threads_per_task=args.threads_per_task,
            glob=args.glob,
            files_from=args.files_from,
            retry_errors=args.retry_errors,
            log=lambda m: print(m, file=sys.stderr),
        )
    except ManifestMismatch as e:
        print(f"heartlens.batch: error: {e}", file=sys.stderr)
        return 2
    print(
        f"run {stats.run_id}: {stats.files_done} analysed, {stats.files_failed} failed, "
        f"{stats.files_pending} pending at start, {stats.seconds:.1f} s"
    )
    return 3 if stats.files_failed else 0


if __name__ == "__main__":
    sys.exit(main())
