import asyncio
import json
import logging

import pytest

from flowengine.context import ContextManager
from flowengine.errors import SettingsError
from flowengine.settings import Settings
from flowengine.types import UNDEFINED

STORES = {"default": {"module": "memory"}, "file": {"module": "localfilesystem"}}


def make(tmp_path, storage=STORES, **kw) -> ContextManager:
    return ContextManager(Settings(user_dir=tmp_path, contextStorage=storage, **kw))


def test_default_single_memory_store(tmp_path):
    cm = ContextManager(Settings(user_dir=tmp_path))
    assert cm.stores() == ["default"]
    assert cm.default_store == "default"
    assert not cm.configured


def test_store_configuration_shapes(tmp_path):
    cm = make(tmp_path, {"file": {"module": "file"}, "mem": {"module": "memory"}})
    assert cm.default_store == "file"  # no "default": the first store
    assert cm.stores() == ["file", "mem"]
    cm = make(tmp_path, {"default": "mem", "mem": {"module": "memory"}, "disk": {"module": "localfilesystem"}})
    assert cm.default_store == "mem"
    assert cm.store("default") is cm.store("mem")
    with pytest.raises(SettingsError, match="unknown module 'couchdb'"):
        make(tmp_path, {"default": {"module": "couchdb"}})
    with pytest.raises(SettingsError, match="unknown store 'nope'"):
        make(tmp_path, {"default": "nope"})


def test_get_set_delete_paths(tmp_path):
    cm = make(tmp_path)
    flow = cm.flow_scope("t")
    flow.set("a.b[1].c", 5)
    assert flow.get("a") == {"b": [None, {"c": 5}]}
    assert flow.get("a.b[1].c") == 5
    assert flow.get("missing.deep") is UNDEFINED
    flow.set("n", None)
    assert flow.get("n") is None
    assert sorted(flow.keys()) == ["a", "n"]
    flow.set("n", UNDEFINED)
    assert flow.get("n") is UNDEFINED
    flow.delete("a.b")
    assert flow.get("a") == {}
    flow.delete("never.there")
    assert flow.get(["a", "zz"]) == [{}, UNDEFINED]


def test_scopes_are_separate(tmp_path):
    cm = make(tmp_path)
    cm.flow_scope("t1").set("x", 1)
    cm.flow_scope("t2").set("x", 2)
    cm.node_scope("n", "t1").set("x", 3)
    cm.global_scope().set("x", 4)
    assert [cm.flow_scope("t1").get("x"), cm.flow_scope("t2").get("x")] == [1, 2]
    assert cm.node_scope("n", "t1").get("x") == 3
    assert cm.global_scope().get("x") == 4
    assert cm.flow_scope("t1").get("x", "file") is UNDEFINED


def test_values_kept_by_reference(tmp_path):
    cm = make(tmp_path)
    obj = {"list": []}
    cm.global_scope().set("o", obj)
    obj["list"].append(1)
    assert cm.global_scope().get("o") == {"list": [1]}


def test_parent_scope(tmp_path):
    cm = make(tmp_path)
    tab = cm.flow_scope("tab")
    sub = cm.flow_scope("sub-instance", parent=tab)
    tab.set("shared", "from tab")
    assert sub.get("$parent.shared") == "from tab"
    sub.set("$parent.back", 1)
    assert tab.get("back") == 1
    assert sub.get("shared") is UNDEFINED
    assert tab.get("$parent.anything") is UNDEFINED
    with pytest.raises(KeyError, match="has no parent"):
        tab.set("$parent.x", 1)


def test_unknown_store_falls_back_with_warning(tmp_path, caplog):
    cm = make(tmp_path)
    with caplog.at_level(logging.WARNING, logger="flowengine.context"):
        cm.global_scope().set("k", 1, "nosuch")
        cm.global_scope().get("k", "nosuch")
    assert cm.global_scope().get("k") == 1
    assert sum("'nosuch' is not configured" in r.getMessage() for r in caplog.records) == 1


def test_function_global_context_preload_hidden(tmp_path):
    cm = make(tmp_path, functionGlobalContext={"os": "module"})
    cm.global_scope().set("mine", 1)
    assert cm.global_scope().get("os") == "module"
    assert cm.global_scope().keys() == ["mine"]
    cm = make(tmp_path, functionGlobalContext={"os": "module"}, exportGlobalContextKeys=True)
    assert cm.global_scope().keys() == ["os"]


async def test_file_store_persists_across_restart(tmp_path):
    cm = make(tmp_path)
    cm.global_scope().set("g", {"buf": b"\x00\xff", "n": 1.5}, "file")
    cm.flow_scope("t").set("count", 7, "file")
    cm.node_scope("n1", "t").set("seen", [1, 2], "file")
    cm.flow_scope("t").set("mem", 1)
    await cm.close()
    root = tmp_path / "context"
    assert json.loads((root / "global" / "global.json").read_text()) == {
        "g": {"buf": {"type": "Buffer", "data": [0, 255]}, "n": 1.5}
    }
    assert (root / "t" / "flow.json").read_text().startswith("{\n    ")  # pretty JSON
    assert json.loads((root / "t" / "n1.json").read_text()) == {"seen": [1, 2]}
    again = make(tmp_path)
    assert again.global_scope().get("g.buf", "file") == b"\x00\xff"
    assert again.flow_scope("t").get("count", "file") == 7
    assert again.node_scope("n1", "t").get("seen", "file") == [1, 2]
    assert again.flow_scope("t").get("mem") is UNDEFINED
    assert again.flow_scope("t").keys("file") == ["count"]
    await again.close()


async def test_file_store_flushes_periodically(tmp_path):
    storage = {"default": {"module": "localfilesystem", "config": {"flushInterval": 0.05}}}
    cm = make(tmp_path, storage)
    cm.global_scope().set("k", "v")
    path = tmp_path / "context" / "global" / "global.json"
    assert not path.exists()
    for _ in range(100):
        if path.exists():
            break
        await asyncio.sleep(0.02)
    assert json.loads(path.read_text()) == {"k": "v"}
    cm.global_scope().set("k", "w")
    await cm.flush()
    assert json.loads(path.read_text()) == {"k": "w"}
    await cm.close()


def test_file_store_without_cache_writes_at_once(tmp_path):
    cm = make(tmp_path, {"default": {"module": "localfilesystem", "config": {"cache": False, "base": "ctx"}}})
    cm.global_scope().set("k", 1)
    assert json.loads((tmp_path / "ctx" / "global" / "global.json").read_text()) == {"k": 1}


async def test_file_store_custom_dir_and_odd_ids(tmp_path):
    other = tmp_path / "elsewhere"
    cm = make(tmp_path, {"default": {"module": "localfilesystem", "config": {"dir": str(other)}}})
    cm.node_scope("../evil", "a/b").set("x", 1)
    await cm.close()
    files = [p.relative_to(other) for p in other.rglob("*.json")]
    assert len(files) == 1
    assert all(".." not in p.parts for p in files)
    assert make(tmp_path, {"default": {"module": "localfilesystem", "config": {"dir": str(other)}}}).node_scope(
        "../evil", "a/b"
    ).get("x") == 1


def test_corrupt_context_file_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "context" / "t" / "flow.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    cm = make(tmp_path)
    with caplog.at_level(logging.ERROR, logger="flowengine.context"):
        assert cm.flow_scope("t").get("x", "file") is UNDEFINED
    assert not path.exists()
    assert list(path.parent.glob("flow.json.corrupt-*"))
    assert any("corrupt" in r.getMessage() for r in caplog.records)


async def test_clean_removes_gone_nodes_and_flows(tmp_path):
    cm = make(tmp_path)
    for store in ("default", "file"):
        cm.flow_scope("t1").set("a", 1, store)
        cm.flow_scope("t2").set("a", 1, store)
        cm.node_scope("n1", "t1").set("a", 1, store)
        cm.node_scope("n2", "t1").set("a", 1, store)
        cm.global_scope().set("a", 1, store)
    await cm.flush()
    cm.clean(["t1", "n1"])
    for store in ("default", "file"):
        assert cm.flow_scope("t1").get("a", store) == 1
        assert cm.flow_scope("t2").get("a", store) is UNDEFINED
        assert cm.node_scope("n1", "t1").get("a", store) == 1
        assert cm.node_scope("n2", "t1").get("a", store) is UNDEFINED
        assert cm.global_scope().get("a", store) == 1
    assert not (tmp_path / "context" / "t2").exists()
    assert not (tmp_path / "context" / "t1" / "n2.json").exists()
    await cm.close()


def test_node_stopped_drops_context_only_without_storage(tmp_path):
    plain = ContextManager(Settings(user_dir=tmp_path))
    plain.node_scope("n", "t").set("x", 1)
    plain.node_stopped("n", "t")
    assert plain.node_scope("n", "t").get("x") is UNDEFINED
    configured = make(tmp_path)
    configured.node_scope("n", "t").set("x", 1)
    configured.node_stopped("n", "t")
    assert configured.node_scope("n", "t").get("x") == 1


def test_persist_false_keeps_file_stores_in_memory(tmp_path):
    cm = ContextManager(Settings(user_dir=tmp_path, contextStorage=STORES), persist=False)
    cm.global_scope().set("k", 1, "file")
    assert cm.global_scope().get("k", "file") == 1
    assert not (tmp_path / "context").exists()


def test_encode_scope_shapes(tmp_path):
    # Shapes of GET /context/... (corpus change_context_roundtrip).
    cm = make(tmp_path)
    glob = cm.global_scope()
    glob.set("obj", {"a": 7})
    glob.set("buf", b"\x01\x02\x03")
    glob.set("persist", "stored", "file")
    assert cm.encode_scope(glob, "obj") == {"msg": '{"a":7}', "format": "Object"}
    assert cm.encode_scope(glob, "missing") == {"msg": "(undefined)", "format": "undefined"}
    assert cm.encode_scope(glob, "persist", "file") == {"msg": "stored", "format": "string[6]"}
    assert cm.encode_scope(glob) == {
        "default": {
            "obj": {"msg": '{"a":7}', "format": "Object"},
            "buf": {"msg": "010203", "format": "buffer[3]"},
        },
        "file": {"persist": {"msg": "stored", "format": "string[6]"}},
    }
    assert cm.encode_scope(glob, store="file") == {"file": {"persist": {"msg": "stored", "format": "string[6]"}}}
    assert cm.encode_scope(cm.flow_scope("t")) == {"default": {}, "file": {}}
    cm.flow_scope("t").set("count", 5)
    assert cm.encode_scope(cm.flow_scope("t"))["default"] == {"count": {"msg": "5", "format": "number"}}


async def test_failed_flush_is_retried_and_reported(tmp_path, monkeypatch):
    import flowengine.context as context_module
    from flowengine.errors import StorageError

    cm = make(tmp_path)
    cm.global_scope().set("k", 1, "file")
    real = context_module.atomic_write

    def full_disk(path, data, backup=True):
        raise StorageError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(context_module, "atomic_write", full_disk)
    with pytest.raises(StorageError, match=r"context not saved: .*No space left"):
        await cm.flush()
    monkeypatch.setattr(context_module, "atomic_write", real)
    await cm.flush()  # still dirty: written now
    assert json.loads((tmp_path / "context" / "global" / "global.json").read_text()) == {"k": 1}
    await cm.close()


async def test_periodic_flush_failure_is_logged_not_lost(tmp_path, monkeypatch, caplog):
    import flowengine.context as context_module
    from flowengine.errors import StorageError

    cm = make(tmp_path, {"default": {"module": "localfilesystem", "config": {"flushInterval": 0.01}}})
    calls = []

    def flaky(path, data, backup=True):
        calls.append(path)
        raise StorageError("cannot write: disk full")

    monkeypatch.setattr(context_module, "atomic_write", flaky)
    with caplog.at_level(logging.ERROR, logger="flowengine.context"):
        cm.global_scope().set("k", 1)
        for _ in range(200):
            if len(calls) >= 2:
                break
            await asyncio.sleep(0.01)
    assert len(calls) >= 2  # retried
    assert any("retrying" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    await cm.close()
    assert json.loads((tmp_path / "context" / "global" / "global.json").read_text()) == {"k": 1}
