"""Generates tests/data/signal/scipy_cases.json: SciPy outputs for resample_poly at several
ratios and butter(..., output='sos') designs, checked by crates/signal/tests/parity_scipy.rs.
Run: $HOME/.cache/heartlens/venvs/signal/bin/python bench/signal/gen_scipy_cases.py (scipy 1.17.1)."""
import json, numpy as np, scipy, scipy.signal as ss
rng = np.random.default_rng(7)
x = np.cumsum(rng.standard_normal(173)).tolist()
cases = {"scipy_version": scipy.__version__, "x": x, "resample": [], "butter": [], "sosfiltfilt": [], "filtfilt": []}
for up, down in [(1, 2), (2, 1), (25, 36), (5, 4), (3, 7), (250, 257)]:
    cases["resample"].append({"up": up, "down": down, "y": ss.resample_poly(np.array(x), up, down).tolist()})
for order, fc, fs, kind in [(1, 40, 500, "lowpass"), (2, 0.05, 500, "highpass"), (4, 40, 500, "lowpass"),
                            (5, 0.5, 250, "highpass"), (6, 150, 1000, "lowpass"), (7, 0.67, 360, "highpass"),
                            (8, 100, 500, "lowpass"), (3, 0.5, 128, "highpass")]:
    sos = ss.butter(order, fc, btype=kind, fs=fs, output="sos")
    cases["butter"].append({"order": order, "fc": fc, "fs": fs, "kind": kind, "sos": sos.tolist(),
                            "zi": ss.sosfilt_zi(sos).tolist(), "y": ss.sosfiltfilt(sos, np.array(x)).tolist()})
for b, a in [([1, 1, 1], [3]), ([0.2, 0.3], [1.0, -0.5]), ([1, 2, 1], [4, -1, 0.25])]:
    cases["filtfilt"].append({"b": b, "a": a, "zi": ss.lfilter_zi(b, a).tolist(), "y": ss.filtfilt(b, a, np.array(x)).tolist()})
json.dump(cases, open("tests/data/signal/scipy_cases.json", "w"))
