"""setuptools' package list: the repository's top-level ``nodes/`` and ``editor/`` folders are
installed inside the ``flowengine`` package (``flowengine.nodes``, ``flowengine.editor``), so that
``pip install flowengine`` adds no generic top-level names to site-packages. Everything else is
configured in pyproject.toml; a source checkout finds them through ``flowengine/__init__.py``."""

from setuptools import find_packages, setup

INSIDE = ("nodes", "editor")

setup(
    packages=[*find_packages(include=["flowengine", "flowengine.*"]),
              *(f"flowengine.{p}" for p in find_packages(include=[f"{d}{s}" for d in INSIDE for s in ("", ".*")]))],
    package_dir={f"flowengine.{d}": d for d in INSIDE},
)
