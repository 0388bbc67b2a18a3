"""The delivery log for coordinators and admins: the list, one delivery, "Retry now"."""
from __future__ import annotations

import json
import logging

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import DeliveryStatus

from .deliveries import Filters, attempts_of, delivery_page, find_delivery, retry
from .i18n import _
from .settings import EVENTS

log = logging.getLogger(__name__)

STATUS_LABELS = {
    DeliveryStatus.pending: _("Pending"),
    DeliveryStatus.sent: _("Delivered"),
    DeliveryStatus.failed: _("Failed"),
}


def _pretty(body: str) -> str:
    """The payload indented for reading (as stored when it is not JSON)."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except ValueError:
        return body


@view_config(route_name="webhook.deliveries", renderer="helpdesk_webhook:templates/deliveries.pt",
             permission="coordinate", request_method="GET")
def delivery_list(request):
    """The webhook deliveries, newest first, filtered, a keyed page at a time."""
    config = request.registry.webhook_settings
    filters = Filters.from_params(request.GET)
    page = delivery_page(request.dbsession, filters, request.GET.get("before"),
                         request.GET.get("after"))
    endpoint_names = list(config.endpoints)
    if filters.endpoint and filters.endpoint not in endpoint_names:
        endpoint_names.append(filters.endpoint)  # one no longer configured
    return {"config": config, "filters": filters, "page": page, "events": EVENTS,
            "endpoint_names": endpoint_names, "status_labels": STATUS_LABELS}


@view_config(route_name="webhook.delivery", renderer="helpdesk_webhook:templates/delivery.pt",
             permission="coordinate", request_method="GET")
def delivery_detail(request):
    """One delivery: its payload and every attempt."""
    notification = find_delivery(request.dbsession, request.matchdict["id"])
    if notification is None:
        raise HTTPNotFound()
    return {"delivery": notification, "payload": _pretty(notification.body),
            "attempts": attempts_of(request.dbsession, notification),
            "endpoint": request.registry.webhook_settings.endpoints.get(notification.recipient),
            "status_labels": STATUS_LABELS}


@view_config(route_name="webhook.retry", permission="coordinate", request_method="POST")
def retry_delivery(request):
    """Send a failed delivery again: pending and due now, for the next worker pass."""
    notification = find_delivery(request.dbsession, request.matchdict["id"])
    if notification is None:
        raise HTTPNotFound()
    if retry(notification, utcnow()):
        log.info("webhook delivery %s to %s queued again by %s", notification.id,
                 notification.recipient, request.identity.email)
        notice = _("Queued again: the worker sends it on its next pass.")
    else:
        notice = _("Only a failed delivery can be retried.")
    request.session.flash(request.localizer.translate(notice))
    return HTTPSeeOther(request.route_path("webhook.delivery", id=notification.id))
