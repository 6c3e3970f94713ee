"""Fixtures for the core node tests: ``mosquitto``, a private MQTT broker on a free loopback port
(skipped, saying how to install it, when the machine has no mosquitto; CI installs it, and there a
skip fails: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mosquitto import Mosquitto

from ._mqtt_helpers import running


@pytest.fixture
def mosquitto() -> Iterator[Mosquitto]:
    with running(Mosquitto()) as broker:
        yield broker
