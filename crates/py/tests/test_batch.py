"""The Ray batch job (`python -m heartlens.batch`) on a local cluster: Parquet tables equal to
`heartlens analyze --json`, a bad file recorded in the errors table, resuming.

scripts/tests/python.sh starts the cluster (`ray start --head` on 127.0.0.1) and passes its
address in HEARTLENS_RAY_ADDRESS; without it these tests fail, they do not skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, cli_json

import pyarrow.parquet  # noqa: F401  (the job needs it; a missing pyarrow fails here)
from heartlens.batch import discover, read_tables  # noqa: E402

GOOD = {
    "ludb/1.hea": ["wfdb/ludb/1.hea", "wfdb/ludb/1.dat"],
    "ludb/2.hea": ["wfdb/ludb/2.hea", "wfdb/ludb/2.dat"],
    "cinc/HR06000.hea": ["wfdb/cinc2021/HR06000.hea", "wfdb/cinc2021/HR06000.mat"],
    "muse/example1.xml": ["muse/braveheart/example1.xml"],
    "scp/Example.scp": ["scp/ecgtoolkit_example/Example.scp"],
}
BAD = "bad/garbage.hea"


@pytest.fixture(scope="module")
def ray_address() -> str:
    addr = os.environ.get("HEARTLENS_RAY_ADDRESS")
    if not addr:
        pytest.fail("HEARTLENS_RAY_ADDRESS is not set: run scripts/tests/python.sh (it starts Ray)")
    return addr


def make_archive(root: Path, names) -> None:
    for name in names:
        dst_dir = (root / name).parent
        dst_dir.mkdir(parents=True, exist_ok=True)
        for src in GOOD[name]:
            shutil.copy(DATA / src, dst_dir / Path(src).name)
    (root / "bad").mkdir(exist_ok=True)
    (root / BAD).write_bytes(b"garbage 1 2 3\nnot a header\x00")
    (root / "README.md").write_text("documentation is not a recording\n")


def batch(in_dir: Path, out_dir: Path, address: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "heartlens.batch", str(in_dir), str(out_dir), "--address", address, "--shard-size", "2", *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_discover_skips_wfdb_companions_and_docs(tmp_path):
    make_archive(tmp_path, GOOD)
    assert discover(tmp_path) == sorted([*GOOD, BAD])


def test_ray_job_writes_measurements_statements_and_errors_and_resumes(tmp_path, ray_address, heartlens_bin):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    first = ["ludb/1.hea", "cinc/HR06000.hea", "muse/example1.xml", "scp/Example.scp"]
    make_archive(in_dir, first)

    r = batch(in_dir, out_dir, ray_address)
    assert r.returncode == 3, f"exit 3 when a file failed\n{r.stdout}\n{r.stderr}"
    assert "4 analysed, 1 failed" in r.stdout

    t = read_tables(out_dir)
    m = t["measurements"].to_pylist()
    assert sorted(row["file"] for row in m) == sorted(first)
    statements = t["statements"].to_pylist()
    for row in m:
        expected = cli_json(heartlens_bin, "analyze", in_dir / row["file"], "--json")
        em = expected["measurements"]
        for col in ("hr_bpm", "rr_ms", "pr_ms", "qrs_ms", "qt_ms"):
            assert row[col] == em[col], (row["file"], col)
        for f in ("bazett", "fridericia", "framingham", "hodges"):
            assert row[f"qtc_{f}_ms"] == em["qtc_ms"][f]
        for ax in ("p", "qrs", "t"):
            assert row[f"axis_{ax}_deg"] == em["axis_deg"][ax]
        assert row["beats"] == len(expected["beats"])
        mine = sorted(
            (s["index"], s["text"], s["criterion"], s["evidence_leads"], s["evidence_beat_times_s"])
            for s in statements
            if s["file"] == row["file"]
        )
        assert mine == [
            (i, s["text"], s["criterion"], s["evidence"]["leads"], s["evidence"]["beat_times_s"])
            for i, s in enumerate(expected["statements"])
        ]
    errors = t["errors"].to_pylist()
    assert [e["file"] for e in errors] == [BAD]
    assert errors[0]["stage"] == "open" and errors[0]["error_type"] == "InputError"
    assert "garbage.hea" in errors[0]["message"]
    parts = sorted(p.name for p in (out_dir / "measurements").iterdir())

    # A rerun finds everything done: nothing is analysed or rewritten.
    r = batch(in_dir, out_dir, ray_address)
    assert r.returncode == 0, r.stderr
    assert "0 in 0 shards" in r.stderr
    assert sorted(p.name for p in (out_dir / "measurements").iterdir()) == parts

    # A shard that crashed before committing leaves a part without a _done record: it is
    # deleted, and a new file is analysed alone.
    orphan = out_dir / "statements" / "part-crashed-00000.parquet"
    orphan.write_bytes(b"half-written")
    make_archive(in_dir, ["ludb/2.hea"])
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(["# every recording, as a list", *first, "ludb/2.hea", BAD]) + "\n")
    r = batch(in_dir, out_dir, ray_address, "--files-from", str(listing))
    assert r.returncode == 0, r.stderr
    assert "1 in 1 shards" in r.stderr
    assert not orphan.exists()
    t = read_tables(out_dir)
    assert sorted(t["measurements"].column("file").to_pylist()) == sorted([*first, "ludb/2.hea"])
    assert t["errors"].num_rows == 1

    # --retry-errors analyses the failed file again; it fails again and keeps one error row.
    r = batch(in_dir, out_dir, ray_address, "--retry-errors")
    assert r.returncode == 3, r.stderr
    assert "1 in 1 shards" in r.stderr
    assert read_tables(out_dir)["errors"].column("file").to_pylist() == [BAD]

    # Another analysis setting refuses the same OUT_DIR.
    r = batch(in_dir, out_dir, ray_address, "--filter", "monitoring")
    assert r.returncode == 2 and "another OUT_DIR" in r.stderr

    # So does an OUT_DIR of another table layout (a manifest without the columns, as before
    # the statements table had its evidence columns): its parts and new ones would not read
    # as one table. Nothing is written.
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["columns"]["statements"][-2:] == ["evidence_leads", "evidence_beat_times_s"]
    del manifest["columns"]
    manifest_path.write_text(json.dumps(manifest))
    parts = {t: sorted(p.name for p in (out_dir / t).iterdir()) for t in ("measurements", "statements")}
    r = batch(in_dir, out_dir, ray_address)
    assert r.returncode == 2 and "other table columns" in r.stderr, r.stderr
    assert {t: sorted(p.name for p in (out_dir / t).iterdir()) for t in parts} == parts
