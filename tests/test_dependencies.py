"""Django 5.2 LTS and 6.x both kept working: the pins sit inside the supported ranges,
this interpreter runs the Django pinned for it, and Django's deprecations are errors."""

from __future__ import annotations

import inspect
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.utils import deprecation
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


PINNED = requirements(ROOT / "requirements.txt")
SUPPORTED = [
    Requirement(line)
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
]


def applies(requirement: Requirement, python: str) -> bool:
    environment = {**default_environment(), "python_version": python}
    return requirement.marker is None or requirement.marker.evaluate(environment)


def the_one(found: list[Requirement], name: str, python: str) -> Requirement:
    chosen = [r for r in found if r.name.lower() == name.lower() and applies(r, python)]
    assert len(chosen) == 1, f"{name} on Python {python}: {chosen}"
    return chosen[0]


def pinned_version(requirement: Requirement) -> Version:
    [spec] = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned exactly"
    return Version(spec.version)


@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
def test_every_pin_is_inside_the_range_pyproject_states(python):
    names = {r.name.lower() for r in PINNED}
    assert names == {r.name.lower() for r in SUPPORTED}, "the same packages in both files"
    for name in names:
        pin = the_one(PINNED, name, python)
        supported = the_one(SUPPORTED, name, python)
        assert pin.extras == supported.extras, name
        assert pinned_version(pin) in supported.specifier, f"{pin} outside {supported}"


def test_django_is_the_lts_on_python_3_11_and_the_newest_6_on_later_ones():
    assert pinned_version(the_one(PINNED, "Django", "3.11")).release[:2] == (5, 2)
    for python in ("3.12", "3.13"):
        assert pinned_version(the_one(PINNED, "Django", python)).major == 6


def test_this_interpreter_runs_the_django_pinned_for_it():
    """CI's run on the newest Python is a run on the newest Django (and the default on 5.2)."""
    python = "{}.{}".format(*sys.version_info[:2])
    assert Version(django.get_version()) == pinned_version(the_one(PINNED, "Django", python))


def django_deprecations() -> list[type[Warning]]:
    """Every deprecation class this Django defines (their names change between versions)."""
    found = list(
        dict.fromkeys(  # one each: some names are aliases of others
            value
            for name, value in vars(deprecation).items()
            if name.startswith("Removed") and inspect.isclass(value) and issubclass(value, Warning)
        )
    )
    assert deprecation.RemovedInNextVersionWarning in found
    assert deprecation.RemovedAfterNextVersionWarning in found
    return found


@pytest.mark.parametrize("category", django_deprecations(), ids=lambda c: c.__name__)
def test_a_django_deprecation_fails_the_suite(category):
    with pytest.raises(category):
        warnings.warn("deprecated", category, stacklevel=1)


def test_settings_and_urls_raise_no_django_deprecation():
    """What pytest-django loads before any filter applies: settings, apps, URLs, checks."""
    code = "\n".join(
        [
            "import os, warnings",
            "from django.utils import deprecation",
            "for name in dir(deprecation):",
            "    if name.startswith('Removed'):",
            "        warnings.simplefilter('error', getattr(deprecation, name))",
            "os.environ['DJANGO_SETTINGS_MODULE'] = 'backend.settings_test'",
            "import django",
            "django.setup()",
            "from django.core.management import call_command",
            "call_command('check', '--fail-level', 'ERROR')",
            "from django.urls import get_resolver",
            "get_resolver().url_patterns",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration_on_this_django():
    """Django 6's defaults (or 5.2's) ask for no migration the project has not got."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
