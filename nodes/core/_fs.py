"""What the file nodes share: Node.js-style file errors, iconv-lite encoding names, file names.

``FileSystemError`` carries what a Node.js ``fs`` error carries (``code``, ``syscall``, ``path``) and
reads the same (``"ENOENT: no such file or directory, open '/x'"``, shown as ``Error: ...``), so a
flow that tests ``msg.error.code`` or the error text behaves as in Node-RED (corpus
file_write_read). ``codec_for`` maps the encoding names of Node-RED's file nodes (iconv-lite names)
to Python codecs. ``FilenameProperty`` evaluates the ``filename``/``filenameType`` typed input with
Node-RED's upgrade of pre-3.0 nodes and resolves it against the ``fileWorkingDirectory`` setting.
"""

from __future__ import annotations

import base64
import codecs
import errno
import os
import re
from collections.abc import Callable
from typing import Any

from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.types import Done, Msg

__all__ = ["ENCODINGS", "FileSystemError", "FilenameProperty", "TextCodec", "codec_for", "fs_error"]

# libuv's texts for the error codes file operations meet (uv_strerror), which Node.js puts in messages.
_UV_TEXT = {
    "ENOENT": "no such file or directory", "EACCES": "permission denied", "EEXIST": "file already exists",
    "EISDIR": "illegal operation on a directory", "ENOTDIR": "not a directory", "EPERM": "operation not permitted",
    "ENOTEMPTY": "directory not empty", "EBUSY": "resource busy or locked", "EMFILE": "too many open files",
    "ENAMETOOLONG": "name too long", "ENOSPC": "no space left on device", "EROFS": "read-only file system",
    "ELOOP": "too many symbolic links encountered", "EINVAL": "invalid argument", "EIO": "i/o error",
    "EXDEV": "cross-device link not permitted", "EFBIG": "file too large", "ETXTBSY": "text file is busy",
    "EAGAIN": "resource temporarily unavailable",
}


class FileSystemError(Exception):
    """A file operation failed, described as Node.js describes it (``err.code``, ``err.syscall``)."""

    js_name = "Error"

    def __init__(self, message: str, code: str = "", syscall: str = "", path: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.syscall = syscall
        self.path = path
        self.stack = f"Error: {message}"


def fs_error(exc: OSError, syscall: str, path: str | None = None) -> FileSystemError:
    """The Node.js error for ``exc``: ``CODE: text, syscall 'path'`` (no path when ``path`` is "")."""
    code = errno.errorcode.get(exc.errno or 0, "EIO")
    text = _UV_TEXT.get(code) or (exc.strerror or str(exc))
    text = text[:1].lower() + text[1:]
    where = exc.filename if path is None else path
    suffix = f", {syscall} '{where}'" if where else f", {syscall}"
    return FileSystemError(f"{code}: {text}{suffix}", code, syscall, where or None)


# --- encodings -----------------------------------------------------------------------------------

# The names Node-RED's file nodes offer (iconv-lite), in its editor's order.
ENCODINGS = (
    "utf8", "ucs2", "utf-16le", "ascii", "binary", "base64", "hex", "utf-16be",
    "Shift_JIS", "Windows-31j", "Windows932", "EUC-JP", "GB2312", "GBK", "GB18030", "Windows936", "EUC-CN",
    "KS_C_5601", "Windows949", "EUC-KR", "Big5", "Big5-HKSCS", "Windows950",
    "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    *(f"ISO-8859-{i}" for i in range(1, 17)),
    "cp437", "cp737", "cp775", "cp808", "cp850", "cp852", "cp855", "cp856", "cp857", "cp858", "cp860",
    "cp861", "cp866", "cp869", "cp922", "cp1046", "cp1124", "cp1125", "cp1129", "cp1133", "cp1161",
    "cp1162", "cp1163",
    "maccroatian", "maccyrillic", "macgreek", "maciceland", "macroman", "macromania", "macthai",
    "macturkish", "macukraine", "maccenteuro", "macintosh",
    "koi8-r", "koi8-u", "koi8-ru", "koi8-t",
    "armscii8", "rk1048", "tcvn", "georgianacademy", "georgianps", "pt154", "viscii", "iso646cn",
    "iso646jp", "hproman8", "tis620",
)
_PY_NAMES = {
    "utf8": "utf-8", "ucs2": "utf-16-le", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
    "windows-31j": "cp932", "windows932": "cp932", "windows936": "gbk", "euc-cn": "gb2312",
    "ks_c_5601": "cp949", "windows949": "cp949", "windows950": "cp950", "big5-hkscs": "big5hkscs",
    "maccroatian": "mac_croatian", "maccyrillic": "mac_cyrillic", "macgreek": "mac_greek",
    "maciceland": "mac_iceland", "macroman": "mac_roman", "macromania": "mac_romanian",
    "macturkish": "mac_turkish", "maccenteuro": "mac_latin2", "macintosh": "mac_roman",
    "rk1048": "kz1048", "pt154": "ptcp154", "hproman8": "hp_roman8", "tis620": "tis_620",
}
Decoder = Callable[[bytes, bool], str]
"""``decode(chunk, final)``: text of a chunk, keeping an incomplete character for the next one."""


class TextCodec:
    """One encoding: ``encode(text)`` and a fresh incremental ``decoder()``."""

    def __init__(self, encode: Callable[[str], bytes], decoder: Callable[[], Decoder]) -> None:
        self.encode = encode
        self.decoder = decoder


def codec_for(name: str) -> TextCodec:
    """The codec for a Node-RED encoding name ("none" = UTF-8 as Node's ``Buffer`` does it).

    Raises ``LookupError`` for a name Python cannot encode (a few rare iconv-lite code pages).
    """
    key = name.lower()
    if key == "none":
        return _python_codec("utf-8", "utf-8")
    if key in ("binary", "latin1"):
        return TextCodec(_low_bytes, lambda: _stateless(lambda b: b.decode("latin-1")))
    if key == "ascii":  # Node: writes the low byte of each char, reads 7 bits
        return TextCodec(_low_bytes, lambda: _stateless(lambda b: bytes(c & 0x7F for c in b).decode("ascii")))
    if key == "hex":
        return TextCodec(_from_hex, lambda: _stateless(lambda b: b.hex()))
    if key == "base64":
        return TextCodec(_from_base64, _base64_decoder)
    py = _PY_NAMES.get(key, key)
    codecs.lookup(py)  # LookupError for an unknown name
    # iconv-lite drops a UTF-8 byte order mark when decoding
    return _python_codec(py, "utf-8-sig" if py == "utf-8" else py)


def _python_codec(name: str, decode_name: str) -> TextCodec:
    def decoder() -> Decoder:
        return codecs.getincrementaldecoder(decode_name)(errors="replace").decode

    return TextCodec(lambda text: text.encode(name, errors="replace"), decoder)


def _stateless(fn: Callable[[bytes], str]) -> Decoder:
    def decode(chunk: bytes, final: bool = False) -> str:
        return fn(chunk)

    return decode


def _low_bytes(text: str) -> bytes:
    return bytes(ord(c) & 0xFF for c in text)


def _from_hex(text: str) -> bytes:
    """``Buffer.from(text, "hex")``: pairs of hex digits up to the first bad one."""
    match = re.match(r"(?:[0-9a-fA-F]{2})*", text)
    return bytes.fromhex(match.group(0) if match else "")


def _from_base64(text: str) -> bytes:
    """``Buffer.from(text, "base64")``: lenient (URL-safe letters, no padding, other chars skipped)."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text.replace("-", "+").replace("_", "/").split("=")[0])
    if len(cleaned) % 4 == 1:  # a lone trailing character carries no whole byte
        cleaned = cleaned[:-1]
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def _base64_decoder() -> Decoder:
    held = bytearray()

    def decode(chunk: bytes, final: bool = False) -> str:
        held.extend(chunk)
        cut = len(held) if final else len(held) - len(held) % 3
        text = base64.b64encode(bytes(held[:cut])).decode("ascii")
        del held[:cut]
        return text

    return decode


# --- file names ----------------------------------------------------------------------------------

_ENV_REF = re.compile(r"^\$\{([^}]+)\}$")


class FilenameProperty:
    """A node's ``filename`` typed input (str, msg, flow, global, env, jsonata)."""

    def __init__(self, node: Node, config: dict[str, Any]) -> None:
        self.node = node
        value = config.get("filename")
        value = "" if value is None else js_string(value)
        vtype = config.get("filenameType")
        if not vtype:  # a node saved before Node-RED 3: Node-RED upgrades it in place
            match = _ENV_REF.match(value)
            if value == "":
                value, vtype = "filename", "msg"
            elif match:
                value, vtype = match.group(1), "env"
            else:
                vtype = "str"
        self.value: str = value
        self.type: str = str(vtype)
        self._shown = ""

    @property
    def dynamic(self) -> bool:
        """True when the name can change from message to message (worth showing in the status)."""
        return self.type not in ("str", "env")

    def evaluate(self, msg: Msg) -> str:
        """The file name for ``msg`` ("" when none); evaluation errors propagate."""
        value = self.node.evaluate(self.value, self.type, msg)
        if not value:
            return ""
        return value if isinstance(value, str) else js_string(value)

    def for_message(self, msg: Msg, done: Done, strip_breaks: bool = False) -> tuple[str, str] | None:
        """``(filename, path to open)`` for ``msg``, as both file nodes start: a name that changes
        from message to message is shown in the status; without a name (warned: "No filename
        specified") or when it cannot be evaluated (the message's error), ``done`` is called and
        the answer is None. ``strip_breaks`` drops tabs and line breaks from the name (file in)."""
        try:
            filename = self.evaluate(msg)
        except Exception as exc:  # a bad typed input is the message's error
            self.node.error(exc, msg)
            done()
            return None
        if strip_breaks:
            filename = filename.replace("\t", "").replace("\r", "").replace("\n", "")
        if self.dynamic and filename != self._shown:
            self._shown = filename
            self.node.status(fill="grey", shape="dot", text=filename)
        if filename == "":
            self.node.warn("No filename specified")
            done()
            return None
        return filename, self.resolve(filename)

    def resolve(self, filename: str) -> str:
        """``filename`` as opened: relative names resolve against ``fileWorkingDirectory`` when set."""
        base = getattr(self.node.host.settings, "fileWorkingDirectory", None)
        if filename and base and not os.path.isabs(filename):
            return os.path.abspath(os.path.join(str(base), filename))
        return filename
