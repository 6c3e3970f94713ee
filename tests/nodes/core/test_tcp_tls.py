"""TCP over TLS with tls-config nodes: a tcp in server echoing through tcp out (reply) to a tcp
request client, with a self-signed certificate for 127.0.0.1 made here."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ._sockets import free_port, harness

pytestmark = pytest.mark.integration


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


async def test_tls_server_reply_and_tls_client(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    flows = [
        {"id": "server-tls", "type": "tls-config", "cert": str(cert), "key": str(key), "ca": "",
         "verifyservercert": True},
        {"id": "client-tls", "type": "tls-config", "cert": "", "key": "", "ca": str(cert), "verifyservercert": True},
        {"id": "in", "type": "tcp in", "server": "server", "port": str(port), "datamode": "stream",
         "datatype": "utf8", "newline": "\\n", "trim": True, "topic": "", "tls": "server-tls", "wires": [["echo"]]},
        {"id": "echo", "type": "tcp out", "beserver": "reply", "host": "", "port": "", "base64": False,
         "end": False, "wires": []},
        {"id": "req", "type": "tcp request", "server": "127.0.0.1", "port": str(port), "out": "char",
         "splitc": "\\n", "ret": "string", "newline": "", "trim": False, "tls": "client-tls", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
    ]
    async with harness(tmp_path / "user", flows) as h:
        h.send_to("req", {"payload": "ping over tls\n", "topic": "t"})
        [msg] = await h.wait_for("out", timeout=5)
    assert msg["payload"] == "ping over tls\n" and msg["topic"] == "t"


async def test_a_tls_server_without_a_key_says_what_is_missing(tmp_path: Path) -> None:
    flows = [{"id": "tls", "type": "tls-config", "cert": "", "key": "", "ca": ""},
             {"id": "in", "type": "tcp in", "server": "server", "port": str(free_port()), "tls": "tls",
              "wires": [[]]}]
    async with harness(tmp_path / "user", flows) as h:
        assert any("a TLS server needs a certificate and its private key" in text and "(property 'tls')" in text
                   for _, nid, text in h.logs if nid == "in")
