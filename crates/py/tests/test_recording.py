"""`heartlens.open` and the Recording's metadata and samples, against the CLI (`heartlens info
--json`) and the third-party reference values in tests/data/wfdb/reference_values.json."""

from __future__ import annotations

import numpy as np
import pytest

import heartlens
from conftest import DATA, cli_json, data_files, reference_values

REFS = reference_values()
FILES = data_files()
WFDB = [k for k in FILES if REFS[k]["reader"] == "wfdb"]
EDF = [k for k in FILES if REFS[k]["reader"] == "pyedflib"]
# ecg::Unit::to_uv_factor, which `heartlens info` applies to the stored f32 values.
UV_PER_UNIT = {"uV": 1.0, "mV": 1000.0, "V": 1_000_000.0, "nV": 0.001}


@pytest.mark.parametrize("rel", FILES)
def test_metadata_and_first_samples_equal_heartlens_info(rel, heartlens_bin):
    """Lead names, rates, lengths, units and the first 64 samples of every lead (in uV, as the
    CLI prints them) are exactly the CLI's."""
    info = cli_json(heartlens_bin, "info", DATA / rel, "--json", "--samples", 64)
    rec = heartlens.open(DATA / rel)
    assert rec.format == info["format"]
    assert rec.duration_s == pytest.approx(info["duration_s"], abs=1e-9)
    assert rec.start_time == info["start_time"]
    assert rec.leads == [l["name"] for l in info["leads"]]
    assert rec.sampling_rates_hz == [l["sampling_rate_hz"] for l in info["leads"]]
    assert rec._native.lead_samples == [l["n_samples"] for l in info["leads"]]
    assert rec.derived == [l["derived"] for l in info["leads"]]
    for i, lead in enumerate(info["leads"]):
        if lead["unit"] != "uV":
            continue  # a non-voltage channel: info prints it as stored
        assert rec.lead_signal(i).dtype == np.float32
        stored = rec.lead_signal(i, unit="stored")
        uv = stored[: len(lead["first_uv"])].astype(np.float64) * UV_PER_UNIT[rec.units[i]]
        # The CLI prints uV rounded to 1e-6 (Rust's round: half away from zero), NaN as null.
        scaled = uv * 1e6
        printed = np.where(scaled >= 0, np.floor(scaled + 0.5), np.ceil(scaled - 0.5)) / 1e6
        expected = np.array([np.nan if v is None else v for v in lead["first_uv"]], dtype=np.float64)
        np.testing.assert_array_equal(printed, expected, err_msg=f"{rel} lead {lead['name']}")


@pytest.mark.parametrize("rel", WFDB)
def test_wfdb_digital_values_and_physical_float64_equal_wfdb_python(rel):
    """ADC integers (first and last row, 16-bit checksum) are wfdb-python's, and float64 mV are
    `(digital - baseline) / gain` exactly as wfdb-python computes `p_signal`."""
    ref = REFS[rel]
    rec = heartlens.open(DATA / rel)
    stored = [i for i, d in enumerate(rec.derived) if not d]
    if len(set(ref.get("samps_per_frame", [1]))) != 1 or len(set(rec.sampling_rates_hz)) != 1 or "sig_name" not in ref:
        # Multi-frequency records: per lead.
        for i in stored:
            assert len(rec.lead_signal(i)) == rec._native.lead_samples[i]
        return
    assert rec.original_labels[: len(ref["sig_name"])] == ref["sig_name"]
    assert rec.sampling_rate_hz == ref["fs"]
    assert rec.n_samples == ref["sig_len"]
    digital = rec.digital()
    assert digital is not None, f"{rel}: WFDB leads keep their ADC values"
    d, gain, baseline = digital
    n = len(ref["sig_name"])
    np.testing.assert_array_equal(d[:n, 0], ref["first_row_digital"])
    np.testing.assert_array_equal(d[:n, -1], ref["last_row_digital"])
    # WFDB checksums are 16-bit sums; headers write them signed or unsigned.
    if "skew" not in rel:  # a skewed record's checksum covers the stored, unshifted samples
        checksum = d[:n].astype(np.int64).sum(axis=1) % 65536
        np.testing.assert_array_equal(checksum, np.array(ref["checksum_in_header"]) % 65536)
    np.testing.assert_array_equal(gain[:n], ref["adc_gain"])
    np.testing.assert_array_equal(baseline[:n], ref["baseline"])
    mv64 = rec.signals(np.float64)
    assert mv64.shape == (len(rec.leads), ref["sig_len"])
    assert mv64.flags.writeable
    for i in range(n):
        expected = (d[i].astype(np.float64) - baseline[i]) / gain[i]
        if rec.units[i] in UV_PER_UNIT and rec.units[i] != "mV":  # converted to mV
            np.testing.assert_allclose(mv64[i], expected * UV_PER_UNIT[rec.units[i]] / 1000.0, rtol=1e-15)
        else:  # mV, or a non-voltage channel as stored: bit for bit
            np.testing.assert_array_equal(mv64[i], expected, err_msg=f"{rel} lead {i}")


@pytest.mark.parametrize("rel", EDF)
def test_edf_first_digital_values_equal_pyedflib(rel):
    ref = REFS[rel]
    rec = heartlens.open(DATA / rel)
    assert rec.format.startswith(("EDF", "BDF"))
    for i, lead in enumerate(ref["first5_digital"][: len(rec.leads)]):
        if rec.derived[i]:
            continue
        assert len(rec.lead_signal(i, unit="stored")) == rec._native.lead_samples[i]
    digital = rec.digital() if len(set(rec.sampling_rates_hz)) == 1 else None
    if digital is not None:
        d = digital[0]
        for i, first5 in enumerate(ref["first5_digital"]):
            np.testing.assert_array_equal(d[i, :5], first5)


def test_ludb_record_as_numpy():
    rec = heartlens.open(DATA / "wfdb" / "ludb" / "1.hea")
    assert rec.format == "WFDB"
    assert rec.sampling_rate_hz == 500.0
    assert rec.leads == ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    x = rec.signals()
    assert x.shape == (12, 5000) and x.dtype == np.float32
    assert rec.duration_s == 10.0
    np.testing.assert_array_equal(rec.lead_signal("V1"), x[6])
    np.testing.assert_array_equal(rec.signals(np.float64).astype(np.float32), x)
    assert set(rec.patient) >= {"id", "name", "age_years", "sex", "birth_date"}
    assert "heartlens.Recording" in repr(rec)


def test_missing_file_raises_input_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere.hea"
    with pytest.raises(heartlens.InputError, match="nowhere.hea"):
        heartlens.open(missing)


def test_garbage_file_raises_input_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken-record.hea"
    bad.write_bytes(b"this is not a WFDB header\x00\xff\x10")
    with pytest.raises(heartlens.InputError) as e:
        heartlens.open(bad)
    assert "broken-record.hea" in str(e.value)
    assert isinstance(e.value, heartlens.HeartlensError)


def test_truncated_signal_file_warns_and_strict_raises_with_file_name(tmp_path):
    src = DATA / "wfdb" / "ludb"
    (tmp_path / "1.hea").write_bytes((src / "1.hea").read_bytes())
    (tmp_path / "1.dat").write_bytes((src / "1.dat").read_bytes()[:1000])
    rec = heartlens.open(tmp_path / "1.hea")
    assert any("1.dat" in w and "NaN" in w for w in rec.warnings)
    assert np.isnan(rec.signals()[:, -1]).all()
    with pytest.raises(heartlens.InputError, match="1.hea"):
        heartlens.open(tmp_path / "1.hea", strict=True)


def test_mixed_rate_record_refuses_one_matrix_and_reads_per_lead():
    rel = "wfdb/formats/multifreq_03700181/03700181.hea"
    rec = heartlens.open(DATA / rel)
    assert rec.sampling_rate_hz is None
    with pytest.raises(heartlens.InputError, match="03700181.hea.*lead_signal"):
        rec.signals()
    for i in range(len(rec.leads)):
        assert len(rec.lead_signal(i, unit="stored")) == rec._native.lead_samples[i]


def test_bad_arguments_raise_input_error():
    rec = heartlens.open(DATA / "wfdb" / "ludb" / "1.hea")
    with pytest.raises(heartlens.InputError, match="lead 99"):
        rec.lead_signal(99)
    with pytest.raises(heartlens.InputError, match="lead X9"):
        rec.lead_signal("X9")
    with pytest.raises(heartlens.InputError, match="dtype"):
        rec.signals(np.int16)
    with pytest.raises(heartlens.InputError, match="filter"):
        rec.analyze(filter="none")
