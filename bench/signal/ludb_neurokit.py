"""LUDB delineation with NeuroKit2 `ecg_delineate(method='dwt')`, scored exactly like
crates/signal/src/evaluate.rs (peaks matched within 150 ms, closest pairs first, detections
counted when matched or, unmatched, when inside each lead's annotated stretch (first marked
onset to last marked offset), errors = detected - reference in ms).

Usage: $HOME/.cache/heartlens/venvs/signal/bin/python bench/signal/ludb_neurokit.py [LUDB_DIR] [OUT_CSV]
Per lead: nk.ecg_clean(x, 500) -> nk.ecg_peaks -> nk.ecg_delineate(..., method='dwt').
QRS onset/offset are NeuroKit's ECG_R_Onsets / ECG_R_Offsets, QRS peak the R peak.
"""
import math, sys, time, warnings
import numpy as np, wfdb, neurokit2 as nk

warnings.filterwarnings("ignore")
LUDB = sys.argv[1] if len(sys.argv) > 1 else "tests/data/wfdb/ludb"
OUT = sys.argv[2] if len(sys.argv) > 2 else "bench/signal/results/ludb_neurokit.csv"
RECORDS = ["1", "2", "8", "10", "13", "35", "38", "57"]
TOL = 0.15


def ref_waves(rec, lead, fs):
    a = wfdb.rdann(f"{LUDB}/{rec}", lead)
    out, cur = [], None
    kinds = {"p": "P", "t": "T"}
    for s, sym in zip(a.sample, a.symbol):
        t = s / fs
        if sym == "(":
            if cur: out.append(cur)
            cur = {"kind": None, "on": t, "peak": None, "off": None}
        elif sym == ")":
            if cur:
                cur["off"] = t
                out.append(cur)
                cur = None
        else:
            k = kinds.get(sym, "QRS")
            if cur is None or cur["peak"] is not None:
                if cur: out.append(cur)
                cur = {"kind": k, "on": None, "peak": t, "off": None}
            else:
                cur["kind"], cur["peak"] = k, t
    if cur: out.append(cur)
    return [w for w in out if w["kind"]]


def nk_waves(x, fs):
    clean = nk.ecg_clean(x, sampling_rate=fs)
    _, info = nk.ecg_peaks(clean, sampling_rate=fs)
    r = np.asarray(info["ECG_R_Peaks"])
    out = []
    if len(r) < 2:
        return out
    try:
        _, w = nk.ecg_delineate(clean, r, sampling_rate=fs, method="dwt")
    except Exception:
        w = {}
    def g(key, i):
        v = w.get(key)
        if v is None or i >= len(v): return None
        v = v[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v / fs
    for i, rp in enumerate(r):
        out.append({"kind": "QRS", "on": g("ECG_R_Onsets", i), "peak": rp / fs, "off": g("ECG_R_Offsets", i)})
        for k, pre in (("P", "ECG_P_"), ("T", "ECG_T_")):
            on, pk, off = g(pre + "Onsets", i), g(pre + "Peaks", i), g(pre + "Offsets", i)
            if pk is not None or (on is not None and off is not None):
                out.append({"kind": k, "on": on, "peak": pk, "off": off})
    return out


def centre(w):
    if w["peak"] is not None: return w["peak"]
    if w["on"] is not None and w["off"] is not None: return 0.5 * (w["on"] + w["off"])
    return None


def score(refs, dets, acc):
    first = min((w["on"] if w["on"] is not None else w["peak"]) for w in refs)
    last = max((w["off"] if w["off"] is not None else w["peak"]) for w in refs)
    lo, hi = first - TOL, last + TOL
    for k in ("P", "QRS", "T"):
        r = [w for w in refs if w["kind"] == k]
        d = [w for w in dets if w["kind"] == k and centre(w) is not None and lo <= centre(w) <= hi]
        s = acc[k]
        s["ref"] += len(r)
        pairs = sorted((abs(centre(a) - centre(b)), i, j) for i, a in enumerate(r) for j, b in enumerate(d)
                       if centre(a) is not None and abs(centre(a) - centre(b)) <= TOL)
        ur, ud = set(), set()
        for _, i, j in pairs:
            if i in ur or j in ud: continue
            ur.add(i); ud.add(j); s["tp"] += 1
            for p in ("on", "peak", "off"):
                if r[i][p] is not None and d[j][p] is not None:
                    s[p].append((d[j][p] - r[i][p]) * 1000)
        s["det"] += sum(1 for j, w in enumerate(d) if j in ud or first <= centre(w) <= last)


def new_acc():
    return {k: {"ref": 0, "det": 0, "tp": 0, "on": [], "peak": [], "off": []} for k in ("P", "QRS", "T")}


def ms(v):
    if not v: return (float("nan"), float("nan"))
    return (float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else float("nan"))


def main():
    total, total_s = new_acc(), 0.0
    rows = ["tool,record,wave,n_ref,n_det,tp,se,ppv,on_mean,on_sd,peak_mean,peak_sd,off_mean,off_sd,seconds"]
    for rec in RECORDS:
        r = wfdb.rdrecord(f"{LUDB}/{rec}")
        fs = r.fs
        acc = new_acc()
        t0 = time.perf_counter()
        dets = {lead: nk_waves(r.p_signal[:, i], fs) for i, lead in enumerate(r.sig_name)}
        secs = time.perf_counter() - t0
        total_s += secs
        for lead in r.sig_name:
            refs = ref_waves(rec, lead, fs)
            if refs:
                score(refs, dets[lead], acc)
        for k in acc:
            s = acc[k]
            for key in ("ref", "det", "tp"): total[k][key] += s[key]
            for p in ("on", "peak", "off"): total[k][p] += s[p]
            rows.append(",".join(map(str, ["neurokit2-dwt", rec, k, s["ref"], s["det"], s["tp"],
                f"{s['tp']/max(s['ref'],1):.4f}", f"{s['tp']/max(s['det'],1):.4f}",
                *[f"{v:.2f}" for p in ("on", "peak", "off") for v in ms(s[p])], f"{secs:.6f}"])))
        print(f"record {rec}: {secs*1000:.0f} ms", flush=True)
    open(OUT, "w").write("\n".join(rows) + "\n")
    print(f"NeuroKit2 {nk.__version__} dwt, all records, {total_s*1000:.0f} ms total")
    print(f"{'wave':<4} {'ref':>5} {'det':>5} {'TP':>5} {'Se%':>7} {'PPV%':>7} {'onset ms':>15} {'peak ms':>15} {'offset ms':>15}")
    for k in ("P", "QRS", "T"):
        s = total[k]
        f = lambda v: "-" if not v else "%+.1f ± %.1f" % ms(v)
        print(f"{k:<4} {s['ref']:>5} {s['det']:>5} {s['tp']:>5} {100*s['tp']/max(s['ref'],1):>7.2f} {100*s['tp']/max(s['det'],1):>7.2f} {f(s['on']):>15} {f(s['peak']):>15} {f(s['off']):>15}")


if __name__ == "__main__":
    main()
