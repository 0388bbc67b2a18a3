"""The ``rules`` routing strategy: ordered rules from a TOML file coordinators edit.

Activate with ``helpdesk.plugins = rules``, ``helpdesk.routing = rules`` and
``helpdesk.rules.file = rules.toml`` (see the README). The strategy is registered
through ``helpdesk_register_routing_strategies``; the coordinators' pages under
``/staff/routing-rules`` and the ``helpdesk_rules`` translation domain through
``includeme``.
"""
from pyramid_helpdesk import hookimpl

from .book import RuleBook
from .i18n import _
from .settings import open_rule_book, rules_path
from .strategy import RulesStrategy


@hookimpl
def helpdesk_register_routing_strategies(settings):
    """Register the ``rules`` strategy; the file is compiled now, so an invalid rule
    stops start-up (and every ``helpdesk`` command) with its line and reason."""
    return [RulesStrategy(open_rule_book(settings))]


def includeme(config):
    """Add the rules pages and the plugin's message catalog and stylesheet."""
    settings = config.registry.helpdesk_settings
    config.registry.helpdesk_rules = RuleBook(rules_path(settings), settings.categories)
    config.add_translation_dirs("helpdesk_rules:locale")
    config.add_static_view("rules-static", "helpdesk_rules:static", cache_max_age=3600)
    config.add_route("routing_rules.list", "/staff/routing-rules",
                     factory="helpdesk_rules.resources.RulesRoot")
    config.add_route("routing_rules.edit", "/staff/routing-rules/edit",
                     factory="helpdesk_rules.resources.RulesRoot")
    config.add_console_link("routing_rules.list", _("Routing rules"), "coordinate",
                            section="routing_rules")
    config.scan(".views")
