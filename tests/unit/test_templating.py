"""A template's first render (when Chameleon compiles it) holds the process-wide lock."""
from pyramid_helpdesk import templating


def test_the_first_render_is_serialised_and_later_ones_are_not():
    seen = []
    renderer = templating.CompileOnceRenderer(
        lambda value, system: seen.append(templating._first_render.locked()) or "page")
    assert renderer({}, {}) == "page"
    assert renderer({}, {}) == "page"
    assert seen == [True, False]


def test_a_failing_first_render_stays_cold_and_releases_the_lock():
    calls = []

    def flaky(value, system):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("template error")
        return "page"

    renderer = templating.CompileOnceRenderer(flaky)
    try:
        renderer({}, {})
    except ValueError:
        pass
    assert not templating._first_render.locked() and not renderer.warm
    assert renderer({}, {}) == "page" and renderer.warm
