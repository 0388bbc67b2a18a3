"""Chameleon templates, compiled one at a time.

Chameleon compiles a template (and the macros it loads) on its first render.
On CPython 3.11 two threads compiling at once can fail inside the ``ast``
module (malthe/chameleon#387, python/cpython#106905), which showed as a 500 on
the first concurrent requests after start-up. Every template's first render
therefore takes one process-wide lock; later renders take none.
"""
from __future__ import annotations

import threading

from pyramid_chameleon.zpt import renderer_factory as chameleon_renderer_factory

_first_render = threading.Lock()


class CompileOnceRenderer:
    """A template renderer whose first call is serialised with every other first call."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.warm = False

    def __call__(self, value, system):
        if self.warm:
            return self.renderer(value, system)
        with _first_render:
            result = self.renderer(value, system)
        self.warm = True
        return result


def renderer_factory(info) -> CompileOnceRenderer:
    """The ``.pt`` renderer factory."""
    return CompileOnceRenderer(chameleon_renderer_factory(info))


def includeme(config):
    """pyramid_chameleon, with ``.pt`` templates compiled one at a time."""
    config.include("pyramid_chameleon")
    config.add_renderer(".pt", renderer_factory)
