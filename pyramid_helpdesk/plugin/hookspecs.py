"""The hooks of pyramid_helpdesk: the public contract for plugin authors.

A plugin is a module (or any object) whose functions are marked with
``@pyramid_helpdesk.hookimpl`` and named after the hooks below. Activate it by
listing its entry-point name (group ``pyramid_helpdesk.plugins``) or its dotted
module path in ``helpdesk.plugins``. Pages, routes, templates and settings of a
plugin come through its Pyramid ``includeme(config)``, called at start-up.

Hooks are always called with keyword arguments: an implementation may accept
only the arguments it needs, and new arguments never break old plugins.

Three shapes:

* **registration hooks** (``helpdesk_register_*``) are called once at start-up
  and return a list that the core merges;
* **question hooks** are ``firstresult``: the first implementation that returns
  something other than ``None`` answers;
* **event hooks** (past tense) are called inside the transaction of the change,
  after its :class:`~pyramid_helpdesk.tickets.models.TicketEvent` is written,
  and return nothing. They may add rows through ``helpdesk.dbsession``
  (notifications through ``helpdesk.outbox``) but must not commit, and must do
  nothing outside the database: side effects belong in a notifier, which runs
  after commit. An exception raised by an event hook aborts the whole change.

Every event hook receives ``helpdesk``, a
:class:`~pyramid_helpdesk.plugin.context.HookContext` with ``dbsession``,
``settings`` (:class:`~pyramid_helpdesk.settings.HelpdeskSettings`),
``outbox`` (:class:`~pyramid_helpdesk.notifications.services.Outbox`) and
``now`` (the time of the change, UTC).
"""
import pluggy

hookspec = pluggy.HookspecMarker("helpdesk")


# -- registration hooks -------------------------------------------------------


@hookspec
def helpdesk_register_channels():
    """Return the intake channels this plugin provides.

    Called once at start-up. Return a list of
    :class:`~pyramid_helpdesk.plugin.registry.Channel` (``name``, ``title``).
    A ticket's ``channel`` must be one of the registered names; the core
    registers ``staff`` (created by staff on a requester's behalf).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_register_notifiers(settings):
    """Return the notifier backends this plugin provides.

    Called once at start-up with ``settings``, the parsed
    :class:`~pyramid_helpdesk.settings.HelpdeskSettings` (the raw ini values
    are in ``settings.raw``; validate your own keys with
    :func:`pyramid_helpdesk.settings.read_setting`). Return a list of objects
    with a ``name`` attribute and a ``deliver(message)`` method (see
    :class:`~pyramid_helpdesk.notifications.delivery.Notifier`). Only the
    notifiers named in ``helpdesk.notifiers`` are used. ``deliver`` runs in
    ``helpdesk worker``, after the change was committed, and raises to ask
    for a retry. The core registers ``log`` and ``mailfile``.

    An optional ``medium`` attribute says which recipients' rows a notifier
    gets (``docs/notifications.md``). ``"email"``, the default, gets everyone
    who did not choose otherwise. ``"chat"`` gets staff who chose chat for the
    kind, with ``mobile`` and ``name`` in ``message.data``. ``"event"`` never
    gets rows from the outbox; it queues its own.

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_register_routing_strategies(settings):
    """Return the routing strategies this plugin provides.

    Called once at start-up with the parsed settings. Return a list of
    objects with a ``name`` attribute and a method
    ``route(ticket, proposal, helpdesk)`` returning a
    :class:`~pyramid_helpdesk.routing.RoutingDecision` or ``None`` to pass
    (see :class:`~pyramid_helpdesk.routing.RoutingStrategy`). The strategies
    named in ``helpdesk.routing`` are consulted in that order for each new
    ticket, inside the transaction that creates it; ``proposal`` is the
    decision so far (a group chosen by an earlier strategy) or ``None``.
    Routing stops at the first decision that names a person. When no
    strategy decides, the ticket stays ``new`` in the first-line queue.

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_register_commands():
    """Return sub-commands to add to the ``helpdesk`` command.

    Called when the ``helpdesk`` command starts, after the ini file was
    loaded. Return a list of :class:`click.Command`; inside one,
    ``click.get_current_context().obj`` is the
    :class:`~pyramid_helpdesk.cli.CommandEnv`: the parsed ``settings``, the
    ``plugins``, a ``transaction()`` helper yielding a database session, and
    ``tickets(dbsession)``; ``registry`` builds the full web app when needed.

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_register_worker_tasks(settings):
    """Return background tasks for ``helpdesk worker`` to run on every pass.

    Called once at start-up with ``settings``, the parsed
    :class:`~pyramid_helpdesk.settings.HelpdeskSettings` (validate your own
    keys here, so that a wrong value stops start-up). Return a list of
    objects with a ``name`` attribute (unique among all plugins' tasks) and a
    method ``run(env) -> int`` (see
    :class:`~pyramid_helpdesk.plugin.registry.WorkerTask`); every active
    plugin's tasks run, one after the other, in no order a task may rely on.

    ``env`` is the :class:`~pyramid_helpdesk.cli.CommandEnv` of the worker:
    ``settings``, ``plugins``, ``transaction()`` (a database session committed
    when the block ends) and ``tickets(dbsession)``. ``run`` does one batch of
    work in transactions of its own and returns how many items it handled.
    The worker runs the tasks at the start of each pass, before the
    service-level check and the delivery of notifications, so that mail a
    task queues (an acknowledgement of a ticket it made) goes out in the same
    pass. While any task or the delivery handled something, the next pass
    starts at once; otherwise the worker sleeps ``helpdesk.worker.poll_interval``
    (``helpdesk worker --once`` stops instead).

    A task that raises because the database cannot be reached
    (:class:`sqlalchemy.exc.OperationalError` or ``InterfaceError``) stops
    the worker with one line, as the worker's own steps do. Any other
    exception is logged with its traceback and the pass goes on with the
    other tasks: the task is tried again on the next pass.
    The e-mail plugin registers ``email-journal``: the messages
    ``helpdesk mailgate`` journalled become tickets, follow-ups or quarantined items.

    .. versionadded:: 0.4
    """


# -- question hooks ------------------------------------------------------------


@hookspec(firstresult=True)
def helpdesk_authenticate(login, password, helpdesk):
    """Check a login and password; return the matching person, or ``None``.

    Called by the login page inside the login request's transaction.
    ``login`` is what the user typed (normally an e-mail address),
    ``password`` the password. Return the
    :class:`~pyramid_helpdesk.people.models.Person` (creating or updating it
    through ``helpdesk.dbsession`` if the backend is a directory), or ``None``
    to let the next backend try. Backends are asked in the order
    ``helpdesk.plugins`` lists their plugins; the core's local-account backend
    is asked last. A directory backend creates or updates the person with
    :func:`pyramid_helpdesk.auth.directory.confirmed_person`, and passes
    (``None``, with a warning in the log) when its server cannot be asked.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


# -- event hooks ---------------------------------------------------------------


@hookspec
def helpdesk_ticket_created(ticket, event, helpdesk):
    """A ticket was created.

    Called inside the creating transaction, after the ticket row was
    inserted (``id`` and ``number`` are set) and its first message and
    ``created`` event were added to the session, and before routing. The
    message and event are written with the rest of the transaction: their
    own ``id`` may still be ``None`` here.
    ``ticket`` is the :class:`~pyramid_helpdesk.tickets.models.Ticket` (its
    ``number`` is set), ``event`` its ``created``
    :class:`~pyramid_helpdesk.tickets.models.TicketEvent` (``actor`` is the
    staff member who logged it, or ``None`` when the requester did).
    ``event.detail`` holds ``channel`` and ``acknowledge``: ``False`` when
    the channel asks that no automatic acknowledgement be sent (the request
    came from a machine: an auto-reply, a mailing list, a flood).

    A ticket saved as a draft is created when its requester submits it:
    then ``event.detail["draft"]`` is ``True``. Drafts themselves fire no
    hook; nobody but their requester sees them.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_ticket_assigned(ticket, event, helpdesk):
    """A ticket got a new holder: dispatched, taken, or routed automatically.

    Called inside the transaction after the holder changed. ``event.kind`` is
    ``dispatched`` or ``taken``; ``event.from_group_id``/``from_person_id``
    and ``to_group_id``/``to_person_id`` give the previous and the new
    holder; ``event.actor_id`` is ``None`` when a routing strategy decided,
    whose reason is in ``event.detail["reason"]``.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_ticket_forwarded(ticket, event, helpdesk):
    """A staff member forwarded a ticket to a person, a group or an outside address.

    Called inside the transaction. For a person or group the holder changed
    as for :func:`helpdesk_ticket_assigned`; for an outside address,
    ``event.to_address`` is set, the holder is unchanged, and an
    :class:`~pyramid_helpdesk.tickets.models.ExternalAuthorization` now lets
    that address read and reply to this ticket.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_message_added(ticket, message, event, helpdesk):
    """A reply or an internal note was added to a ticket.

    Called inside the transaction. ``message`` is the
    :class:`~pyramid_helpdesk.tickets.models.Message` (``kind`` is
    ``public`` or ``internal``; ``author`` is a person, or ``None`` with
    ``author_address`` set for an outside address). ``event.kind`` is
    ``replied`` or ``noted``. When the reply also changed the status (a
    requester replying to a resolved ticket reopens it),
    :func:`helpdesk_ticket_status_changed` is called as well, after this hook.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """A ticket's status changed.

    Called inside the transaction for every change of status, whatever the
    operation (dispatch, pending, resolve, close, reopen, a reply that
    reopens). ``event.from_status`` and ``event.to_status`` give the change;
    ``event.kind`` names the operation.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """


@hookspec
def helpdesk_ticket_edited(ticket, event, changes, helpdesk):
    """The requester edited a submitted ticket before staff first replied.

    Called inside the transaction after the changes were applied.
    ``changes`` (also ``event.detail``) maps each changed field to what
    changed: ``subject``, ``description`` and ``category`` to ``[old, new]``,
    ``cc`` to ``[old list, new list]``, ``attachments_added`` and
    ``attachments_removed`` to lists of file names. Edits of drafts fire no
    hook.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.2
    """


@hookspec
def helpdesk_ticket_changed(ticket, event, changes, helpdesk):
    """A staff member changed a ticket's priority and/or category.

    Called inside the transaction after the change was applied. ``changes``
    (also ``event.detail``) maps ``priority`` and/or ``category`` to
    ``[old, new]`` (priorities as their names, a cleared category as ``None``).

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.3
    """


@hookspec
def helpdesk_ticket_merged(ticket, into, event, helpdesk):
    """A staff member merged the duplicate ``ticket`` into the ticket ``into``.

    Called inside the transaction, after the duplicate's messages, attachments
    and outside authorisations moved to ``into`` and its requester and CCs
    became CCs of ``into``. ``ticket`` is now closed with ``merged_into_id``
    set; ``event`` is the duplicate's ``merged`` event (``detail["into"]`` is
    the target's number). ``helpdesk_ticket_status_changed`` fires for the
    duplicate right after.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.3
    """


@hookspec
def helpdesk_sla_warning(ticket, target, due_at, event, helpdesk):
    """A service-level target of an unresolved ticket falls due soon.

    Fired once per target and ticket by the worker's SLA check, inside its
    transaction, ``helpdesk.sla.warning_before`` (business time) before the due
    time. ``target`` is ``"resolution"`` or ``"first_response"``; ``due_at`` the
    (aware, UTC) instant it falls due; ``event`` the ``sla_warning`` event
    recorded on the ticket (``event.detail["target"]``).

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the check (session, settings, outbox, time).

    .. versionadded:: 0.3
    """


@hookspec
def helpdesk_sla_breached(ticket, target, due_at, event, helpdesk):
    """A service-level target of an unresolved ticket passed its due time.

    Fired once per target and ticket by the worker's SLA check, inside its
    transaction, after ``ticket.sla_breached_at`` (resolution) or
    ``ticket.first_response_breached_at`` (first response) was set.
    ``target`` is ``"resolution"`` or ``"first_response"``; ``due_at`` the
    (aware, UTC) instant it fell due; ``event`` the ``sla_breached`` event
    recorded on the ticket. The core notifies the holder and the first-line
    person on duty.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the check (session, settings, outbox, time).

    .. versionadded:: 0.3
    """


@hookspec
def helpdesk_ticket_rated(ticket, rating, event, helpdesk):
    """The requester rated how their resolved ticket was handled.

    Called inside the transaction after the
    :class:`~pyramid_helpdesk.tickets.models.Rating` ``rating`` (``score`` 1-5,
    ``comment``) was stored; ``event`` is the ``rated`` event on ``ticket``.
    A ticket is rated at most once.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.3
    """


@hookspec
def helpdesk_ticket_nudged(ticket, event, helpdesk):
    """Someone (normally first line) urged a ticket's holder to act.

    Called inside the transaction; ``ticket.nudge_count`` already counts this
    nudge, ``event.detail.get("message")`` is the optional text.

    ``helpdesk`` is the :class:`~pyramid_helpdesk.plugin.context.HookContext`
    of the change (session, settings, outbox, time).

    .. versionadded:: 0.1
    """
