"""Liveness and readiness probes for load balancers and orchestrators."""


def includeme(config):
    """Add ``/healthz`` and ``/readyz``."""
    config.add_route("health.live", "/healthz")
    config.add_route("health.ready", "/readyz")
    config.scan(".views")
