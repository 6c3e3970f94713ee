"""dev.py, the README's two commands: `run` passes its options on to `flowengine serve`."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

DEV = Path(__file__).resolve().parent.parent / "dev.py"


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", DEV)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [["--", "--port", "1990", "flows/hello.json"], ["--port", "1990", "flows/hello.json"]])
def test_run_passes_options_to_serve(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    dev = load_dev()
    seen: list[list[Any]] = []

    def fake_run(cmd: list[Any], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(dev.subprocess, "run", fake_run)
    assert dev.run(argv) == 0
    assert [str(c) for c in seen[0][1:]] == ["serve", "--port", "1990", "flows/hello.json"]
