"""`analyze()`, `render_png()` and `beat_tokens()` give exactly what `heartlens analyze --json`,
`heartlens render` and `heartlens tokenize --json` give on the same file."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

import heartlens
from conftest import DATA, cli_json, run_cli

# 12-lead rest ECGs of several formats, a 2-lead MIT-BIH record (30 min: the Holter path).
ANALYSED = [
    "wfdb/ludb/1.hea",
    "wfdb/cinc2021/HR06000.hea",
    "muse/braveheart/example1.xml",
    "scp/ecgtoolkit_example/Example.scp",
    "edf/contec_0000050/0000050.ECG.edf",
    "wfdb/mitdb_100/100.hea",
]
BEAT = DATA / "vectors" / "beat"


@pytest.mark.parametrize("rel", ANALYSED)
def test_analyze_equals_cli_json(rel, heartlens_bin):
    expected = cli_json(heartlens_bin, "analyze", DATA / rel, "--json")
    got = heartlens.open(DATA / rel).analyze()
    assert got == expected
    assert got["beats"], f"{rel}: beats found"


def test_analyze_with_options_equals_cli_json(heartlens_bin):
    rel = DATA / "wfdb" / "ludb" / "2.hea"
    expected = cli_json(heartlens_bin, "analyze", rel, "--json", "--filter", "monitoring", "--mains", 60)
    got = heartlens.open(rel).analyze(filter="monitoring", mains_hz=60.0)
    assert got == expected
    assert set(got["measurements"]["qtc_ms"]) == {"bazett", "fridericia", "framingham", "hodges"}


def test_holter_recording_has_the_holter_key():
    a = heartlens.open(DATA / "wfdb" / "mitdb_100" / "100.hea").analyze()
    assert "holter" in a and len(a["holter"]["rr_ms"]) == len(a["beats"])


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    crc = struct.unpack(">I", png[29:33])[0]
    assert crc == zlib.crc32(png[12:29]), "IHDR CRC"
    assert png[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82", "IEND chunk last"
    return width, height


def test_render_png_is_the_cli_png(heartlens_bin, tmp_path):
    rel = DATA / "wfdb" / "ludb" / "1.hea"
    out = tmp_path / "cli.png"
    r = run_cli(heartlens_bin, "render", rel, "--png", out, "--width", 800, "--height", 450)
    assert r.returncode == 0, r.stderr
    png = heartlens.open(rel).render_png(width=800, height=450)
    assert png_size(png) == (800, 450)
    assert png == out.read_bytes()


def test_render_png_other_layout_and_size(heartlens_bin, tmp_path):
    rel = DATA / "wfdb" / "mitdb_100" / "100.hea"
    out = tmp_path / "cli.png"
    args = ["--layout", "strip", "--rows", 3, "--width", 640, "--height", 360, "--filter", "monitoring50"]
    r = run_cli(heartlens_bin, "render", rel, "--png", out, *args)
    assert r.returncode == 0, r.stderr
    png = heartlens.open(rel).render_png(layout="strip", rows=3, width=640, height=360, filter="monitoring50")
    assert png_size(png) == (640, 360)
    assert png == out.read_bytes()


def test_render_bad_arguments_raise_input_error():
    rec = heartlens.open(DATA / "wfdb" / "ludb" / "1.hea")
    with pytest.raises(heartlens.InputError, match="speed"):
        rec.render_png(speed=30)
    with pytest.raises(heartlens.InputError):
        rec.render_png(layout="7x7")
    with pytest.raises(heartlens.InputError):
        rec.render_png(width=0)


def test_beat_tokens_equal_cli_tokenize(heartlens_bin):
    rel = DATA / "wfdb" / "ludb" / "1.hea"
    weights = BEAT / "beat_v3_weights.safetensors"
    expected = cli_json(heartlens_bin, "tokenize", rel, "--beat", weights, "--json")
    model = heartlens.BeatModel(weights)
    rec = heartlens.open(rel)
    got = rec.beat_tokens(model)
    assert got == expected
    assert got["config"] == "v3" and len(got["windows"]) == 3  # 10 s in 4-s windows
    codes = model.codes(rec)
    assert codes.shape == (3, 20, 2)
    np.testing.assert_array_equal(codes[0], np.array(expected["windows"][0]["codes"]))


def test_beat_tokens_v1_with_overlaid_weights_equal_cli(heartlens_bin):
    rel = DATA / "wfdb" / "cinc2021" / "HR06000.hea"
    v3, v1 = BEAT / "beat_v3_weights.safetensors", BEAT / "beat_v1_weights.safetensors"
    expected = cli_json(heartlens_bin, "tokenize", rel, "--beat", v3, "--beat", v1, "--config", "v1", "--windows", "best", "--json")
    got = heartlens.open(rel).beat_tokens([v3, v1], config="v1", windows="best")
    assert got == expected


def test_bad_beat_weights_raise_model_error(tmp_path):
    bad = tmp_path / "weights.safetensors"
    bad.write_bytes(b"not safetensors")
    with pytest.raises(heartlens.ModelError, match="weights.safetensors"):
        heartlens.BeatModel(bad)
