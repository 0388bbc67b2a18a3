"""An invalid rules file stops start-up with one line: the key, the file, the line, the reason."""
from __future__ import annotations

import pytest

from pyramid_helpdesk.config import configure
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import make_test_settings

INVALID = [
    ('[[rule]]\nname = "a"\ngroup = "Network"\n\n[[rule]]\nname = "b"\ngrop = "Network"\n',
     "line 7: rule 'b': unknown key 'grop'; did you mean 'group'?"),
    ('[[rule]]\nname = "erp"\nregex = "ERP-(\\\\d+"\ngroup = "ERP"\n',
     "line 3: rule 'erp': bad regular expression 'ERP-(\\d+': missing ), unterminated "
     "subpattern at position 4"),
    ('[[rule]]\nname = "网络"\ngroup = "Network"\n[[rule]]\nname = "网络"\ngroup = "Network"\n',
     "line 5: duplicate rule name '网络' (first at line 1)"),
    ('[[rule]]\nname = "x"\ncategory = "netwrk"\ngroup = "Network"\n',
     "line 3: rule 'x': unknown category 'netwrk' (known: accounts, computing, general, "
     "hardware, network, software)"),
    ('[[rule]]\nname = "x"\npriority = "asap"\n',
     "line 3: rule 'x': unknown priority 'asap' (known: low, normal, high, urgent)"),
    ('[[rule]]\nname = "x"\nkeywords = "vpn"\n', "line 2: rule 'x': no action: set group, "
     "person or priority"),
    ('[[rule]]\nname = "x"\ngroup = Network\n', "line 3: not valid TOML: Invalid value"),
]


def settings(tmp_path, **overrides):
    return make_test_settings(f"sqlite:///{tmp_path / 'helpdesk.sqlite'}", str(tmp_path),
                              **{"helpdesk.plugins": "web rules", "helpdesk.routing": "rules",
                                 "helpdesk.rules.file": "rules.toml", **overrides})


@pytest.mark.parametrize("text, expected", INVALID)
def test_the_app_refuses_to_start_with_an_invalid_rule(tmp_path, text, expected):
    (tmp_path / "rules.toml").write_text(text, encoding="utf-8")

    with pytest.raises(ConfigurationError) as refused:
        configure(settings(tmp_path))

    assert str(refused.value) == (
        f"setting helpdesk.rules.file: {tmp_path / 'rules.toml'}, {expected}")


def test_the_file_setting_is_required(tmp_path):
    raw = settings(tmp_path)
    del raw["helpdesk.rules.file"]
    with pytest.raises(ConfigurationError,
                       match="^setting helpdesk.rules.file: expected the path of a TOML rules "
                             "file, got ''$"):
        configure(raw)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        configure(settings(tmp_path))
    assert str(refused.value) == (f"setting helpdesk.rules.file: cannot read "
                                  f"{tmp_path / 'rules.toml'}: No such file or directory")


def test_the_shipped_example_is_valid(tmp_path):
    from pathlib import Path

    import helpdesk_rules
    from helpdesk_rules.rules import parse_rules

    example = Path(helpdesk_rules.__file__).parents[1] / "example-rules.toml"
    rules = parse_rules(example.read_text(encoding="utf-8"),
                        categories=["general", "network"], channels=["web", "email"])
    assert [rule.name for rule in rules.rules][:2] == ["outage", "network"]


@pytest.mark.parametrize("args", [("plugins",), ("worker", "--once")])
def test_the_helpdesk_command_exits_with_the_one_line(offline, args):
    (offline.directory / "rules.toml").write_text(INVALID[0][0], encoding="utf-8")
    config = offline.write_ini("rules.ini", helpdesk__plugins="web rules",
                               helpdesk__routing="rules", helpdesk__rules__file="rules.toml")

    line = offline.fails(*args, config=config)

    assert line == (f"helpdesk: setting helpdesk.rules.file: {offline.directory / 'rules.toml'}, "
                    f"{INVALID[0][1]}")
