"""helpdesk_chat: notifiers for the chat robots of WeCom, DingTalk and Feishu (Lark)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_chat",
    version="0.1.0",
    description="WeCom, DingTalk and Feishu group-robot notifiers for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": [
        "wecom = helpdesk_chat.wecom",
        "dingtalk = helpdesk_chat.dingtalk",
        "feishu = helpdesk_chat.feishu",
    ]},
)
