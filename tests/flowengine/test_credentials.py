import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from flowengine.credentials import CredentialStore, SecretSource
from flowengine.errors import CredentialsError
from flowengine.settings import Settings
from flowengine.storage import FlowStorage, MemoryFlowStorage


def node_red_file(creds: dict, secret: str) -> dict:
    """A flows_cred.json as Node-RED 5 writes it (aes-256-ctr, key = sha256(secret), hex IV prefix)."""
    iv = os.urandom(16)
    key = hashlib.sha256(secret.encode()).digest()
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    body = enc.update(json.dumps(creds).encode()) + enc.finalize()
    return {"$": iv.hex() + base64.b64encode(body).decode()}


def test_round_trip_encrypted(tmp_path):
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, "s3cret")
    store.merge({"cfg": {"api_key": "sk-123", "org": "acme"}})
    store.save()
    on_disk = json.loads(path.read_text())
    assert set(on_disk) == {"$", "alg"} and on_disk["alg"] == "aes-256-gcm"
    assert "sk-123" not in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600
    again = CredentialStore(path, "s3cret")
    again.load()
    assert again.get("cfg") == {"api_key": "sk-123", "org": "acme"}
    assert not again.dirty


def test_wrong_secret_refuses_and_never_overwrites(tmp_path):
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, "right")
    store.set("cfg", {"api_key": "sk"})
    store.save()
    before = path.read_bytes()
    wrong = CredentialStore(path, "wrong")
    with pytest.raises(CredentialsError, match="cannot be decrypted with the configured credentialSecret"):
        wrong.load()
    wrong.merge({"cfg": {"api_key": "other"}})
    with pytest.raises(CredentialsError, match="refusing to overwrite"):
        wrong.save()
    assert path.read_bytes() == before


def test_encrypted_file_without_any_secret(tmp_path):
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, "x")
    store.set("a", {"k": "v"})
    store.save()
    with pytest.raises(CredentialsError, match="no credentialSecret is configured"):
        CredentialStore(path, SecretSource(None, MemoryFlowStorage())).load()


def test_corrupt_file(tmp_path):
    path = tmp_path / "flows_cred.json"
    path.write_text("{garbage")
    store = CredentialStore(path, "x")
    with pytest.raises(CredentialsError, match="cannot be read"):
        store.load()
    with pytest.raises(CredentialsError):
        store.save()
    assert path.read_text() == "{garbage"
    path.write_text(json.dumps({"$": "not base64 !!!", "alg": "aes-256-gcm"}))
    with pytest.raises(CredentialsError, match="cannot be decrypted"):
        CredentialStore(path, "x").load()


def test_import_node_red_file(tmp_path):
    path = tmp_path / "flows_cred.json"
    path.write_text(json.dumps(node_red_file({"b1": {"user": "bob", "password": "s3cret"}}, "anchor-secret")))
    store = CredentialStore(path, "anchor-secret")
    store.load()
    assert store.get("b1") == {"user": "bob", "password": "s3cret"}
    assert store.dirty  # next save converts to our format
    store.save()
    assert json.loads(path.read_text())["alg"] == "aes-256-gcm"
    reread = CredentialStore(path, "anchor-secret")
    reread.load()
    assert reread.get("b1")["password"] == "s3cret"


def test_import_node_red_file_wrong_secret(tmp_path):
    path = tmp_path / "flows_cred.json"
    path.write_text(json.dumps(node_red_file({"b1": {"user": "bob"}}, "anchor-secret")))
    with pytest.raises(CredentialsError, match="wrong secret"):
        CredentialStore(path, "other").load()


def test_generated_secret_in_runtime_config(tmp_path):
    settings = Settings(user_dir=tmp_path)
    storage = FlowStorage(settings)
    store = CredentialStore(settings.credentials_path, SecretSource(None, storage))
    store.set("n", {"token": "t"})
    store.save()
    secret = storage.load_runtime_config()["_credentialSecret"]
    assert len(secret) == 64 and int(secret, 16) >= 0
    again = CredentialStore(settings.credentials_path, SecretSource(None, storage))
    again.load()
    assert again.get("n") == {"token": "t"}


def test_configured_secret_migrates_from_generated(tmp_path):
    storage = MemoryFlowStorage()
    path = tmp_path / "c.json"
    old = CredentialStore(path, SecretSource(None, storage))
    old.set("n", {"k": "v"})
    old.save()
    new = CredentialStore(path, SecretSource("configured", storage))
    new.load()
    assert new.get("n") == {"k": "v"} and new.dirty
    new.save()
    only_new = CredentialStore(path, "configured")
    only_new.load()
    assert only_new.get("n") == {"k": "v"}


def test_plaintext_when_secret_false(tmp_path):
    path = tmp_path / "c.json"
    store = CredentialStore(path, False)
    store.set("n", {"k": "v"})
    store.save()
    assert json.loads(path.read_text()) == {"n": {"k": "v"}}
    again = CredentialStore(path, False)
    again.load()
    assert again.get("n") == {"k": "v"}
    encrypting = CredentialStore(path, "now-secret")
    encrypting.load()
    assert encrypting.dirty  # a plaintext file is encrypted on the next save


def test_merge_semantics():
    store = CredentialStore(None)
    assert store.merge({"n": {"user": "bob", "password": "pw"}}) == {"n"}
    assert store.merge({"n": {"password": "__PWRD__", "has_password": True, "user": "alice"}}) == {"n"}
    assert store.get("n") == {"user": "alice", "password": "pw"}
    assert store.merge({"n": {"password": "__PWRD__", "user": "alice"}, "m": {"password": ""}}) == set()
    store.merge({"n": {"user": ""}})
    assert store.get("n") == {"password": "pw"}
    store.merge({"n": {"password": "  "}})
    assert store.get("n") == {}
    assert "n" not in store.ids()


def test_get_returns_a_copy():
    store = CredentialStore(None)
    store.set("n", {"k": {"nested": 1}})
    got = store.get("n")
    got["k"]["nested"] = 2
    assert store.get("n") == {"k": {"nested": 1}}


def test_prune_and_public_view():
    store = CredentialStore(None)
    store.set("a", {"user": "u", "password": "p"})
    store.set("b", {"api_key": ""})
    store.set("gone", {"x": 1})
    store.prune(["a", "b"])
    assert sorted(store.ids()) == ["a", "b"]
    schema = {"user": "text", "password": "password"}
    assert store.public_view("a", schema) == {"user": "u", "has_password": True}
    assert store.public_view("b", {"api_key": "password"}) == {"has_api_key": False}
    assert store.public_view("nobody", schema) == {"has_password": False}


def test_save_keeps_backup(tmp_path):
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, "s")
    store.set("n", {"k": "1"})
    store.save()
    first = path.read_bytes()
    store.set("n", {"k": "2"})
    store.save()
    assert (tmp_path / ".flows_cred.json.backup").read_bytes() == first


def test_memory_store_save_is_noop():
    store = CredentialStore(None, "s")
    store.set("n", {"k": "v"})
    store.save()
    assert not store.dirty
    store.load()
    assert store.ids() == []


def test_save_without_credentials_writes_nothing(tmp_path):
    storage = MemoryFlowStorage()
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, SecretSource(None, storage))
    store.load()
    store.merge({})
    store.prune(["a"])
    store.save()
    assert not path.exists()
    assert "_credentialSecret" not in storage.load_runtime_config()  # no key generated needlessly


def test_unchanged_store_is_not_rewritten(tmp_path):
    path = tmp_path / "flows_cred.json"
    store = CredentialStore(path, "s")
    store.set("n", {"k": "v"})
    store.save()
    before = path.read_bytes()
    again = CredentialStore(path, "s")
    again.load()
    again.merge({"n": {"k": "v"}})  # same value: not a change
    again.save()
    assert path.read_bytes() == before
    again.merge({"n": {"k": "w"}})
    again.save()
    assert path.read_bytes() != before
