"""The security document only cites tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_security_md_cites_existing_tests():
    text = (ROOT / "SECURITY.md").read_text()
    cited = re.findall(r"`(test_\w+\.py)(?:::(\w+))?", text)
    assert cited
    for module, function in cited:
        source = (ROOT / "tests" / module).read_text()
        if function:
            assert f"def {function}(" in source, f"{module}::{function} is cited but missing"
    for function in re.findall(r"`::(\w+)", text):
        assert any(
            f"def {function}(" in path.read_text() for path in (ROOT / "tests").glob("test_*.py")
        ), f"::{function} is cited but missing"
