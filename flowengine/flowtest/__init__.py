"""Flows tested without the editor: test files, the headless runner and ``flowengine test``.

The file format is in docs/TESTING-FLOWS.md. ``load_test_file`` reads one file,
``FlowTestRunner`` runs its cases (each in its own in-process runtime, built on
``flowengine.testing.FlowHarness``), ``run_tests`` is the command with its pytest-like report.
"""

from __future__ import annotations

from .report import find_test_files, run_tests
from .runner import CaseResult, FlowTestRunner
from .spec import FlowTestError, TestFile, is_test_file, load_test_file

__all__ = ["CaseResult", "FlowTestError", "FlowTestRunner", "TestFile", "find_test_files", "is_test_file",
           "load_test_file", "run_tests"]
