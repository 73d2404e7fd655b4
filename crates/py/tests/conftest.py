"""Shared fixtures of the Python suite: the repository's test data and the `heartlens` CLI binary
the Python results are compared with. Missing pieces fail the run (never skip): CI must notice."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, List

import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data"


def cli_path() -> Path:
    """The CLI built from this checkout: $HEARTLENS_BIN, else $CARGO_TARGET_DIR/debug/heartlens."""
    explicit = os.environ.get("HEARTLENS_BIN")
    if explicit:
        return Path(explicit)
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/heartlens/target"))
    return Path(target) / "debug" / "heartlens"


@pytest.fixture(scope="session")
def heartlens_bin() -> Path:
    p = cli_path()
    if not p.is_file():
        pytest.fail(f"{p}: the heartlens CLI is not built (cargo build -p heartlens-cli --locked)")
    return p


def run_cli(binary: Path, *args: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary), *[str(a) for a in args]], capture_output=True, text=True, check=False
    )


def cli_json(binary: Path, *args: Any) -> Any:
    r = run_cli(binary, *args)
    assert r.returncode == 0, f"heartlens {' '.join(map(str, args))} failed:\n{r.stderr}"
    return json.loads(r.stdout)


def reference_values() -> dict:
    return json.loads((DATA / "wfdb" / "reference_values.json").read_text())


def data_files() -> List[str]:
    """Every recording of reference_values.json present in tests/data that decodes without error
    in the reference tools (relative paths)."""
    refs = reference_values()
    return [k for k, v in refs.items() if not k.startswith("_") and "error" not in v and (DATA / k).is_file()]
