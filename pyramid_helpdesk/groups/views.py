"""The coordinators' pages: the group list, a group's form, its members and their roles."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError

from ..i18n import _
from ..people.models import Role
from ..people.services import find_by_email
from .forms import ROLE_LABELS, GroupForm, MemberForm, role_from_post
from .models import ServiceGroup
from .services import (
    GroupRefused,
    add_member,
    change_role,
    first_line_group,
    group_page,
    member_of,
    member_page,
    remove_member,
    save_group,
)

TEMPLATES = "pyramid_helpdesk:templates/groups/"


def _group(request) -> ServiceGroup:
    """The group of the address, or 404."""
    group = request.dbsession.get(ServiceGroup, int(request.matchdict["group_id"]))
    if group is None:
        raise HTTPNotFound()
    return group


def _flash(request, message) -> None:
    request.session.flash(request.localizer.translate(message))


def _edit_page(request, group: ServiceGroup | None, form: GroupForm,
               member_form: MemberForm | None = None, role_error=None) -> dict:
    """What the new-group and group pages show; the member list for an existing group."""
    current = first_line_group(request.dbsession)
    values = {
        "group": group, "form": form, "member_form": member_form or MemberForm(),
        "first_line_group": current if current is not group else None,
        "role_error": role_error, "roles": ROLE_LABELS,
        "is_admin": bool(request.has_permission("admin")),
        "members": None,
    }
    if group is not None:
        after = request.GET.get("after", "")
        values["members"] = member_page(request.dbsession, group,
                                        int(after) if after.isdigit() else 0)
    return values


@view_config(route_name="groups.list", renderer=TEMPLATES + "list.pt", permission="coordinate",
             request_method="GET")
def group_list(request):
    """Every group with its members, address, first-line flag and open tickets."""
    return {"page": group_page(request.dbsession, request.GET.get("after", "")),
            "after": request.GET.get("after", "")}


@view_config(route_name="groups.new", renderer=TEMPLATES + "edit.pt", permission="coordinate",
             request_method="GET")
def new_group_form(request):
    """An empty group form."""
    return _edit_page(request, None, GroupForm())


@view_config(route_name="groups.edit", renderer=TEMPLATES + "edit.pt", permission="coordinate",
             request_method="GET")
def edit_group_form(request):
    """A group's form and its members."""
    group = _group(request)
    return _edit_page(request, group, GroupForm.from_group(group))


@view_config(route_name="groups.new", renderer=TEMPLATES + "edit.pt", permission="coordinate",
             request_method="POST")
@view_config(route_name="groups.edit", renderer=TEMPLATES + "edit.pt", permission="coordinate",
             request_method="POST")
def save_group_form(request):
    """Create or change a group; a wrong or refused field comes back marked, input kept."""
    group = _group(request) if "group_id" in request.matchdict else None
    form = GroupForm.from_post(request.POST)
    if not form.errors:
        try:
            with request.dbsession.begin_nested():  # a refusal undoes what it wrote
                saved, previous = save_group(
                    request.dbsession, group, name=form.name, description=form.description,
                    email=form.normalized_email, first_line=form.first_line)
        except GroupRefused as refused:
            form.errors[refused.field] = refused.message
        except IntegrityError:  # another coordinator saved the same name at this moment
            form.errors["name"] = _("Another group is called ${name}.",
                                    mapping={"name": form.name})
        else:
            _flash(request, _("Group ${name} saved.", mapping={"name": saved.name}))
            if previous is not None:
                _flash(request, _("${name} is the first-line group now, instead of ${previous}.",
                                  mapping={"name": saved.name, "previous": previous.name}))
            return HTTPSeeOther(request.route_path("groups.edit", group_id=saved.id))
    request.response.status = 400
    return _edit_page(request, group, form)


@view_config(route_name="groups.members", renderer=TEMPLATES + "edit.pt",
             permission="coordinate", request_method="POST")
def change_members(request):
    """Add a member, remove one, or (admins) change a member's role."""
    group = _group(request)
    action = request.POST.get("action")
    if action == "add":
        return _add_member(request, group)
    person_id = request.POST.get("person_id", "")
    person = member_of(request.dbsession, group, int(person_id)) if person_id.isdigit() else None
    if person is None:
        raise HTTPNotFound()
    if action == "remove":
        remove_member(request.dbsession, group, person)
        _flash(request, _("${email} left ${name}; the tickets they hold stay with them.",
                          mapping={"email": person.email, "name": group.name}))
    elif action == "role":
        refused = _change_role(request, person)
        if refused is not None:
            request.response.status = 400
            return _edit_page(request, group, GroupForm.from_group(group),
                              role_error=(person.id, refused.message))
    else:
        raise HTTPBadRequest()
    return HTTPSeeOther(request.route_path("groups.edit", group_id=group.id))


def _add_member(request, group: ServiceGroup):
    """Add the person of the posted address; a requester only when an admin promotes them."""
    form = MemberForm.from_post(request.POST)
    person = None if form.errors else find_by_email(request.dbsession, form.email)
    if not form.errors and person is None:
        form.errors["email"] = _("Nobody has this address; they need an account first.")
    elif person is not None and not person.is_staff:
        if form.promote and not request.has_permission("admin"):
            raise HTTPForbidden()
        if not form.promote:
            form.errors["email"] = _(
                "${email} is a requester; an admin can make them an agent on this form.",
                mapping={"email": person.email})
    if form.errors:
        request.response.status = 400
        return _edit_page(request, group, GroupForm.from_group(group), member_form=form)
    if not person.is_staff:
        change_role(request.dbsession, request.identity, person, Role.agent)
        _flash(request, _("${email} is an agent now.", mapping={"email": person.email}))
    add_member(request.dbsession, group, person)
    _flash(request, _("${email} joined ${name}.", mapping={"email": person.email,
                                                          "name": group.name}))
    return HTTPSeeOther(request.route_path("groups.edit", group_id=group.id))


def _change_role(request, person):
    """Change ``person``'s role (admins only); the refusal, if any."""
    if not request.has_permission("admin"):
        raise HTTPForbidden()
    role = role_from_post(request.POST)
    if role is None:
        raise HTTPBadRequest()
    try:
        left = change_role(request.dbsession, request.identity, person, role)
    except GroupRefused as refused:
        return refused
    _flash(request, _("${email} is ${role} now.", mapping={
        "email": person.email, "role": request.localizer.translate(ROLE_LABELS[role])}))
    if left:
        _flash(request, _("As a requester, ${email} left ${count} group(s).",
                          mapping={"email": person.email, "count": left}))
    return None
