"""Times wfdb-python / pyedflib on the same files as heartlens and writes the comparison CSV.

Usage: peers.py OURS_CSV OUT_CSV FILE... ; each file is read PEER_REPEAT times (default 3), best
run kept (the heartlens side does the same, see crates/formats/benches/decode.rs).
"""
import csv
import os
import platform
import sys
import time

import pyedflib
import wfdb

ours_csv, out_csv, files = sys.argv[1], sys.argv[2], sys.argv[3:]
ours = {}
with open(ours_csv) as f:
    for row in csv.DictReader(f):
        ours[row["file"]] = row


def peer(path):
    t = time.perf_counter()
    if path.endswith(".hea"):
        r = wfdb.rdrecord(path[:-4], physical=True, smooth_frames=False)
        n = sum(len(s) for s in r.e_p_signal)
        return "wfdb-python", time.perf_counter() - t, n
    with pyedflib.EdfReader(path) as e:
        n = 0
        for k in range(e.signals_in_file):
            n += len(e.readSignal(k))
    return "pyedflib", time.perf_counter() - t, n


repeat = max(1, int(os.environ.get("PEER_REPEAT", "3")))
rows = []
for p in files:
    try:
        best = None
        for _ in range(repeat):
            name, secs, n = peer(p)
            best = secs if best is None else min(best, secs)
        secs = best
    except Exception as exc:  # peers refuse some files; record it
        name, secs, n = "peer-error", float("nan"), str(exc)[:60]
    o = ours.get(p, {})
    try:
        ratio = secs / float(o.get("seconds"))
    except (TypeError, ValueError, ZeroDivisionError):
        ratio = float("nan")
    rows.append([os.path.relpath(p), name, f"{secs:.6f}", n, o.get("seconds"), o.get("samples"),
                 o.get("open_seconds"), f"{ratio:.1f}"])
    print(f"{os.path.basename(p):40s} {name:12s} peer {secs:8.4f}s  heartlens {o.get('seconds')}s  ratio {ratio:6.1f}x")
with open(out_csv, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["# machine", platform.platform(), platform.processor(), os.cpu_count(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())])
    w.writerow(["file", "peer", "peer_seconds", "peer_samples", "heartlens_seconds", "heartlens_samples",
                "heartlens_open_seconds", "speedup"])
    w.writerows(rows)
print("wrote", out_csv)
