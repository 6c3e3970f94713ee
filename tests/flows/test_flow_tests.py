"""The example flows' test files (flows/*.test.yaml) pass through ``flowengine test`` and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"


def test_the_examples_have_tests():
    tested = {p.name.split(".test.")[0] for p in FLOWS.glob("*.test.yaml")}
    assert {"hello", "counter", "http-echo", "openai-embeddings-similarity", "openai-chat-streaming",
            "openai-responses-tools", "openai-image-generation", "openai-file-batch",
            "openai-speech-transcription", "compat-node-red-openai", "compat-inductiv-openai-api",
            "dashboard", "dashboard2", "webhook-openai", "realtime-session"} <= tested
    assert tested == {p.name.removesuffix(".json") for p in FLOWS.glob("*.json")}  # every example flow


def test_example_flow_tests_pass_through_the_command(capsys):
    assert main(["test", str(FLOWS)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert " passed in " in out and "failed" not in out


@pytest.mark.integration
def test_pytest_plugin_fixture_and_collection(tmp_path):
    for name in ("hello.json", "hello.test.yaml"):
        (tmp_path / name).write_text((FLOWS / name).read_text())
    (tmp_path / "wrong.test.yaml").write_text(textwrap.dedent("""
        flow: hello.json
        disable: [hello-inject]
        cases:
          - name: never greets
            expect: [{node: hello-fn, within: 0.1}]
        """))
    (tmp_path / "test_flows.py").write_text(textwrap.dedent("""
        import pytest

        def test_check_passes(flow_tests):
            [result] = flow_tests.check("hello.test.yaml")
            assert result.passed

        def test_check_fails(flow_tests):
            with pytest.raises(pytest.fail.Exception, match="never greets FAILED"):
                flow_tests.check("wrong.test.yaml")

        def test_run_from_a_loop(flow_tests):
            import asyncio
            [result] = asyncio.run(flow_tests.arun("hello.test.yaml"))
            assert result.passed
        """))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:flowengine", "-p", "flowengine.pytest_plugin",
           "-p", "no:cacheprovider", "-q"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    plain = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "3 passed" in plain.stdout  # without --flow-tests the test files are not collected
    collected = subprocess.run([*cmd, "--flow-tests", "-rA"], cwd=tmp_path, capture_output=True, text=True,
                               timeout=120, env=env)
    assert collected.returncode == 1, collected.stdout + collected.stderr
    assert "1 failed, 4 passed" in collected.stdout
    assert "FAILED wrong.test.yaml::never greets" in collected.stdout
    assert "node 'hello-fn' (within 0.1s): expected a message, got none" in collected.stdout
