"""Generates a multi-hour 3-lead 360 Hz recording as WFDB format 212 and as EDF (numpy only).

Usage: generate.py OUTDIR HOURS. Writes OUTDIR/holter212_<H>h.{hea,dat} and OUTDIR/holter_<H>h.edf
(the duration is in the name, so files of another length in OUTDIR are never reused by mistake).
"""
import os
import sys

import numpy as np

out, hours = sys.argv[1], float(sys.argv[2])
tag = f"{hours:g}h"
fs, nsig = 360, 3
n = int(hours * 3600 * fs)
t = np.arange(n) / fs
rng = np.random.default_rng(1)
beats = (np.sin(2 * np.pi * 1.2 * t) ** 31) * 1500
sig = np.stack([beats * g + rng.normal(0, 20, n) for g in (1.0, 0.6, -0.4)], axis=1)
dig = np.clip(np.round(sig / 5), -2047, 2047).astype(np.int32)  # 5 uV per step, 200 adu/mV

hea = os.path.join(out, f"holter212_{tag}.hea")
if not os.path.exists(hea):
    flat = (dig.reshape(-1) & 0xFFF).astype(np.uint32)
    if flat.size % 2:
        flat = np.append(flat, 0)
    a, b = flat[0::2], flat[1::2]
    packed = np.empty((a.size, 3), np.uint8)
    packed[:, 0] = a & 0xFF
    packed[:, 1] = ((a >> 8) & 0x0F) | (((b >> 8) & 0x0F) << 4)
    packed[:, 2] = b & 0xFF
    packed.tofile(os.path.join(out, f"holter212_{tag}.dat"))
    with open(hea, "w") as f:
        f.write(f"holter212_{tag} {nsig} {fs} {n}\n")
        for k in range(nsig):
            cs = int(dig[:, k].sum()) & 0xFFFF
            cs = cs - 65536 if cs > 32767 else cs
            f.write(f"holter212_{tag}.dat 212 200 12 0 {dig[0, k]} {cs} 0 ECG{k}\n")

edf = os.path.join(out, f"holter_{tag}.edf")
if not os.path.exists(edf):
    nrec = n // fs
    d16 = dig[: nrec * fs].astype("<i2")
    def field(s, w):
        return s.ljust(w)[:w]
    h = field("0", 8) + field("X X X X", 80) + field("Startdate X X X X", 80) + "01.01.2000.00.00"
    h += field(str(256 * (nsig + 1)), 8) + field("", 44) + field(str(nrec), 8) + field("1", 8) + field(str(nsig), 4)
    h += "".join(field(f"ECG{k}", 16) for k in range(nsig)) + field("", 80) * nsig + field("uV", 8) * nsig
    h += field("-10240", 8) * nsig + field("10235", 8) * nsig + field("-2048", 8) * nsig + field("2047", 8) * nsig
    h += field("", 80) * nsig + field(str(fs), 8) * nsig + field("", 32) * nsig
    assert len(h) == 256 * (nsig + 1)
    with open(edf, "wb") as f:
        f.write(h.encode("ascii"))
        # records: per record, signal k's fs samples
        d16.reshape(nrec, fs, nsig).transpose(0, 2, 1).tofile(f)
