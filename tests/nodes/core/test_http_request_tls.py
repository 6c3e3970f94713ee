"""http request over real TLS: a CA and certificates made here (cryptography), a local TLS server."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

from ._local_http import Answer, LocalHttp

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both work for tests
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration


@dataclass
class Pem:
    cert: str
    key: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(subject: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
           sans: list[x509.GeneralName], usage: Any = None) -> tuple[Pem, x509.Name, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = _name(subject)
    signer_name, signer_key = issuer or (name, key)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(signer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1)))
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True).add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
    cert = builder.sign(signer_key, hashes.SHA256())
    pem = Pem(cert.public_bytes(serialization.Encoding.PEM).decode(),
              key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode())
    return pem, name, key


@dataclass
class Pki:
    ca: Pem
    ca_file: str
    server: Pem
    named_server: Pem
    client: Pem

    def server_context(self, pem: Pem, require_client: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "c.pem").write_text(pem.cert)
            Path(tmp, "k.pem").write_text(pem.key)
            ctx.load_cert_chain(Path(tmp, "c.pem"), Path(tmp, "k.pem"))
        if require_client:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cadata=self.ca.cert)
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca, ca_name, ca_key = _issue("flowengine test CA", None, [])
    issuer = (ca_name, ca_key)
    server, _, _ = _issue("127.0.0.1", issuer, [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
                          ExtendedKeyUsageOID.SERVER_AUTH)
    named, _, _ = _issue("flowengine.test", issuer, [x509.DNSName("flowengine.test")],
                         ExtendedKeyUsageOID.SERVER_AUTH)
    client, _, _ = _issue("flow client", issuer, [x509.DNSName("client.test")], ExtendedKeyUsageOID.CLIENT_AUTH)
    ca_file = tmp_path_factory.mktemp("pki") / "ca.pem"
    ca_file.write_text(ca.cert)
    return Pki(ca, str(ca_file), server, named, client)


def flows(url: str, tls: dict[str, Any] | None = None, **props: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = [
        {"id": "req", "type": "http request", "method": "GET", "url": url, "tls": "tls1" if tls else "",
         **props, "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "c", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
        {"id": "caught", "type": "test-sink"},
    ]
    if tls is not None:
        nodes.append({"id": "tls1", "type": "tls-config", **tls})
    return nodes


async def run(nodes: list[dict[str, Any]], msg: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """("out" | "caught", the message) for one request. A request that failed on the wire is caught
    and (no ``senderr``) also sent on: "caught" then gives the sent message with the caught
    ``error``; one refused before sending (a bad TLS setup) is only caught."""
    settings = Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-tls-")))
    async with FlowHarness(nodes, settings=settings) as h:
        h.send_to("req", msg or {})
        for _ in range(500):
            if h.received("caught"):
                await h.drain()
                sent, caught = h.received("out"), h.received("caught")[0]
                return "caught", {**sent[0], "error": caught["error"]} if sent else caught
            if h.received("out"):
                await h.drain()
                if not h.received("caught"):
                    return "out", h.received("out")[0]
            await asyncio.sleep(0.01)
    raise AssertionError("no answer and no error from the http request node")


async def test_ca_file_and_inline_ca_verify_the_server(pki: Pki) -> None:
    async with LocalHttp(lambda seen: Answer(body=b"secure"), pki.server_context(pki.server)) as srv:
        where, msg = await run(flows(srv.url + "/a", {"ca": pki.ca_file}))
        assert (where, msg["payload"], msg["statusCode"]) == ("out", "secure", 200)
        where, msg = await run(flows(srv.url + "/b", {"credentials": {"cadata": pki.ca.cert}}))
        assert (where, msg["payload"]) == ("out", "secure")
        # no scheme + a tls-config node: https:// is assumed
        where, msg = await run(flows(f"127.0.0.1:{srv.port}/c", {"ca": pki.ca_file}))
        assert (where, msg["responseUrl"]) == ("out", srv.url + "/c")
    assert [s.target for s in srv.seen] == ["/a", "/b", "/c"]


async def test_untrusted_server_fails_with_a_clear_error(pki: Pki) -> None:
    async with LocalHttp(lambda seen: Answer(body=b"secure"), pki.server_context(pki.server)) as srv:
        where, msg = await run(flows(srv.url + "/"))
        assert where == "caught"
        assert msg["statusCode"] == "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
        assert "not trusted" in msg["error"]["message"] and "property 'tls'" in msg["error"]["message"]
        # a tls-config node without the CA is no better
        where, msg = await run(flows(srv.url + "/", {"verifyservercert": True}))
        assert where == "caught" and "tls-config" in msg["error"]["message"]
        assert srv.seen == []


async def test_verification_off_accepts_the_server(pki: Pki) -> None:
    async with LocalHttp(lambda seen: Answer(body=b"secure"), pki.server_context(pki.server)) as srv:
        where, msg = await run(flows(srv.url + "/", {"verifyservercert": False}))
        assert (where, msg["payload"]) == ("out", "secure")
        where, msg = await run(flows(srv.url + "/"), {"rejectUnauthorized": False})
        assert (where, msg["payload"]) == ("out", "secure")
        where, msg = await run(flows(srv.url + "/"), {"rejectUnauthorized": True})
        assert where == "caught"
        # Node-RED: with a tls-config node, msg.rejectUnauthorized is not looked at
        where, msg = await run(flows(srv.url + "/", {"ca": pki.ca_file}), {"rejectUnauthorized": False})
        assert where == "out"


async def test_servername_is_the_sni_host_and_the_name_checked(pki: Pki) -> None:
    async with LocalHttp(lambda seen: Answer(body=b"named"), pki.server_context(pki.named_server)) as srv:
        where, msg = await run(flows(srv.url + "/", {"ca": pki.ca_file, "servername": "flowengine.test"}))
        assert (where, msg["payload"]) == ("out", "named")
        assert srv.sni == ["flowengine.test"]
        where, msg = await run(flows(srv.url + "/", {"ca": pki.ca_file}))
        assert where == "caught" and msg["statusCode"] == "ERR_TLS_CERT_ALTNAME_INVALID"


async def test_client_certificate_from_pasted_pem(pki: Pki) -> None:
    ctx = pki.server_context(pki.server, require_client=True)
    async with LocalHttp(lambda seen: Answer(body=b"hello client"), ctx) as srv:
        creds = {"cadata": pki.ca.cert, "certdata": pki.client.cert, "keydata": pki.client.key}
        where, msg = await run(flows(srv.url + "/", {"credentials": creds}))
        assert (where, msg["payload"]) == ("out", "hello client")
        where, msg = await run(flows(srv.url + "/", {"credentials": {"certdata": pki.client.cert,
                                                                     "cadata": pki.ca.cert}}))
        assert where == "caught" and "private key" in msg["error"]["message"]


def test_private_key_and_passphrase_are_never_echoed(pki: Pki, tmp_path: Path) -> None:
    settings = Settings(user_dir=tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    tab = {"id": "t1", "type": "tab", "label": "t", "disabled": False, "info": "", "env": []}
    creds = {"certdata": pki.client.cert, "keydata": pki.client.key, "cadata": pki.ca.cert, "passphrase": "pw"}
    with TestClient(create_app(runtime, settings, editor=False)) as client:
        flows = [tab, {"id": "tls1", "type": "tls-config", "verifyservercert": True, "credentials": creds}]
        assert client.post("/flows", json=flows).status_code == 204
        r = client.get("/credentials/tls-config/tls1")
        assert r.json() == {"certdata": pki.client.cert, "cadata": pki.ca.cert, "has_keydata": True,
                            "has_passphrase": True}
        assert "PRIVATE KEY" not in r.text
        # the editor sends the placeholder back for an unchanged password field: the key is kept
        flows[1]["credentials"] = {"keydata": "__PWRD__", "passphrase": "__PWRD__"}
        assert client.post("/flows", json=flows).status_code == 204
        node = runtime.node("tls1")
        assert node is not None and node.credentials["keydata"] == pki.client.key
        assert node.credentials["passphrase"] == "pw"
