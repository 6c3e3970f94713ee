"""mqtt-broker over TLS: a mosquitto TLS listener with a certificate from a CA made here
(cryptography); the broker node trusts it through a tls-config node."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mosquitto import Mosquitto

from flowengine.testing import FlowHarness

from ._mqtt_helpers import broker_node, mqtt_in, running, shows, status, until

pytestmark = pytest.mark.integration


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None,
          signer: ec.EllipticCurvePrivateKey | None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True))
    if issuer is None:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        assert signer is not None
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                         x509.DNSName("broker.test")]), critical=False
        ).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
    return builder.sign(signer or key, hashes.SHA256())


@pytest.fixture
def tls_broker(tmp_path: Path):
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("flowengine mqtt test CA", ca_key, None, None)
    server = _cert("127.0.0.1", server_key, ca.subject, ca_key)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "server.pem").write_bytes(server.public_bytes(pem))
    (tmp_path / "server.key").write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                                   serialization.NoEncryption()))
    with running(Mosquitto(tls=(tmp_path / "server.pem", tmp_path / "server.key"))) as broker:
        yield broker, tmp_path / "ca.pem"


async def test_tls_with_a_tls_config_node(tls_broker):
    broker, ca = tls_broker
    flows = [broker_node(broker, usetls=True, tls="tls"),
             {"id": "tls", "type": "tls-config", "ca": str(ca), "verifyservercert": True},
             broker_node(broker, "untrusted", usetls=True, tls="notrust"),
             {"id": "notrust", "type": "tls-config", "verifyservercert": True},
             broker_node(broker, "lenient", usetls=True, verifyservercert=False),
             {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("i", "sec/#", "s"), {"id": "s", "type": "test-sink"},
             mqtt_in("i2", "sec/#", "s2", "lenient"), {"id": "s2", "type": "test-sink"},
             {"id": "o3", "type": "mqtt out", "broker": "untrusted"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o", "i2")
        h.send_to("o", {"topic": "sec/x", "payload": "over tls"})
        assert [m["payload"] for m in await h.wait_for("s")] == ["over tls"]
        assert [m["payload"] for m in await h.wait_for("s2")] == ["over tls"]
        await until(lambda: any("Connection failed" in t for _, n, t in h.logs if n == "untrusted"),
                    lambda: f"logs: {h.logs}")
        assert status(h, "o3") == "connecting"
    assert next(t for _, n, t in h.logs if n == "b") == f"Connected to broker: mqtts://127.0.0.1:{broker.port}"


async def test_the_tls_config_servername_is_the_name_sent_and_checked(tls_broker):
    # Node-RED's tls-config adds `servername` to the connect options: SNI, and the certificate must name it
    broker, ca = tls_broker
    flows = [broker_node(broker, "named", usetls=True, tls="sni"),
             {"id": "sni", "type": "tls-config", "ca": str(ca), "servername": "broker.test", "verifyservercert": True},
             broker_node(broker, "misnamed", usetls=True, tls="wrong"),
             {"id": "wrong", "type": "tls-config", "ca": str(ca), "servername": "other.test", "verifyservercert": True},
             {"id": "o1", "type": "mqtt out", "broker": "named"},
             {"id": "o2", "type": "mqtt out", "broker": "misnamed"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "o1")
        await until(lambda: any("Connection failed" in t for _, n, t in h.logs if n == "misnamed"),
                    lambda: f"logs: {h.logs}")
        assert status(h, "o2") == "connecting"
