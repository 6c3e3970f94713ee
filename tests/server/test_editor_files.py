"""The editor's files from memory: preloads in index.html, ETag revalidation, changes on disk, no escape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowengine.server import app as app_module
from flowengine.server.editor_files import EditorFiles

from .conftest import AppFactory

INDEX = '<!doctype html><head><script type="module" src="js/main.js"></script></head><body></body>'


@pytest.fixture
def editor_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "editor-files"
    (folder / "js").mkdir(parents=True)
    (folder / "css").mkdir()
    (folder / "index.html").write_text(INDEX)
    (folder / "js" / "main.js").write_text('import { a } from "./a.js";\n')
    (folder / "js" / "a.js").write_text("export const a = 1;\n")
    (folder / "js" / "notes.txt").write_text("not a module")
    (folder / "css" / "editor.css").write_text("body { margin: 0 }")
    (tmp_path / "secret.txt").write_text("do not serve")
    monkeypatch.setattr(app_module, "editor_directory", lambda: folder)
    return folder


def test_index_preloads_every_module_before_the_first_module_script(app_factory: AppFactory, editor_dir: Path) -> None:
    client, _, _ = app_factory()
    page = client.get("/").text
    preload = '<link rel="modulepreload" href="js/{}">'
    assert page.index(preload.format("a.js")) < page.index(preload.format("main.js"))
    assert page.index('href="js/main.js"') < page.index('<script type="module"')
    assert "notes.txt" not in page
    assert client.get("/index.html").text == page


def test_files_carry_type_etag_and_revalidate(app_factory: AppFactory, editor_dir: Path) -> None:
    client, _, _ = app_factory()
    r = client.get("/js/a.js")
    assert r.status_code == 200 and r.text == "export const a = 1;\n"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache" and r.headers["x-content-type-options"] == "nosniff"
    assert int(r.headers["content-length"]) == len(r.content) and r.headers["last-modified"].endswith("GMT")
    etag = r.headers["etag"]
    again = client.get("/js/a.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/js/a.js", headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get("/js/a.js", headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.head("/css/editor.css")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "18"
    assert head.headers["content-type"] == "text/css; charset=utf-8"


def test_a_changed_file_is_served_anew(app_factory: AppFactory, editor_dir: Path) -> None:
    client, _, _ = app_factory()
    first = client.get("/js/a.js")
    target = editor_dir / "js" / "a.js"
    target.write_text("export const a = 22;\n")
    os.utime(target, ns=(10**18, 10**18))  # a different mtime whatever the clock's grain
    changed = client.get("/js/a.js", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.text == "export const a = 22;\n"
    assert changed.headers["etag"] != first.headers["etag"]
    (editor_dir / "js" / "b.js").write_text("export {};\n")
    os.utime(editor_dir / "js", ns=(1, 2 * 10**18))
    assert '<link rel="modulepreload" href="js/b.js">' in client.get("/").text
    target.unlink()
    assert client.get("/js/a.js").status_code == 404


def test_nothing_outside_the_folder(editor_dir: Path) -> None:
    files = EditorFiles(editor_dir)
    assert files.resolve("js/main.js") == "js/main.js"
    assert files.resolve("") == "index.html" and files.resolve("js/") is None
    for rel in ("../secret.txt", "js/../../secret.txt", "/etc/passwd", "js/missing.js"):
        assert files.resolve(rel) is None
    outside = editor_dir / "js" / "link.js"
    outside.symlink_to(editor_dir.parent / "secret.txt")
    assert files.resolve("js/link.js") is None
