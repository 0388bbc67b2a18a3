"""Who may read the reports and the quality page: first line and coordinators.

First-line members (the ``firstline`` principal) check quality on duty and
coordinators (admins included) read the reports; both get both pages
(permission ``reports``). Other staff and requesters get 403.
"""
from __future__ import annotations

from pyramid.authorization import DENY_ALL, Allow

from ..staff.resources import SUPERVISORS


class ReportsRoot:
    """The context of ``/staff/reports``, its CSV and ``/staff/quality``."""

    __acl__ = [*((Allow, principal, "reports") for principal in SUPERVISORS), DENY_ALL]

    def __init__(self, request):
        self.request = request
