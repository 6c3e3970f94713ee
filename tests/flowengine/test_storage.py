import json
import os
import shutil
import subprocess
import uuid

import pytest

from flowengine import atomic
from flowengine.errors import CorruptFlowsError, StorageError
from flowengine.settings import Settings
from flowengine.storage import FlowStorage, MemoryFlowStorage, atomic_write, backup_path

FLOWS = [{"id": "t1", "type": "tab", "label": "Flow 1"}, {"id": "n1", "type": "debug", "z": "t1", "name": "é"}]


def test_atomic_write_and_backup(tmp_path):
    path = tmp_path / "sub" / "file.json"
    atomic_write(path, b"one")
    assert path.read_bytes() == b"one"
    assert not backup_path(path).exists()
    atomic_write(path, b"two")
    assert path.read_bytes() == b"two"
    assert backup_path(path).read_bytes() == b"one"
    assert backup_path(path).name == ".file.json.backup"
    atomic_write(path, b"three", backup=False)
    assert backup_path(path).read_bytes() == b"one"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_atomic_write_keeps_permissions(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    os.chmod(path, 0o600)
    atomic_write(path, b"y")
    assert path.stat().st_mode & 0o777 == 0o600


def test_atomic_write_failure_leaves_original(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"original")
    os.chmod(tmp_path, 0o500)
    if os.geteuid() == 0:  # root writes through directory permissions: fail the way a user would
        def refused(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(tmp_path))
        monkeypatch.setattr(atomic.tempfile, "mkstemp", refused)
    try:
        with pytest.raises(StorageError, match="cannot write"):
            atomic_write(path, b"new", backup=False)
    finally:
        os.chmod(tmp_path, 0o700)
    assert path.read_bytes() == b"original"


def test_failed_rename_removes_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"original")

    def refused(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(atomic.os, "replace", refused)
    with pytest.raises(StorageError, match="No space left"):
        atomic_write(path, b"new", backup=False)
    assert path.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_disk_full_leaves_original_intact(tmp_path):
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("needs root and mount(8) to create a tiny tmpfs (run the tests as root)")
    mnt = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mount of a tmpfs refused: {done.stderr.decode().strip()}")
    try:
        path = mnt / "flows.json"
        atomic_write(path, b"[]", backup=False)
        with pytest.raises(StorageError):
            atomic_write(path, b"x" * 200_000, backup=False)
        assert path.read_bytes() == b"[]"
        assert [p.name for p in mnt.iterdir()] == ["flows.json"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_flow_storage_round_trip(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    assert storage.load_flows() == []
    storage.save_flows(FLOWS)
    text = (tmp_path / "flows.json").read_text(encoding="utf-8")
    assert text.startswith('[\n    {\n        "id"') and "é" in text
    assert storage.load_flows() == FLOWS
    storage.save_flows([])
    assert json.loads((tmp_path / ".flows.json.backup").read_text()) == FLOWS


def test_flow_storage_compact(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path, flowFilePretty=False, flowFile="my.json"))
    storage.save_flows(FLOWS)
    assert (tmp_path / "my.json").read_text(encoding="utf-8") == json.dumps(
        FLOWS, separators=(",", ":"), ensure_ascii=False
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"", "empty"),
        (b'{"a": 1}', "expected a JSON array"),
        (b"[NaN]", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
    ],
)
def test_corrupt_flows(tmp_path, content, reason):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    (tmp_path / "flows.json").write_bytes(content)
    with pytest.raises(CorruptFlowsError, match=reason) as info:
        storage.load_flows()
    assert info.value.backup is None
    assert (tmp_path / "flows.json").read_bytes() == content  # never "start empty then overwrite"


def test_corrupt_flows_names_backup(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    storage.save_flows(FLOWS)
    storage.save_flows(FLOWS)
    (tmp_path / "flows.json").write_text("[{truncated")
    with pytest.raises(CorruptFlowsError) as info:
        storage.load_flows()
    assert info.value.backup == str(tmp_path / ".flows.json.backup")
    assert "a backup is at" in str(info.value)


def test_bom_and_v2_shape_accepted(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    (tmp_path / "flows.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(FLOWS).encode())
    assert storage.load_flows() == FLOWS
    (tmp_path / "flows.json").write_text(json.dumps({"flows": FLOWS, "rev": "x"}))
    assert storage.load_flows() == FLOWS


def test_unserialisable_flows_refused(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    storage.save_flows(FLOWS)
    with pytest.raises(StorageError, match="cannot be saved"):
        storage.save_flows([{"id": "x", "v": float("nan")}])
    assert storage.load_flows() == FLOWS


def test_runtime_config(tmp_path):
    storage = FlowStorage(Settings(user_dir=tmp_path))
    assert storage.load_runtime_config() == {}
    storage.save_runtime_config({"instanceId": "abc", "_credentialSecret": "s"})
    assert storage.load_runtime_config() == {"instanceId": "abc", "_credentialSecret": "s"}
    (tmp_path / ".config.runtime.json").write_text("[1]")
    with pytest.raises(StorageError, match="must hold a JSON object"):
        storage.load_runtime_config()
    (tmp_path / ".config.runtime.json").write_text("{oops")
    with pytest.raises(StorageError, match="not valid JSON"):
        storage.load_runtime_config()


def test_memory_flow_storage():
    storage = MemoryFlowStorage(FLOWS)
    flows = storage.load_flows()
    flows.append({"id": "x"})
    assert storage.load_flows() == FLOWS  # copies, not shared
    storage.save_flows(flows)
    assert storage.saves == 1 and len(storage.load_flows()) == 3
    storage.save_runtime_config({"a": 1})
    assert storage.load_runtime_config() == {"a": 1}


def test_user_dir_lock(tmp_path):
    from flowengine.storage import UserDirLock

    with UserDirLock(tmp_path):
        with pytest.raises(StorageError, match=rf"in use by another flowengine process \(pid {os.getpid()}\)"):
            UserDirLock(tmp_path).acquire()
    second = UserDirLock(tmp_path)
    second.acquire()  # free again after release
    second.release()
    second.release()  # idempotent


def test_user_dir_lock_across_processes(tmp_path):
    import sys

    from flowengine.storage import UserDirLock

    code = (
        "import sys\nfrom flowengine.storage import UserDirLock\nfrom flowengine.errors import StorageError\n"
        "try:\n    UserDirLock(sys.argv[1]).acquire()\nexcept StorageError:\n    sys.exit(3)\n"
    )
    with UserDirLock(tmp_path):
        busy = subprocess.run([sys.executable, "-c", code, str(tmp_path)], timeout=60)
    free = subprocess.run([sys.executable, "-c", code, str(tmp_path)], timeout=60)
    assert (busy.returncode, free.returncode) == (3, 0)


def test_kill_9_during_writes_never_leaves_a_corrupt_file(tmp_path):
    import random
    import signal
    import sys
    import time

    target = tmp_path / "flows.json"
    code = (
        "import json, sys\nfrom flowengine.storage import atomic_write\n"
        "i = 0\nprint('ready', flush=True)\n"
        "while True:\n"
        "    i += 1\n"
        "    atomic_write(sys.argv[1], json.dumps([{'id': str(n), 'i': i} for n in range(2000)]).encode())\n"
    )
    seen = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE)
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
            time.sleep(random.uniform(0.05, 0.3))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
        if target.exists():
            flows = json.loads(target.read_text())
            assert len(flows) == 2000
            seen += 1
        backup = backup_path(target)
        if backup.exists():
            assert len(json.loads(backup.read_text())) == 2000
    assert seen >= 3  # the writer got to write: the check above was not vacuous
    assert not [p.name for p in tmp_path.iterdir() if not p.name.endswith((".json", ".backup", ".tmp"))]
    FlowStorage(Settings(user_dir=tmp_path)).load_flows()  # startup removes what a killed write left
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_a_save_without_new_credentials_writes_the_flows_file_alone(tmp_path, monkeypatch):
    """The credentials file unchanged: the flows file is replaced atomically by itself (old or new
    on disk at any crash), without the two-file journal and its extra fsyncs."""
    from flowengine import storage as storage_module

    storage = FlowStorage(Settings(user_dir=tmp_path))
    storage.save_flows(FLOWS, b"sealed credentials")
    creds = (tmp_path / "flows_cred.json").read_bytes()
    fsyncs = []
    monkeypatch.setattr(storage_module, "save_together", lambda *a, **k: pytest.fail("journal used"))
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    storage.save_flows([*FLOWS, {"id": "n2", "type": "debug", "z": "t1"}])
    assert len(fsyncs) == 2  # the new file, the directory (the backup is a second name of the old file)
    assert [n["id"] for n in storage.load_flows()] == ["t1", "n1", "n2"]
    assert json.loads((tmp_path / ".flows.json.backup").read_text()) == FLOWS
    assert (tmp_path / "flows_cred.json").read_bytes() == creds
    assert sorted(p.name for p in tmp_path.iterdir()) == [".flows.json.backup", "flows.json", "flows_cred.json"]


def test_a_flows_alone_save_first_finishes_a_joint_save_a_failure_left(tmp_path, monkeypatch):
    from flowengine import journal

    storage = FlowStorage(Settings(user_dir=tmp_path))
    storage.save_flows(FLOWS, b"old credentials")
    real = os.replace

    def fail_credentials(src, dst):  # the commit is written, the credentials' rename fails
        if str(dst).endswith("/flows_cred.json"):
            raise OSError("disk gone")
        return real(src, dst)

    monkeypatch.setattr(journal.os, "replace", fail_credentials)
    with pytest.raises(StorageError, match="completed when the runtime next starts"):
        storage.save_flows(FLOWS, b"new credentials")
    monkeypatch.setattr(journal.os, "replace", real)
    storage.save_flows([FLOWS[0]])
    assert (tmp_path / "flows_cred.json").read_bytes() == b"new credentials"
    assert storage.load_flows() == [FLOWS[0]]
    assert not list(tmp_path.glob(".*.pending")) and not list(tmp_path.glob(".*.saving"))


def test_saves_look_for_what_a_crash_left_once_and_again_after_a_failed_save(tmp_path, monkeypatch):
    from flowengine import storage as storage_module

    looked = []
    real_recover = storage_module.recover
    monkeypatch.setattr(storage_module, "recover", lambda *a: (looked.append(1), real_recover(*a))[1])
    storage = FlowStorage(Settings(user_dir=tmp_path))
    storage.save_flows(FLOWS)
    storage.save_flows(FLOWS)
    assert len(looked) == 1  # nothing else writes these files while the user dir is locked
    real_write = storage_module.atomic_write

    def full_disk(*args, **kwargs):
        raise StorageError("cannot write flows.json: No space left on device")

    monkeypatch.setattr(storage_module, "atomic_write", full_disk)
    with pytest.raises(StorageError):
        storage.save_flows([FLOWS[0]])
    monkeypatch.setattr(storage_module, "atomic_write", real_write)
    storage.save_flows([FLOWS[0]])
    assert len(looked) == 2
    assert storage.load_flows() == [FLOWS[0]]
