"""The report page, its CSV export and the quality page."""
from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from ..db.types import utcnow
from ..i18n import _
from .export import report_csv
from .figures import RISK_HORIZON, build_quality, build_report
from .periods import PRESETS, RangeForm, local_today
from .sections import SectionMaker

TEMPLATES = "pyramid_helpdesk:templates/reports/"


def _form(request, now) -> RangeForm:
    zone = request.helpdesk_settings.timezone
    return RangeForm.from_params(request.GET, local_today(now, zone), zone)


@view_config(route_name="reports.view", renderer=TEMPLATES + "report.pt", permission="reports",
             request_method="GET")
def report_page(request):
    """The date-range form and, for a valid range, every figure with its chart and table."""
    now = utcnow()
    form = _form(request, now)
    sections = []
    if form.errors:
        request.response.status = 400
    else:
        report = build_report(request.dbsession, form.period, now)
        sections = SectionMaker(request).report(report)
    return {"form": form, "presets": PRESETS, "sections": sections,
            "csv_query": {k: v for k, v in form.values.items() if v}}


@view_config(route_name="reports.csv", permission="reports", request_method="GET")
def report_csv_export(request):
    """The same figures as the page, as a CSV file."""
    now = utcnow()
    form = _form(request, now)
    if form.errors:
        return Response(request.localizer.translate(_("Invalid date range.")), status=400,
                        content_type="text/plain", charset="utf-8")
    report = build_report(request.dbsession, form.period, now)
    translate = request.localizer.translate
    heading = [translate(_("Report")), form.period.first_day.isoformat(),
               form.period.last_day.isoformat(), str(request.helpdesk_settings.timezone)]
    body = report_csv(heading, SectionMaker(request).report(report))
    name = f"report-{form.period.first_day.isoformat()}-{form.period.last_day.isoformat()}.csv"
    return Response(body=body, content_type="text/csv", charset="utf-8",
                    content_disposition=f'attachment; filename="{name}"')


@view_config(route_name="reports.quality", renderer=TEMPLATES + "quality.pt",
             permission="reports", request_method="GET")
def quality_page(request):
    """Tickets breached or at risk now; yesterday's and this week's shares within target."""
    now = utcnow()
    quality = build_quality(request.dbsession, now, request.helpdesk_settings.timezone)
    maker = SectionMaker(request)
    return {"quality": quality, "now": now, "horizon": int(RISK_HORIZON.total_seconds() // 60),
            "windows": [(window, maker.quality_window(window)) for window in quality.windows]}
