"""The compiled code of the methods ``dataclasses`` writes, kept in the store between builds.

A build after one change imports the pipeline: the model, the checks, the renderer, some 45
dataclasses. For each, ``dataclasses`` writes __init__, __eq__, __repr__, __hash__ and the like as
source text and compiles it: about 250 compilations, a fortieth of a build after one change at
10,000 projects. While the pipeline is imported, that compilation is answered from the store
(by the exact source text, for this interpreter only); anything not found, or not readable, is
compiled as ``dataclasses`` would, and kept for the next build.

The classes are the same either way: the code is what compile() makes of the same text, with
the same flags (``dataclasses`` compiles with no ``__future__`` feature of its own).
"""

from __future__ import annotations

import dataclasses
import marshal
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

from . import cache

SLOT = "slot:class-code"
# marshal's format and the bytecode belong to one interpreter version.
_INTERPRETER = f"{sys.implementation.cache_tag} {sys.version}"


@contextmanager
def kept(store: cache.Store) -> Iterator[None]:
    """Within this block, ``dataclasses`` compiles each method's text at most once per store."""
    found = store.get(SLOT)
    known: dict[str, bytes] = {}
    if isinstance(found, tuple) and len(found) == 2 and found[0] == _INTERPRETER and isinstance(found[1], dict):
        known = found[1]
    used: dict[str, bytes] = {}
    made = False

    def compiled(source: str) -> types.CodeType:
        nonlocal made
        data = known.get(source)
        if isinstance(data, bytes):
            try:
                code = marshal.loads(data)
            except (EOFError, ValueError, TypeError):
                code = None
            if isinstance(code, types.CodeType):
                used[source] = data
                return code
        code = compile(source, "<string>", "exec", dont_inherit=True)
        used[source] = marshal.dumps(code)
        made = True
        return code

    def exec_kept(source, globals=None, locals=None):  # noqa: A002 - exec's own parameter names
        exec(compiled(source) if type(source) is str else source, globals, locals)

    # dataclasses calls exec() by its global name: a module global of that name is found first.
    dataclasses.exec = exec_kept
    try:
        yield
    finally:
        del dataclasses.exec
        if made:  # only what this import used: entries of classes since changed do not pile up
            store.put(SLOT, (_INTERPRETER, used))
