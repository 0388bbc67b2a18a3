"""Wrong robot settings stop start-up with one line naming the key, showing neither the
webhook's credential nor the secret; the three plugins load and register their notifiers."""
from __future__ import annotations

import pytest

from pyramid_helpdesk.config import configure
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import make_test_settings

from .conftest import DINGTALK_SECRET, FEISHU_SECRET, WECOM_KEY, assert_no_credentials

WECOM = ("the WeCom robot's webhook address, such as "
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=... "
         "(https; http only to this machine)")
DINGTALK = "the DingTalk robot's webhook address, such as " \
           "https://oapi.dingtalk.com/robot/send?access_token=..."
FEISHU = "the Feishu bot's webhook address, such as " \
         "https://open.feishu.cn/open-apis/bot/v2/hook/... (https; http only to this machine)"


@pytest.mark.parametrize("plugin, settings, line", [
    ("wecom", {"webhook_url": f"ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"},
     f"setting helpdesk.wecom.webhook_url: expected {WECOM}, got 'ftp://qyapi.weixin.qq.com/…'"),
    ("wecom", {"webhook_url": f"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"},
     f"setting helpdesk.wecom.webhook_url: expected {WECOM}, got 'http://qyapi.weixin.qq.com/…'"),
    ("wecom", {"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
     f"setting helpdesk.wecom.webhook_url: expected {WECOM}, got 'https://qyapi.weixin.qq.com/…'"),
    ("wecom", {},
     f"setting helpdesk.wecom.webhook_url: expected {WECOM}"),
    ("wecom", {"webhook_url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
               "timeout": "soon"},
     "setting helpdesk.wecom.timeout: expected a duration such as 10s, got 'soon'"),
    ("dingtalk", {"secret": DINGTALK_SECRET},
     f"setting helpdesk.dingtalk.webhook_url: expected {DINGTALK}, "
     "as helpdesk.dingtalk.secret is set"),
    ("dingtalk", {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x5555",
                  "secret": FEISHU_SECRET},
     "setting helpdesk.dingtalk.secret: expected the robot's signing secret (加签), "
     "which starts with SEC"),
    ("dingtalk", {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x5555"
                                 "&timestamp=1&sign=x"},
     f"setting helpdesk.dingtalk.webhook_url: expected {DINGTALK} "
     "(https; http only to this machine), got 'https://oapi.dingtalk.com/…'"),
    ("feishu", {"webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/"},
     f"setting helpdesk.feishu.webhook_url: expected {FEISHU}, got 'https://open.feishu.cn/…'"),
    ("feishu", {"webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/x5555",
                "secret": "two words"},
     "setting helpdesk.feishu.secret: expected the bot's signature verification secret "
     "(签名校验)"),
    ("feishu", {"webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/x5555",
                "timeout": "0s"},
     "setting helpdesk.feishu.timeout: expected a duration such as 10s, got '0s'"),
])
def test_a_wrong_robot_setting_stops_start_up_naming_the_key(
        plugin, settings, line, helpdesk_engine, helpdesk_database_url, tmp_path):
    ini = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": f"web {plugin}", "helpdesk.notifiers": f"mailfile {plugin}",
        **{f"helpdesk.{plugin}.{key}": value for key, value in settings.items()}})

    with pytest.raises(ConfigurationError) as stopped:
        configure(ini, engine=helpdesk_engine)

    assert str(stopped.value) == line
    assert_no_credentials(str(stopped.value))


def test_http_is_accepted_to_this_machine_only(helpdesk_engine, helpdesk_database_url,
                                               tmp_path):
    ini = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web wecom dingtalk feishu",
        "helpdesk.notifiers": "mailfile wecom dingtalk feishu",
        "helpdesk.wecom.webhook_url": f"http://localhost:8080/cgi-bin/webhook/send?key={WECOM_KEY}",
        "helpdesk.dingtalk.webhook_url": "http://127.0.0.1:8080/robot/send?access_token=x5555",
        "helpdesk.dingtalk.secret": DINGTALK_SECRET,
        "helpdesk.dingtalk.timeout": "3s",
        "helpdesk.feishu.webhook_url": "http://[::1]:8080/open-apis/bot/v2/hook/x5555",
    })

    notifiers = configure(ini, engine=helpdesk_engine).registry.helpdesk_plugins.notifiers

    assert list(notifiers) == ["mailfile", "wecom", "dingtalk", "feishu"]
    assert {name: n.medium for name, n in notifiers.items() if name != "mailfile"} == {
        "wecom": "chat", "dingtalk": "chat", "feishu": "chat"}
    assert notifiers["dingtalk"].settings.timeout == 3.0
    assert notifiers["dingtalk"].settings.secret == DINGTALK_SECRET
    assert notifiers["feishu"].settings.secret == ""
    assert DINGTALK_SECRET not in repr(notifiers["dingtalk"].settings)


def test_the_helpdesk_command_lists_the_three_plugins(offline):
    offline.write_ini(**{
        "helpdesk__plugins": "web wecom dingtalk feishu",
        "helpdesk__wecom__webhook_url":
            f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "helpdesk__dingtalk__webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x5",
        "helpdesk__feishu__webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/x5555",
    })

    listing = offline.ok("plugins")

    for name in ("wecom", "dingtalk", "feishu"):
        assert f"{name}  0.1.0\n    helpdesk_register_notifiers\n" in listing


def test_a_secret_without_its_address_stops_the_helpdesk_command(offline):
    offline.write_ini(helpdesk__plugins="web dingtalk", helpdesk__notifiers="mailfile dingtalk",
                      helpdesk__dingtalk__secret="env:HELPDESK_DINGTALK_SECRET")

    line = offline.fails("worker", "--once", env={"HELPDESK_DINGTALK_SECRET": DINGTALK_SECRET})

    assert line == (f"helpdesk: setting helpdesk.dingtalk.webhook_url: expected {DINGTALK}, "
                    "as helpdesk.dingtalk.secret is set")
