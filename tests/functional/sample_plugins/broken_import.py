"""A plugin that needs a library which is not installed."""
import helpdesk_library_that_is_not_installed  # noqa: F401
