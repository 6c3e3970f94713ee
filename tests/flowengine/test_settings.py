import json

import pytest

from flowengine.errors import SettingsError
from flowengine.settings import Settings


def test_defaults_are_embedded(tmp_path):
    s = Settings.load(user_dir=tmp_path)
    assert s.uiHost == "127.0.0.1" and s.uiPort == 1880
    assert s.flows_path == tmp_path / "flows.json"
    assert s.credentials_path == tmp_path / "flows_cred.json"
    assert s.admin_root == "/" and s.close_timeout_s == 15


def test_toml_and_json_files_and_extra_keys(tmp_path):
    (tmp_path / "settings.toml").write_text('uiPort = 1999\nhttpAdminRoot = "admin"\nmyNode = 3\n')
    s = Settings.load(user_dir=tmp_path)
    assert s.uiPort == 1999 and s.admin_root == "/admin/" and s.extra == {"myNode": 3}
    f = tmp_path / "other.json"
    f.write_text(json.dumps({"debugMaxLength": 10}))
    assert Settings.load(f, user_dir=tmp_path).debugMaxLength == 10


def test_bad_settings_file_is_refused(tmp_path):
    (tmp_path / "settings.toml").write_text("uiPort = = 1")
    with pytest.raises(SettingsError, match=r"settings\.toml"):
        Settings.load(user_dir=tmp_path)
    with pytest.raises(SettingsError, match="does not exist"):
        Settings.load(tmp_path / "nope.toml", user_dir=tmp_path)


def test_values_can_come_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "settings.toml").write_text(
        'credentialSecret = "${FE_TEST_SECRET}"\nuiPort = 1881\nnote = "costs ${FE_TEST_SECRET}"\n'
        '[adminAuth]\ntype = "credentials"\n[[adminAuth.users]]\nusername = "admin"\npassword = "${FE_TEST_HASH}"\n')
    monkeypatch.setenv("FE_TEST_SECRET", "from-the-env")
    monkeypatch.setenv("FE_TEST_HASH", "$2b$08$hash")
    s = Settings.load(user_dir=tmp_path)
    assert s.credentialSecret == "from-the-env"
    assert s.adminAuth["users"][0]["password"] == "$2b$08$hash"
    assert s.extra["note"] == "costs ${FE_TEST_SECRET}"  # only a whole value is a reference
    monkeypatch.delenv("FE_TEST_HASH")
    with pytest.raises(SettingsError, match=r"adminAuth.users\[0\].password is \$\{FE_TEST_HASH\}.*not set"):
        Settings.load(user_dir=tmp_path)


def test_file_working_directory(tmp_path):
    assert Settings.load(user_dir=tmp_path).fileWorkingDirectory is None  # the process working directory
    (tmp_path / "settings.toml").write_text('fileWorkingDirectory = "/srv/files"\n')
    s = Settings.load(user_dir=tmp_path)
    assert s.fileWorkingDirectory == "/srv/files" and "fileWorkingDirectory" not in s.extra


def test_socket_settings_default_to_node_red_and_load_from_the_file(tmp_path):
    s = Settings.load(user_dir=tmp_path)
    assert s.socketListenHost is None  # every interface, as Node-RED's tcp in / udp in
    assert s.socketReconnectTime == 10000 and s.socketTimeout is None and s.tcpMsgQueueSize == 1000
    (tmp_path / "settings.toml").write_text('socketListenHost = "127.0.0.1"\nsocketReconnectTime = 500\n')
    s = Settings.load(user_dir=tmp_path)
    assert s.socketListenHost == "127.0.0.1" and s.socketReconnectTime == 500 and s.extra == {}
