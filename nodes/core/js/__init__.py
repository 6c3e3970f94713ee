"""JavaScript libraries evaluated into each function node's QuickJS context before the user's code.

QuickJS has no Node.js built-ins, so these plain scripts (our own code) provide what Node-RED
function code expects to find. In evaluation order, each needing only the ones before it:

1. ``util_inspect.js``: ``util.inspect``, Node's object rendering;
2. ``util.js``: the rest of ``util`` (``format``, ``promisify``, ``types``, ...);
3. ``buffer_codec.js``: byte/string codecs (utf8, hex, base64, base64url, latin1, ascii,
   utf16le) and ``TextEncoder``/``TextDecoder`` when the engine lacks them;
4. ``buffer_errors.js``: Node's error objects and texts (``ERR_OUT_OF_RANGE``, ...);
5. ``buffer.js``: ``Buffer`` (a ``Uint8Array`` subclass with Node's API);
6. ``buffer_numbers.js``: Buffer's ``read*``/``write*`` number methods;
7. ``crypto.js``: ``__fe_crypto(host)``, which makes Node's ``crypto`` module for one realm (for
   function nodes whose ``libs`` name it; the host side is ``nodes/core/_js_crypto.py``);
8. ``red_util.js``: ``__RED_util``, Node-RED's ``RED.util`` message helpers.

Afterwards the globals they add are exactly ``util``, ``Buffer``, ``__RED_util``, ``__fe_crypto``
and ``TextEncoder``/``TextDecoder``. Files 3-8 pass internals along in a temporary global that
``red_util.js`` deletes.

Parsing is nearly all of the cost (about 3.5 ms for the eight files, against 0.1 ms for a bare
context), and most function nodes never touch these names. So :func:`library_source` by default
returns a small bootstrap that defines those globals as accessors: the first read of ``util``
evaluates files 1-2; the first read of ``Buffer``, ``__RED_util`` or ``TextEncoder``/
``TextDecoder`` (or ``__fe_crypto``) evaluates files 3-8; an assignment to any of them evaluates everything first (so
the libraries always capture each other, never a value user code put there). Each accessor then
becomes a plain writable global. Glue code that wants to keep the saving must not read these
globals while setting a context up (e.g. give ``RED`` a ``util`` getter instead of copying
``__RED_util``).
"""

from __future__ import annotations

import functools
import json
from importlib import resources

__all__ = ["LIBRARY_FILES", "library_source"]

LIBRARY_FILES = (
    "util_inspect.js", "util.js",
    "buffer_codec.js", "buffer_errors.js", "buffer.js", "buffer_numbers.js", "crypto.js", "red_util.js",
)

# Which file group (index into _GROUPS) defines each global.
_GROUPS = LIBRARY_FILES[:2], LIBRARY_FILES[2:]
_GLOBALS = {"util": 0, "Buffer": 1, "__RED_util": 1, "__fe_crypto": 1, "TextEncoder": 1, "TextDecoder": 1}

_BOOTSTRAP = """(function () {
  "use strict";
  const sources = %(sources)s;
  const groupOf = %(globals)s;
  const loaded = sources.map(() => false);
  const accessors = new Set();
  const run = eval; // indirect: evaluates in the global scope
  function load(group) {
    if (loaded[group]) return;
    loaded[group] = true;
    for (const name of accessors) {
      if (groupOf[name] === group) { accessors.delete(name); delete globalThis[name]; }
    }
    run(sources[group]);
  }
  for (const name of Object.keys(groupOf)) {
    if (typeof globalThis[name] === "function") continue; // the engine has it (TextEncoder, ...)
    accessors.add(name);
    Object.defineProperty(globalThis, name, {
      enumerable: true, configurable: true,
      get() { load(groupOf[name]); return globalThis[name]; },
      set(value) { sources.forEach((_, group) => load(group)); globalThis[name] = value; },
    });
  }
})();
"""


def _read(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


@functools.cache
def library_source(lazy: bool = True) -> str:
    """The source to evaluate into a fresh context before user code (built once per process).

    ``lazy=False`` gives the plain concatenation of :data:`LIBRARY_FILES`; the default gives the
    bootstrap described in the module docstring, with the same behaviour at a fraction of the
    start-up cost.
    """
    if not lazy:
        return "\n".join(f"// ---- {name}\n{_read(name)}" for name in LIBRARY_FILES)
    sources = ["\n".join(_read(name) for name in group) for group in _GROUPS]
    return _BOOTSTRAP % {"sources": json.dumps(sources), "globals": json.dumps(_GLOBALS)}
