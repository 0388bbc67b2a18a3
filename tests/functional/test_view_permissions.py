"""Every page and action of the app, plugins included, states who may use it."""


def route_views(app):
    """(route name, request methods, permission, require_csrf) of every view on a route."""
    for view in app.registry.introspector.get_category("views"):
        item = view["introspectable"]
        if item["route_name"] is None or item["exception_only"]:
            continue  # exception views (not found, forbidden, errors), route-specific too
        permissions = [r["value"] for r in view["related"] if r.category_name == "permissions"]
        yield (item["route_name"], item["request_methods"],
               permissions[0] if permissions else None, item["require_csrf"])


def test_every_view_on_a_route_has_a_permission(helpdesk_app):
    views = list(route_views(helpdesk_app))
    routes = {route for route, *_ in views}
    assert {"home", "auth.login", "auth.logout", "tickets.detail", "tickets.new",
            "health.live", "health.ready"} <= routes
    unprotected = [(route, methods) for route, methods, permission, _ in views
                   if permission is None and not route.startswith("__static")]
    assert unprotected == []


#: Views a machine calls with its own credentials and no session, so there is no
#: cookie for a forged cross-site request to use: the telephone system's
#: incoming-call event (helpdesk_phone, authenticated by a shared bearer secret).
MACHINE_ENDPOINTS = {"phone.incoming"}


def test_no_view_opts_out_of_csrf_protection(helpdesk_app):
    opted_out = [route for route, _, _, require_csrf in route_views(helpdesk_app)
                 if require_csrf is False and route not in MACHINE_ENDPOINTS]
    assert opted_out == []
