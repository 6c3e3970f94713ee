"""The ``flowengine test`` command: find test files, run them, print a pytest-like report.

Exit codes follow pytest's: 0 all passed, 1 some case failed (or could not run), 2 a test file could
not be read (nothing is run), 4 a path given does not exist, 5 no test file was found.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .runner import CaseResult, FlowTestRunner
from .spec import TEST_SUFFIXES, FlowTestError, TestFile, is_test_file, load_test_file

__all__ = ["EXIT_ERRORS", "EXIT_FAILED", "EXIT_NO_TESTS", "EXIT_OK", "EXIT_USAGE", "find_test_files",
           "run_tests"]

EXIT_OK, EXIT_FAILED, EXIT_ERRORS, EXIT_USAGE, EXIT_NO_TESTS = 0, 1, 2, 4, 5
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".venv", "venv"})


def find_test_files(paths: Iterable[str | Path]) -> list[Path]:
    """Test files named, or found below the directories named (sorted, hidden folders skipped)."""
    out: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = [f for suffix in TEST_SUFFIXES for f in p.rglob(f"*{suffix}")]
            out += sorted(f for f in found if not any(part.startswith(".") or part in SKIP_DIRS
                                                      for part in f.relative_to(p).parts[:-1]))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _rule(text: str, char: str, width: int) -> str:
    if not text:
        return char * width
    side = max(1, (width - len(text) - 2) // 2)
    line = f"{char * side} {text} {char * side}"
    return line + char * (width - len(line)) if len(line) < width else line


def _summary(results: list[CaseResult], seconds: float) -> str:
    counts = {k: sum(1 for r in results if r.outcome == k) for k in ("failed", "error", "passed")}
    parts = [f"{n} {'errors' if k == 'error' and n > 1 else k}" for k, n in counts.items() if n]
    return f"{', '.join(parts) or 'no cases ran'} in {seconds:.2f}s"


async def run_tests(paths: list[str], out: TextIO, *, verbose: bool = False,
                    runner: FlowTestRunner | None = None) -> int:
    """Run the test files at ``paths`` (default: the current directory) and report to ``out``."""
    width = max(40, min(120, shutil.get_terminal_size((80, 24)).columns))
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"error: file or directory not found: {', '.join(missing)}", file=out)
        return EXIT_USAGE
    files = find_test_files(paths or ["."])
    started = time.perf_counter()
    print(_rule("flow test session starts", "=", width), file=out)
    tests: list[TestFile] = []
    errors: list[str] = []
    for f in files:
        if not is_test_file(f):
            errors.append(f"{_shown(f)}: not a test file (names end with {', '.join(TEST_SUFFIXES)})")
            continue
        try:
            tests.append(load_test_file(f))
        except FlowTestError as exc:
            errors.append(str(exc))
    cases = sum(len(t.cases) for t in tests)
    print(f"collected {cases} cases in {len(tests)} files" + (f" / {len(errors)} errors" if errors else ""),
          file=out)
    if errors:
        print(_rule("ERRORS", "=", width), file=out)
        for e in errors:
            print(f"ERROR collecting {e}", file=out)
        print(_rule(f"Interrupted: {len(errors)} error{'s' if len(errors) > 1 else ''} during collection", "!",
                    width), file=out)
        return EXIT_ERRORS
    if not tests:
        print(_rule(f"no tests ran in {time.perf_counter() - started:.2f}s", "=", width), file=out)
        return EXIT_NO_TESTS
    print("", file=out)
    runner = runner if runner is not None else FlowTestRunner()
    results: list[CaseResult] = []
    for test in tests:
        if not verbose:
            print(f"{_shown(test.path)} ", end="", file=out)
        for case in test.cases:
            result = await runner.run_case(test, case)
            results.append(result)
            mark = {"passed": ".", "failed": "F"}.get(result.outcome, "E")
            if verbose:
                print(f"{_shown(test.path)}::{case.name} {result.outcome.upper()} "
                      f"[{len(results) * 100 // cases:3d}%]", file=out)
            else:
                print(mark, end="", file=out)
        if not verbose:
            print(f"  [{len(results) * 100 // cases:3d}%]", file=out)
    bad = [r for r in results if not r.passed]
    if bad:
        print("", file=out)
        print(_rule("FAILURES", "=", width), file=out)
        for r in bad:
            print(_rule(f"{_shown(r.file)}::{r.name}", "_", width), file=out)
            for text in r.failures:
                print(("E   " if r.outcome == "error" else "") + text, file=out)
            if r.logs:
                print(_rule("logs", "-", width), file=out)
                for line in r.logs[-20:]:
                    print(line, file=out)
        print(_rule("short test summary info", "=", width), file=out)
        for r in bad:
            first = r.failures[0].splitlines()[0] if r.failures else ""
            print(f"{'FAILED' if r.outcome == 'failed' else 'ERROR'} {_shown(r.file)}::{r.name} - {first}", file=out)
    print(_rule(_summary(results, time.perf_counter() - started), "=", width), file=out)
    return EXIT_FAILED if bad else EXIT_OK
