"""``lazy_module``: found at once, run on the first attribute read, one module object for everyone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowengine.lazy_module import lazy_module


def test_a_missing_module_is_an_import_error_at_once() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_library_here"):
        lazy_module("no_such_library_here")


def test_an_imported_module_is_returned_as_it_is() -> None:
    assert lazy_module("json") is sys.modules["json"]


def test_the_module_runs_on_the_first_attribute_read_and_imports_share_it() -> None:
    # a fresh interpreter: the standard library's colorsys is imported by nothing at start
    code = """
import sys, types
from flowengine.lazy_module import lazy_module
assert "colorsys" not in sys.modules
colorsys = lazy_module("colorsys")
assert type(sys.modules["colorsys"]) is not types.ModuleType  # not run yet
import colorsys as again
assert again is colorsys
assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
assert type(colorsys) is types.ModuleType and sys.modules["colorsys"] is colorsys
sub = lazy_module("xml.dom.pulldom")
import xml.dom
assert xml.dom.pulldom is sub  # an attribute of its package, as an import makes it
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
