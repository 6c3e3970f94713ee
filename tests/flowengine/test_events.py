import pytest

from flowengine.events import EventBus, topic_matches


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("status/#", "status/abc", True),
        ("status/#", "status", True),
        ("status/+", "status/abc", True),
        ("status/+", "status/a/b", False),
        ("notification/#", "notification/runtime-deploy", True),
        ("#", "debug", False),
        ("debug", "debug", True),
        ("debug", "debugx", False),
    ],
)
def test_topic_matches(pattern, topic, expected):
    assert topic_matches(pattern, topic) is expected


def test_retained_replay_and_clear():
    bus = EventBus()
    got = []
    remove = bus.listen(lambda t, d: got.append((t, d)))
    bus.publish("status/n1", {"text": "ok"}, retain=True)
    bus.publish("debug", {"msg": "x"})
    assert got == [("status/n1", {"text": "ok"}), ("debug", {"msg": "x"})]
    assert bus.retained("status/#") == [("status/n1", {"text": "ok"})]
    bus.publish("status/n1", {}, retain=True)
    assert bus.retained("status/#") == []
    remove()
    bus.publish("debug", 1)
    assert len(got) == 3


def test_broken_listener_does_not_stop_others(caplog):
    bus = EventBus()
    got = []

    def broken(t, d):
        raise RuntimeError("boom")

    bus.listen(broken)
    bus.listen(lambda t, d: got.append(t))
    bus.publish("debug", 1)
    assert got == ["debug"]
    assert "boom" in caplog.text
