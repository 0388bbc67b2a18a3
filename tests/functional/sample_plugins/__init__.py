"""Small plugins the functional tests activate by dotted module path.

Each module is laid out as a plugin author would write an unpublished plugin:
``@hookimpl`` functions named after the hooks, listed in ``helpdesk.plugins``
as ``tests.functional.sample_plugins.<module>``.
"""
