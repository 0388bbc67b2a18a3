"""helpdesk_chat: notifiers that post to the group robots of the chat apps Chinese
institutes use.

Three plugins, each its own entry point in ``pyramid_helpdesk.plugins``, each
registering one notifier of the same name through ``helpdesk_register_notifiers``:

- ``wecom`` (:mod:`helpdesk_chat.wecom`): a WeCom (企业微信) group robot;
- ``dingtalk`` (:mod:`helpdesk_chat.dingtalk`): a DingTalk (钉钉) custom robot, signed;
- ``feishu`` (:mod:`helpdesk_chat.feishu`): a Feishu (飞书) or Lark custom bot, signed.

Their ``medium`` is ``"chat"``: the outbox queues a notification for them only to the
people who chose chat for its kind, with their mobile number and name in its data.
"""
