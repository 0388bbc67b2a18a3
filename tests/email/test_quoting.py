"""split_quoted: the new part of a reply and its quoted history, raw text intact."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk_email.html import html_to_text
from helpdesk_email.parsing import parse_message
from pyramid_helpdesk.tickets.quoting import split_quoted

CORPUS = Path(__file__).parent / "corpus"


def split(text: str) -> tuple[str, str]:
    new, quoted = split_quoted(text)
    assert new + quoted == text
    return new, quoted


def test_text_without_history_is_all_new():
    text = "The printer is jammed.\n\n-- \nBob\n"
    assert split(text) == (text, "")
    assert split("") == ("", "")


def test_a_trailing_quote_with_its_attribution():
    text = ("Still broken.\n\n"
            "On Mon, 3 Jun 2024 at 10:00, IT Support <support@example.com> wrote:\n"
            "> Please restart.\n>\n> IT Support\n")
    new, quoted = split(text)
    assert new == "Still broken.\n\n"
    assert quoted.startswith("On Mon, 3 Jun 2024")


def test_an_attribution_wrapped_over_two_lines():
    text = ("Thanks!\n\nOn Mon, Jun 3, 2024 at 4:12\u202fPM IT Support <\n"
            "support@example.com> wrote:\n\n> Hello Grace,\n")
    assert split(text)[0] == "Thanks!\n\n"


@pytest.mark.parametrize("attribution", [
    "在 2024年6月6日周四 10:30，IT Support <support@example.com> 写道：",
    "2024年6月6日 上午10:30，IT Support <support@example.com> 写道：",
    "在 2024/6/6 10:30, IT Support 写道:",
    "於 2024年6月6日 週四 10:30，IT Support 寫道：",
    "Le lun. 3 juin 2024 à 10:00, IT Support <support@example.com> a écrit :",
    "Am 03.06.2024 um 10:00 schrieb IT Support <support@example.com>:",
])
def test_attributions_of_other_languages(attribution):
    text = f"已经好了。\n\n{attribution}\n> 请重启。\n"
    assert split(text) == ("已经好了。\n\n", f"{attribution}\n> 请重启。\n")


def test_an_interleaved_reply_is_not_cut():
    text = ("> Which floor?\nThe third.\n> Which printer?\nThe one by the window.\n\nBob\n")
    assert split(text) == (text, "")


def test_a_bottom_posted_reply_is_not_cut():
    text = "On Mon, IT Support wrote:\n> Please restart.\n\nDone, it works now.\n"
    assert split(text) == (text, "")


def test_outlook_original_message():
    text = ("Still jamming.\n\nRegards,\nBob\n\n-----Original Message-----\n"
            "From: IT Support <support@example.com>\nSent: Friday, May 31, 2024 4:02 PM\n"
            "To: Bob\nSubject: Printer\n\nDear Bob,\n")
    new, quoted = split(text)
    assert new == "Still jamming.\n\nRegards,\nBob\n\n"
    assert quoted.startswith("-----Original Message-----\n")


@pytest.mark.parametrize("marker", [
    "-----Original Message-----", "----- Original Message -----", "-----邮件原件-----",
    "------------------ 原始邮件 ------------------", "-----Ursprüngliche Nachricht-----",
])
def test_original_message_separators(marker):
    text = f"新的内容\n{marker}\n旧的内容\n"
    assert split(text) == ("新的内容\n", f"{marker}\n旧的内容\n")


def test_outlook_header_block_under_its_rule():
    text = ("Done.\n\n________________________________\n"
            "From: IT Support <support@example.com>\nSent: Monday, June 3, 2024 9:15 AM\n"
            "To: Bob <bob@example.org>\nSubject: RE: Printer\n\nPlease restart.\n")
    new, quoted = split(text)
    assert new == "Done.\n\n"
    assert quoted.startswith("________________________________\nFrom: IT Support")


def test_chinese_outlook_and_foxmail_header_blocks():
    outlook = ("好的。\n\n发件人: IT Support <support@example.com>\n发送时间: 2024年6月3日 9:15\n"
               "收件人: 李四\n主题: 会议室无法上网\n\n请重启路由器。\n")
    assert split(outlook)[0] == "好的。\n\n"
    foxmail = ("收到，谢谢！\n\n\n发件人：IT Support\n发送时间：2024-06-03 09:15\n收件人：张三\n"
               "主题：Re: 打印机\n请重启打印机。\n")
    assert split(foxmail)[0] == "收到，谢谢！\n\n\n"


def test_a_from_line_alone_is_not_history():
    text = "From: the third floor, the printer is jammed.\n\nThanks\n"
    assert split(text) == (text, "")


def test_a_contact_form_with_from_and_subject_fields_is_content():
    text = ("Name: 张三\nFrom: zhangsan@example.org\nSubject: VPN\n"
            "Message: 在家连不上 VPN。\n")
    assert split(text) == (text, "")


@pytest.mark.parametrize("marker", [
    "---------- Forwarded message ---------", "Begin forwarded message:",
    "-------- 转发的邮件 --------",
])
def test_a_forwarded_message_is_content_not_history(marker):
    text = (f"Please handle this complaint.\n\n{marker}\nFrom: Customer <c@example.net>\n"
            "Date: Mon, 3 Jun 2024\nSubject: Invoice missing\nTo: sales@example.org\n\n"
            "I never received the invoice.\n")
    assert split(text) == (text, "")


def test_crlf_text_keeps_its_line_endings():
    text = "Fixed.\r\n\r\n-----Original Message-----\r\nFrom: IT\r\n"
    assert split(text) == ("Fixed.\r\n\r\n", "-----Original Message-----\r\nFrom: IT\r\n")


def test_a_message_that_is_only_a_quote_has_no_new_part():
    assert split("> just quoting\n> nothing else\n") == ("", "> just quoting\n> nothing else\n")


@pytest.mark.parametrize("name, new_ends, quoted_starts", [
    ("outlook_en_reply_original_message.eml", "Bob Example\n\n", "-----Original Message-----"),
    ("outlook_zh_reply_header_block.eml", "李四\n\n", "________________________________\n发件人:"),
    ("qq_mail_reply_original.eml", "还是不行。\n\n\n", "------------------ 原始邮件"),
    ("gmail_zh_reply_quote.eml", "Chrome 125。\n\n", "在 2024年6月6日周四 10:30"),
    ("gmail_en_thread.eml", "Grace\n\n", "On Mon, Jun 3, 2024 at 4:12"),
    ("thunderbird_flowed_reply.eml", "Erin\n\n", "On 03.06.24 17:20, IT Support wrote:"),
])
def test_replies_of_the_corpus_fold_their_history(name, new_ends, quoted_starts):
    text = parse_message((CORPUS / name).read_bytes()).text
    new, quoted = split(text)
    assert new.endswith(new_ends)
    assert quoted.startswith(quoted_starts)


def test_html_replies_fold_through_their_rendered_blockquote():
    reply = parse_message((CORPUS / "gmail_zh_reply_quote.eml").read_bytes())
    new, quoted = split(html_to_text(reply.html))
    assert new == "试了清缓存，问题依旧。附上浏览器版本：Chrome 125。\n\n"
    assert quoted.startswith("在 2024年6月6日周四 10:30，IT Support <support@example.com> 写道：")
    assert "> 您好，请先清除浏览器缓存后重试。" in quoted
