"""Reports over a date range and the quality page (figures, SVG charts, CSV).

Pages: ``/staff/reports`` (``reports.view``), its CSV (``reports.csv``) and
``/staff/quality`` (``reports.quality``), for first line and coordinators. Every
figure is defined as one aggregate statement (:mod:`.queries`); the report page reads
them from counts per day kept by database triggers (:mod:`.summary`, migration 0014;
``helpdesk reports``). What each means is in ``docs/reports.md``.
"""
from ..i18n import _


def includeme(config):
    """Add the routes, the console menu links, and scan the views."""
    from .resources import ReportsRoot

    config.add_route("reports.view", "/staff/reports", factory=ReportsRoot)
    config.add_route("reports.csv", "/staff/reports.csv", factory=ReportsRoot)
    config.add_route("reports.quality", "/staff/quality", factory=ReportsRoot)
    config.add_console_link("reports.quality", _("Quality"), "staff.supervise")
    config.add_console_link("reports.view", _("Reports"), "staff.supervise")
    config.scan(".views")
