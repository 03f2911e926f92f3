"""The Makefile's choice of Python: which candidate failed and why, which it chose."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_devloop import ROOT, clean_env

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

# What a pyenv shim says, on stderr with status 127, for a version that is installed but
# not selected (this project's machines have exactly that for python3.12 and python3.13).
BROKEN_SHIM = """#!/bin/sh
echo "pyenv: $(basename "$0"): command not found" >&2
echo >&2
echo "The \\`$(basename "$0")' command exists in these Python versions:" >&2
echo "  3.12.1" >&2
exit 127
"""
# A Python too old to use (it answers the Makefile's probe as Python 3.9 would).
OLD_PYTHON = """#!/bin/sh
echo "3 9 3.9.18 /opt/old/bin/python3.9"
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A bin folder put first on PATH, for fake interpreters."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def fake(folder: Path, name: str, script: str) -> None:
    (folder / name).write_text(script)
    (folder / name).chmod(0o755)


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    env["PATH"] = f"{folder}:{env['PATH']}"
    return subprocess.run(
        ["make", "-s", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def this_python() -> str:
    """The suite's interpreter as the probe reports it (its sys.executable)."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.executable)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_a_named_broken_shim_is_named_with_its_own_words(path, tmp_path):
    fake(path, "python3.12", BROKEN_SHIM)
    result = make(path, "install", f"VENV={tmp_path / 'venv'}", "PYTHON=python3.12")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert (
        "PYTHON=python3.12 could not be run (exit status 127: pyenv: python3.12: command not found)"
    ) in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize(
    ("named", "said"),
    [
        ("no-such-python", "PYTHON=no-such-python was not found"),
        ("python3.9", "PYTHON=python3.9 is Python 3.9.18, too old"),
    ],
)
def test_a_named_python_that_is_missing_or_too_old_says_so(named, said, path, tmp_path):
    fake(path, "python3.9", OLD_PYTHON)
    result = make(path, "install", f"VENV={tmp_path / 'venv'}", f"PYTHON={named}")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{said}: set PYTHON to Python 3.11 or newer (3.11-3.13 are tested)" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_the_automatic_choice_says_what_it_skipped_and_what_it_chose(path, tmp_path):
    fake(path, "python3.13", BROKEN_SHIM)
    fake(path, "python3.9", OLD_PYTHON)
    candidates = f"PYTHON_CANDIDATES=python3.13 not-installed python3.9 {sys.executable}"
    result = make(path, "print-python-executable", f"VENV={tmp_path / 'venv'}", candidates)
    assert result.returncode == 0, result.stderr
    assert result.stdout == this_python() + "\n"
    version = "{}.{}.{}".format(*sys.version_info[:3])
    assert result.stderr.splitlines() == [
        "Skipping python3.13, which could not be run "
        "(exit status 127: pyenv: python3.13: command not found).",
        "Skipping python3.9, which is Python 3.9.18, too old.",
        f"Using {sys.executable} (Python {version}, {this_python()}).",
    ]


def test_the_automatic_choice_is_quiet_when_the_first_candidate_works(path, tmp_path):
    candidates = f"PYTHON_CANDIDATES=not-installed {sys.executable}"
    result = make(path, "print-python-executable", f"VENV={tmp_path / 'venv'}", candidates)
    assert (result.returncode, result.stdout, result.stderr) == (0, this_python() + "\n", "")


def test_no_usable_candidate_is_one_line_after_the_reasons(path, tmp_path):
    fake(path, "python3.13", BROKEN_SHIM)
    candidates = "PYTHON_CANDIDATES=python3.13 not-installed"
    result = make(path, "install", f"VENV={tmp_path / 'venv'}", candidates)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Skipping python3.13, which could not be run")
    assert (
        len(lines) == 2
        and (
            "Python 3.11 or newer (3.11-3.13 are tested) is needed, and none of "
            "python3.13 not-installed is one; install one or set PYTHON=/path/to/python3"
        )
        in lines[1]
    )
    assert not (tmp_path / "venv").exists()


def test_make_rebuilds_a_venv_made_by_another_python(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    stamp = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, platform; print(platform.python_version(), sys.executable)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    args = ["-n", "install", f"VENV={venv}", f"PYTHON={sys.executable}"]

    (venv / ".python").write_text("3.11.0 /somewhere/else/python3.11\n")
    (venv / ".installed").touch()
    plan = make(tmp_path, *args).stdout
    assert f"rm -rf {venv}" in plan and f"{this_python()} -m venv {venv}" in plan

    (venv / ".python").write_text(stamp + "\n")
    (venv / ".installed").touch()  # newer than requirements*.txt
    assert make(tmp_path, *args).stdout == ""  # nothing to do
