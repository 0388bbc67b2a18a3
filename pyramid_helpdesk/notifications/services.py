"""Writing notifications to the outbox, in the transaction of the change."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

from sqlalchemy.orm import Session

from . import preferences
from .models import Notification
from .preferences import CHAT, EMAIL, NONE, Account


class Outbox:
    """Adds outbox rows for each recipient through the notifiers of the medium they
    chose for the kind (:mod:`.preferences`); ``helpdesk worker`` sends them.

    ``notifiers`` is the registry's ``{name: notifier}`` (each notifier's ``medium``
    is read from it: ``"email"`` when it has none, ``"chat"``, or ``"event"`` for a
    notifier that queues its own rows and never gets any from here), or a plain list
    of names, all e-mail notifiers.
    """

    def __init__(self, dbsession: Session, notifiers: Mapping[str, Any] | Iterable[str]):
        self.dbsession = dbsession
        if isinstance(notifiers, Mapping):
            media = {name: preferences.medium_of(notifier) for name, notifier in notifiers.items()}
        else:
            media = dict.fromkeys(notifiers, EMAIL)
        self.notifier_names = tuple(media)
        #: The active notifiers of each medium a recipient may choose, in their order.
        self.by_medium: dict[str, tuple[str, ...]] = {
            medium: tuple(name for name, m in media.items() if m == medium)
            for medium in (EMAIL, CHAT)}
        #: Rows queued through this outbox by ``(lower-cased address, kind)``, rolled back
        #: or not: what a count of notifications read before the change does not show.
        self.queued: Counter[tuple[str, str]] = Counter()

    def enqueue(
        self,
        kind: str,
        recipients: Iterable[str],
        subject: str,
        body: str,
        *,
        ticket_id: int | None = None,
        data: dict[str, Any] | None = None,
        people: Iterable[Account] | None = None,
    ) -> list[Notification]:
        """Queue a message to each distinct recipient, through the notifiers of the
        medium the recipient chose for ``kind``: every active e-mail notifier; with
        chat, every active chat notifier (``data`` gets the person's ``mobile`` and
        ``name``), or e-mail when none is active; nothing with "none".

        ``people`` are the recipients' accounts the caller holds already (``Person``
        objects, or :class:`~.preferences.Recipient` rows): a recipient not among them
        has no account, so gets e-mail. Without ``people``, the accounts of a kind
        people choose for are read with one query.
        """
        wanted = list(dict.fromkeys(r for r in recipients if r))
        accounts: Mapping[str, Account] = {}
        if kind in preferences.PREFERENCE_KINDS and wanted:
            accounts = ({person.email.lower(): person for person in people}
                        if people is not None
                        else preferences.recipients_by_address(self.dbsession, wanted))
        rows = []
        for recipient in wanted:
            account = accounts.get(recipient.lower())
            names, extra = self._route(preferences.choice_for(account, kind), account)
            self.queued[recipient.lower(), kind] += len(names)
            for notifier in names:
                row = Notification(
                    notifier=notifier, kind=kind, ticket_id=ticket_id, recipient=recipient,
                    subject=subject[:255], body=body, data={**(data or {}), **extra},
                )
                self.dbsession.add(row)
                rows.append(row)
        return rows

    def _route(self, choice: str, account: Account | None) -> tuple[tuple[str, ...], dict]:
        """The notifiers for ``choice``, and what chat rows add to the data."""
        if choice == NONE:
            return (), {}
        if choice == CHAT and self.by_medium[CHAT]:
            return self.by_medium[CHAT], {"mobile": account.phone,
                                          "name": account.display_name}
        return self.by_medium[EMAIL], {}
