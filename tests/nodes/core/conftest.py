"""Fixtures for the core node tests: ``mosquitto``, a private MQTT broker on a free loopback port
(skipped, saying how to install it, when the machine has no mosquitto; CI installs it, and there a
skip fails: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mosquitto_process import INSTALL_HINT, Mosquitto, mosquitto_binary


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    if mosquitto_binary() is None:
        pytest.skip(INSTALL_HINT)
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
