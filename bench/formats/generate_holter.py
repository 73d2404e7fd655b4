"""Generates a synthetic multi-lead Holter recording with KNOWN events, plus its ground truth.

Usage: generate_holter.py OUTDIR HOURS|MINUTESm [--leads 12|3] [--fs 500] [--seed 1]

Writes OUTDIR/synth_<L>lead_<H>h.{hea,dat} (or _<M>m) (WFDB, format 212: 12-bit, 5 uV per step, 200 adu/mV,
all leads interleaved) and OUTDIR/synth_<L>lead_<H>h.truth.json. Existing files are kept (the
duration, lead count and rate are in the name, so a file of another shape is never reused).
Memory stays bounded: the signal is rendered and written one block (10 min) at a time.

The recording (numpy only, seeded, so the same arguments give the same bytes):
- Beats from a heart vector (x left, y inferior, z anterior) projected on the leads: I and II
  from the frontal components, III, aVR, aVL and aVF from I and II by Einthoven/Goldberger (so
  the limb leads are consistent), V1-V6 from horizontal-plane directions. 12 leads stored
  (I II III aVR aVL aVF V1-V6) or, with --leads 3, I, II and V5.
- Sinus rhythm 60-90 bpm over a 24-h cycle (slower at night), with 3 % sinus arrhythmia.
- Normal beats: P 0.15 mV (PR 160 ms), QRS ~90 ms, T 0.3 mV. Ventricular beats: no P, wide QRS
  (~150 ms) on another axis, T discordant.
- Events at fixed fractions of the duration (all fit in 10 minutes):
  isolated ventricular ectopics (coupling 60 % of RR, full compensatory pause; 6 or one per
  10 min, whichever is more), one couplet, one triplet, one ventricular run of 8 beats at
  150 bpm (VT), one supraventricular run of 10 narrow beats at 160 bpm (SVT, inverted P),
  two sinus pauses (2.4 s and 3.2 s), and one atrial fibrillation episode (10 % of the
  duration, at least 90 s, at most 2 h: no P waves, 4-7 Hz fibrillatory baseline of ~50 uV,
  RR uniformly random in 0.42-1.05 s).
- Noise: 10 uV white noise, 0.1 mV baseline wander at 0.15-0.3 Hz.

Ground truth JSON: fs_hz, leads, n_samples, duration_s, beats ([r_s, class] with class N, V or S,
R time = the QRS centre), and events: ventricular_isolated (times), couplets / triplets (lists of
beat times), vt_runs / svt_runs ({start_s, end_s, beats, rate_bpm}), pauses ({start_s, end_s,
duration_s}: R to R), af ({start_s, end_s}: first to last beat of the episode) and af_burden
(fraction of the duration).
"""
import argparse
import json
import os

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("hours", help="duration in hours, or minutes with an m suffix (10m)")
ap.add_argument("--leads", type=int, default=12, choices=[12, 3])
ap.add_argument("--fs", type=int, default=500)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()

fs = args.fs
dur = float(args.hours[:-1]) * 60.0 if args.hours.endswith("m") else float(args.hours) * 3600.0
n = int(round(dur * fs))
tag = f"synth_{args.leads}lead_{args.hours}" + ("" if args.hours.endswith("m") else "h")
rng = np.random.default_rng(args.seed)

# ---- beat schedule --------------------------------------------------------------------------
def sinus_rr(t):
    """Sinus RR (s) at time t: 60 bpm at 'night' to 90 bpm by 'day' over 24 h, 3 % arrhythmia."""
    hr = 75.0 - 15.0 * np.cos(2 * np.pi * t / 86400.0)
    return 60.0 / hr * (1.0 + 0.03 * np.sin(2 * np.pi * t / 4.0))


af_len = min(max(0.1 * dur, 90.0), 7200.0)
# Event start fractions (each event needs at most ~10 s except AF).
ev = {
    "couplet": 0.35,
    "triplet": 0.40,
    "vt": 0.45,
    "pause1": 0.50,
    "pause2": 0.55,
    "af": 0.60,
    "svt": 0.85,
}
n_ve = max(6, int(dur // 600))
ve_times = list(np.linspace(0.03 * dur, 0.33 * dur, n_ve // 2 + n_ve % 2))
ve_times += list(np.linspace(0.88 * dur, 0.97 * dur, n_ve // 2))
ve_times = sorted(ve_times)

beats = []  # (r_s, class)
truth = {
    "ventricular_isolated": [],
    "couplets": [],
    "triplets": [],
    "vt_runs": [],
    "svt_runs": [],
    "pauses": [],
    "af": [],
}
t = 0.6
vi = 0
done = set()
while t < dur - 1.0:
    rr = sinus_rr(t)
    beats.append((t, "N"))
    f = t / dur
    nxt = t + rr
    # Isolated VE: premature, then a compensatory pause (next sinus beat at 2 RR).
    if vi < len(ve_times) and t >= ve_times[vi]:
        vi += 1
        ve = t + 0.6 * rr
        beats.append((ve, "V"))
        truth["ventricular_isolated"].append(round(ve, 4))
        nxt = t + 2 * rr
    elif f >= ev["couplet"] and "couplet" not in done:
        done.add("couplet")
        v = [t + 0.6 * rr, t + 0.6 * rr + 0.45]
        beats += [(x, "V") for x in v]
        truth["couplets"].append([round(x, 4) for x in v])
        nxt = v[-1] + 1.2 * rr
    elif f >= ev["triplet"] and "triplet" not in done:
        done.add("triplet")
        v = [t + 0.6 * rr + 0.43 * k for k in range(3)]
        beats += [(x, "V") for x in v]
        truth["triplets"].append([round(x, 4) for x in v])
        nxt = v[-1] + 1.2 * rr
    elif f >= ev["vt"] and "vt" not in done:
        done.add("vt")
        v = [t + 0.55 * rr + 0.4 * k for k in range(8)]
        beats += [(x, "V") for x in v]
        truth["vt_runs"].append(
            {"start_s": round(v[0], 4), "end_s": round(v[-1], 4), "beats": 8, "rate_bpm": 150.0}
        )
        nxt = v[-1] + 1.2 * rr
    elif f >= ev["svt"] and "svt" not in done:
        done.add("svt")
        v = [t + 0.5 * rr + 0.375 * k for k in range(10)]
        beats += [(x, "S") for x in v]
        truth["svt_runs"].append(
            {"start_s": round(v[0], 4), "end_s": round(v[-1], 4), "beats": 10, "rate_bpm": 160.0}
        )
        nxt = v[-1] + 1.2 * rr
    elif f >= ev["pause1"] and "pause1" not in done:
        done.add("pause1")
        nxt = t + 2.4
        truth["pauses"].append({"start_s": round(t, 4), "end_s": round(nxt, 4), "duration_s": 2.4})
    elif f >= ev["pause2"] and "pause2" not in done:
        done.add("pause2")
        nxt = t + 3.2
        truth["pauses"].append({"start_s": round(t, 4), "end_s": round(nxt, 4), "duration_s": 3.2})
    elif f >= ev["af"] and "af" not in done:
        done.add("af")
        a0 = t + 0.6
        tt = a0
        af_beats = []
        while tt < a0 + af_len:
            af_beats.append(tt)
            tt += rng.uniform(0.42, 1.05)
        beats += [(x, "A") for x in af_beats]  # conducted in AF (class N in the truth below)
        truth["af"].append({"start_s": round(af_beats[0], 4), "end_s": round(af_beats[-1], 4)})
        nxt = af_beats[-1] + sinus_rr(af_beats[-1])
    t = nxt
beats = [(r, c) for r, c in beats if r < dur - 0.6]
truth["af_burden"] = round(sum(e["end_s"] - e["start_s"] for e in truth["af"]) / dur, 5)

# ---- lead model -----------------------------------------------------------------------------
if args.leads == 12:
    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
else:
    names = ["I", "II", "V5"]
# Precordial directions in the horizontal plane (x left, z anterior), degrees from x.
pre = {"V1": 115, "V2": 95, "V3": 75, "V4": 55, "V5": 30, "V6": 5}


def lead_matrix():
    """(3, L) projection of a heart vector (x, y, z) on each lead."""
    i = np.array([1.0, 0.0, 0.0])
    ii = np.array([0.5, np.sqrt(3) / 2, 0.0])
    cols = {
        "I": i,
        "II": ii,
        "III": ii - i,
        "aVR": -(i + ii) / 2,
        "aVL": i - ii / 2,
        "aVF": ii - i / 2,
    }
    for k, a in pre.items():
        r = np.radians(a)
        cols[k] = np.array([np.cos(r), 0.15, np.sin(r)])
    return np.stack([cols[nm] for nm in names], axis=1)


M = lead_matrix()
pre_s, post_s = 0.35, 0.55
tw = np.arange(-int(pre_s * fs), int(post_s * fs)) / fs


def g(c, w):
    return np.exp(-0.5 * ((tw - c) / w) ** 2)


def template(waves):
    """Sum of gaussian waves (centre s, width s, amplitude mV, heart vector) -> (len, L) in mV."""
    v = np.zeros((tw.size, 3))
    for c, w, a, vec in waves:
        v += np.outer(a * g(c, w), np.asarray(vec, float))
    return v @ M


P = (-0.16, 0.022, 0.15, (0.6, 0.8, 0.2))
QRS = [
    (-0.025, 0.009, 0.25, (-0.3, 0.1, 0.9)),
    (0.0, 0.012, 1.3, (0.8, 0.7, -0.5)),
    (0.025, 0.010, 0.35, (-0.4, -0.3, -0.6)),
]
T = (0.28, 0.05, 0.32, (0.7, 0.7, 0.3))
tpl = {
    "N": template([P] + QRS + [T]),
    "A": template(QRS + [T]),
    "S": template([(-0.12, 0.02, -0.12, (0.6, 0.8, 0.2))] + QRS + [(0.24, 0.045, 0.3, (0.7, 0.7, 0.3))]),
    "V": template(
        [
            (-0.03, 0.025, 0.9, (-0.5, 0.9, 0.7)),
            (0.035, 0.025, -0.7, (0.6, -0.3, 0.8)),
            (0.3, 0.07, -0.45, (-0.6, 0.8, 0.6)),
        ]
    ),
}
off = int(pre_s * fs)

# ---- write ----------------------------------------------------------------------------------
hea = os.path.join(args.out, f"{tag}.hea")
dat = os.path.join(args.out, f"{tag}.dat")
truth_path = os.path.join(args.out, f"{tag}.truth.json")
L = len(names)
if not os.path.exists(hea):
    r_idx = np.array([int(round(r * fs)) for r, _ in beats])
    cls = [c for _, c in beats]
    block = 600 * fs
    sums = np.zeros(L, np.int64)
    first = None
    af_int = [(int(e["start_s"] * fs) - fs, int(e["end_s"] * fs) + fs) for e in truth["af"]]
    carry = None  # one odd sample left over between blocks (212 packs pairs)
    with open(dat, "wb") as fo:
        for b0 in range(0, n, block):
            b1 = min(n, b0 + block)
            tb = np.arange(b0, b1) / fs
            x = rng.normal(0.0, 0.010, (b1 - b0, L))
            wander = 0.1 * np.sin(2 * np.pi * 0.15 * tb) + 0.05 * np.sin(2 * np.pi * 0.3 * tb + 1.0)
            x += wander[:, None] * np.linspace(1.0, 0.5, L)[None, :]
            for a0, a1 in af_int:
                s0, s1 = max(a0, b0), min(a1, b1)
                if s0 < s1:
                    ta = np.arange(s0, s1) / fs
                    fw = sum(
                        0.02 * np.sin(2 * np.pi * (4.0 + 0.7 * k) * ta + 1.3 * k) for k in range(4)
                    )
                    x[s0 - b0 : s1 - b0] += np.outer(fw, np.abs(M[1]) + 0.3)
            lo = np.searchsorted(r_idx, b0 - (len(tw) - off))
            hi = np.searchsorted(r_idx, b1 + off)
            for k in range(lo, hi):
                s = r_idx[k] - off
                t0, t1 = max(s, b0), min(s + len(tw), b1)
                if t0 < t1:
                    x[t0 - b0 : t1 - b0] += tpl[cls[k]][t0 - s : t1 - s]
            dig = np.clip(np.round(x * 200.0), -2047, 2047).astype(np.int32)
            if first is None:
                first = dig[0].copy()
            sums += dig.sum(axis=0)
            flat = (dig.reshape(-1) & 0xFFF).astype(np.uint32)
            if carry is not None:
                flat = np.concatenate([[carry], flat])
                carry = None
            if flat.size % 2:
                carry = flat[-1]
                flat = flat[:-1]
            a, bb = flat[0::2], flat[1::2]
            packed = np.empty((a.size, 3), np.uint8)
            packed[:, 0] = a & 0xFF
            packed[:, 1] = ((a >> 8) & 0x0F) | (((bb >> 8) & 0x0F) << 4)
            packed[:, 2] = bb & 0xFF
            packed.tofile(fo)
        if carry is not None:
            np.array([carry & 0xFF, (carry >> 8) & 0x0F, 0], np.uint8).tofile(fo)
    with open(hea, "w") as fh:
        fh.write(f"{tag} {L} {fs} {n}\n")
        for k in range(L):
            cs = int(sums[k]) & 0xFFFF
            cs = cs - 65536 if cs > 32767 else cs
            fh.write(f"{tag}.dat 212 200 12 0 {first[k]} {cs} 0 {names[k]}\n")
    out_truth = {
        "generator": "bench/formats/generate_holter.py",
        "args": {"duration": args.hours, "leads": args.leads, "fs": fs, "seed": args.seed},
        "fs_hz": fs,
        "leads": names,
        "n_samples": n,
        "duration_s": dur,
        "beats": [[round(r, 4), "N" if c == "A" else c] for r, c in beats],
        "events": truth,
    }
    with open(truth_path, "w") as fj:
        json.dump(out_truth, fj, separators=(",", ":"))
print(hea)
