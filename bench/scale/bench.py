"""Throughput of Heartlens over an archive (issue 20), in one run on one machine:

1. a plain loop of `heartlens analyze --json FILE` (one process per file, as a shell loop would),
2. the Ray batch job (`heartlens.batch.run`) on a local Ray cluster with 1 and 2 tasks at a time,
3. the Python API (`heartlens.open` + `signals()` + `analyze()`) against wfdb-python +
   NeuroKit2 (`wfdb.rdrecord` + `nk.ecg_process` on lead II) on the same WFDB files.

Usage (after scripts/tests/python.sh has built and installed the wheel into the venv):

    nice -n 10 ~/.cache/heartlens/venv/bin/python bench/scale/bench.py \
        --cli "$CARGO_TARGET_DIR/debug/heartlens" DIR [DIR ...]

Every `*.hea` under each DIR with a duration of at most --max-s seconds is used. The files are
linked (never copied) into a temporary archive, --repeat times (rep0/, rep1/, ...) so that the
start-up of processes and Ray workers is amortised as in a large archive. Writes results/<date>-<host>/{files.csv,
throughput.csv, peers.csv, machine.txt} next to this script and prints a summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def collect(dirs: list[Path], max_s: float) -> list[tuple[str, Path]]:
    """(name in the archive, header path) for every short-enough WFDB record."""
    import heartlens

    out = []
    for d in dirs:
        tag = d.resolve().name
        for hea in sorted(d.rglob("*.hea")):
            try:
                rec = heartlens.open(hea)
            except heartlens.HeartlensError:
                continue
            # Multi-segment layouts and single-lead records are kept; long Holters are not.
            if rec.duration_s <= max_s and len(rec.leads) >= 1:
                out.append((f"{tag}/{hea.relative_to(d).as_posix()}", hea))
    return out


def link_archive(files: list[tuple[str, Path]], root: Path) -> None:
    for name, hea in files:
        dst = root / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        stem = hea.name[:-4]
        for companion in hea.parent.iterdir():
            if companion.name == hea.name or companion.name.startswith(stem + "."):
                target = dst.parent / companion.name
                if not target.exists():
                    os.symlink(companion.resolve(), target)


def cli_loop(cli: Path, root: Path, names: list[str], threads: int | None) -> tuple[float, int]:
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    failed = 0
    t0 = time.perf_counter()
    for n in names:
        r = subprocess.run([str(cli), "analyze", "--json", str(root / n)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        failed += r.returncode != 0
    return time.perf_counter() - t0, failed


def ray_job(root: Path, out: Path, address: str, parallelism: int, shard_size: int) -> tuple[float, int, int]:
    from heartlens import batch

    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    stats = batch.run(root, out, address=address, parallelism=parallelism, shard_size=shard_size, threads_per_task=1, log=lambda m: None)
    return time.perf_counter() - t0, stats.files_done, stats.files_failed


def api_vs_neurokit(files: list[tuple[str, Path]], rows: list[dict]) -> tuple[float, float, float, int]:
    """Runs in a child with RAYON_NUM_THREADS=1 so both sides use one core."""
    import heartlens
    import neurokit2 as nk
    import numpy as np
    import wfdb

    t_hl = t_hl_open = t_nk = t_beat = 0.0
    nk_ok = beat_ok = 0
    # Seeded random test weights: the same computation as trained ones.
    model = heartlens.BeatModel(HERE.parent.parent / "tests/data/vectors/beat/beat_v3_weights.safetensors")
    for name, hea in files:
        t0 = time.perf_counter()
        rec = heartlens.open(hea)
        rates = set(rec.sampling_rates_hz)
        if len(rates) == 1:
            rec.signals(np.float64)
        t1 = time.perf_counter()
        try:
            a = rec.analyze()
            hr = a["measurements"]["hr_bpm"]
        except heartlens.HeartlensError:
            hr = None
        t2 = time.perf_counter()
        t_hl_open += t1 - t0
        t_hl += t2 - t0
        tb = time.perf_counter()
        try:
            rec.beat_tokens(model)
            beat_ok += 1
            t_beat += time.perf_counter() - tb
        except heartlens.HeartlensError:
            pass
        t3 = time.perf_counter()
        nk_hr = None
        nk_err = ""
        try:
            r = wfdb.rdrecord(str(hea)[:-4])
            names = [s.upper() for s in r.sig_name]
            lead = names.index("II") if "II" in names else 0
            sig = r.p_signal[:, lead]
            sig = np.nan_to_num(sig)
            signals, info = nk.ecg_process(sig, sampling_rate=r.fs)
            nk_hr = float(np.nanmean(signals["ECG_Rate"]))
            nk_ok += 1
        except Exception as e:  # noqa: BLE001 - a peer failure is a row, not a stop
            nk_err = f"{type(e).__name__}: {e}"[:120]
        t_nk += time.perf_counter() - t3
        rows.append({"file": name, "heartlens_s": round(t2 - t0, 4), "heartlens_hr_bpm": hr, "neurokit_s": round(time.perf_counter() - t3, 4), "neurokit_hr_bpm": nk_hr, "neurokit_error": nk_err})
    return t_hl_open, t_hl, t_nk, nk_ok, t_beat, beat_ok


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("dirs", nargs="+", type=Path)
    p.add_argument("--cli", type=Path, required=True)
    p.add_argument("--max-s", type=float, default=120.0)
    p.add_argument("--port", type=int, default=6392)
    p.add_argument("--shard-size", type=int, default=8)
    p.add_argument("--repeat", type=int, default=1, help="link every file this many times (rep<k>/...) so start-up costs amortise")
    p.add_argument("--peers-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()

    import heartlens

    load_before = open("/proc/loadavg").read().strip()
    files = collect(args.dirs, args.max_s)
    if args.peers_only:
        rows: list[dict] = []
        res = api_vs_neurokit(files, rows)
        print(json.dumps({"res": res, "rows": rows}))
        return 0

    out = HERE / "results" / f"{time.strftime('%Y-%m-%d', time.gmtime())}-{socket.gethostname().split('.')[0]}"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="heartlens-scale-"))
    root = work / "in"
    archive = [(f"rep{k}/{n}", h) for k in range(args.repeat) for n, h in files]
    link_archive(archive, root)
    names = [n for n, _ in archive]
    dur = sum(heartlens.open(h).duration_s for _, h in files)
    with open(out / "files.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file"])
        w.writerows([[n] for n in names])
    print(f"{len(files)} files x {args.repeat}, {dur / 3600:.2f} h of ECG per copy", flush=True)

    results = []

    def record(what: str, seconds: float, n: int, note: str = "") -> None:
        results.append({"what": what, "files": n, "seconds": round(seconds, 3), "files_per_s": round(n / seconds, 3), "note": note})
        print(f"{what:42s} {n:4d} files {seconds:8.2f} s {n / seconds:8.2f} files/s  {note}", flush=True)

    profile = "release" if "/release/" in str(args.cli) else "dev (debug; signal, candle etc. at opt-level 2)"
    secs, failed = cli_loop(args.cli, root, names, None)
    record("cli loop (heartlens analyze --json)", secs, len(names), f"{profile}; rayon on all cores; {failed} failed")
    secs, failed = cli_loop(args.cli, root, names, 1)
    record("cli loop, RAYON_NUM_THREADS=1", secs, len(names), f"{profile}; {failed} failed")

    ray_bin = Path(sys.executable).with_name("ray")
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    subprocess.run([str(ray_bin), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={args.port}", "--num-cpus=2", "--object-store-memory=200000000", "--include-dashboard=false", "--disable-usage-stats"], check=True, env=env, stdout=subprocess.DEVNULL)
    try:
        address = f"127.0.0.1:{args.port}"
        for par in (1, 2):
            secs, done, failed = ray_job(root, work / f"out-{par}", address, par, args.shard_size)
            if par == 2:
                from heartlens.batch import read_tables

                errs = read_tables(work / f"out-{par}")["errors"].to_pylist()
                with open(out / "errors.csv", "w", newline="") as f:
                    w = csv.DictWriter(f, fieldnames=["file", "stage", "error_type", "message"])
                    w.writeheader()
                    for e in errs:  # no temporary paths of this machine in the results
                        e["message"] = e["message"].replace(f"{root}/", "IN/")
                        w.writerow(e)
            record(f"ray job, {par} task(s) at a time", secs, done + failed, f"wheel built with maturin --profile dev; {failed} failed; 1 thread per task")
    finally:
        subprocess.run([str(ray_bin), "stop", "--force"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    child = subprocess.run([sys.executable, __file__, "--peers-only", "--cli", str(args.cli), "--max-s", str(args.max_s), *map(str, args.dirs)], capture_output=True, text=True, env=dict(os.environ, RAYON_NUM_THREADS="1"), check=True)
    peers = json.loads(child.stdout.strip().splitlines()[-1])
    t_open, t_hl, t_nk, nk_ok, t_beat, beat_ok = peers["res"]
    record("python api: open + signals(float64)", t_open, len(files), "1 thread")
    record("python api: open + signals + analyze()", t_hl, len(files), "12-lead analysis, 1 thread")
    record("wfdb.rdrecord + nk.ecg_process (lead II)", t_nk, len(files), f"one lead; {len(files) - nk_ok} failed")
    if beat_ok:
        record("python api: beat_tokens (v3, split windows)", t_beat, beat_ok, "tokenization only, 1 thread")
    with open(out / "peers.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(peers["rows"][0]))
        w.writeheader()
        w.writerows(peers["rows"])
    with open(out / "throughput.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(results[0]))
        w.writeheader()
        w.writerows(results)
    import neurokit2
    import pyarrow
    import ray
    import wfdb

    (out / "machine.txt").write_text(
        f"date_utc: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n"
        f"host: {socket.gethostname()}\n{platform.platform()}\n"
        f"cpu: {next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')}; {os.cpu_count()} cpus\n"
        f"python {platform.python_version()}, heartlens {heartlens.__version__} ({heartlens.ANALYSIS_VERSION}), ray {ray.__version__}, pyarrow {pyarrow.__version__}, wfdb {wfdb.__version__}, neurokit2 {neurokit2.__version__}\n"
        f"cli: {args.cli} ({profile})\nfiles: {len(files)} ({dur:.0f} s of ECG) x {args.repeat} copies in the CLI and Ray runs, once in the peer runs; dirs: {' '.join(str(d) for d in args.dirs)}\n"
        f"load before: {load_before}\n"
    )
    shutil.rmtree(work, ignore_errors=True)
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
