"""The test broker helper: starts on a loopback port, stops by PID, and says how to install it."""

from __future__ import annotations

import os
import socket

import mosquitto
import pytest
from mosquitto import Mosquitto, ServiceUnavailable
from serve_process import free_port


def test_missing_binary_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mosquitto, "mosquitto_binary", lambda: None)
    with pytest.raises(ServiceUnavailable, match=r"apt-get install mosquitto"):
        Mosquitto(free_port()).start()


@pytest.mark.integration
def test_broker_listens_on_loopback_and_stops() -> None:
    if mosquitto.mosquitto_binary() is None:
        pytest.skip("the mosquitto MQTT broker is not installed (apt-get install mosquitto)")
    port = free_port()
    with Mosquitto(port) as broker:
        assert broker.proc is not None
        pid = broker.proc.pid
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(bytes([16, 13, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, 1, 99]))  # MQTT CONNECT
            assert conn.recv(4) == bytes([32, 2, 0, 0])  # CONNACK, accepted
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(pid, 0)


def test_a_taken_port_is_refused_rather_than_mistaken_for_the_broker() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        with pytest.raises(RuntimeError, match="already in use"):
            Mosquitto(holder.getsockname()[1]).start()
