"""parse_message on a corpus shaped like real mail clients, then rule by rule.

Every message in ``corpus/`` has a row in EXPECTED: its decoded subject, sender,
a distinctive phrase of its body and its files (name and size). The rule tests
below each tell one story: "a Foxmail user writes 堃 under a GB2312 label"...
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpdesk_email.parsing import (
    MalformedMessage,
    ParsedAttachment,
    ParsedMessage,
    SkippedPart,
    ThreadHeaders,
    parse_message,
    read_thread_headers,
)

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str, **options) -> ParsedMessage:
    return parse_message((CORPUS / name).read_bytes(), **options)


def attachment(parsed: ParsedMessage, filename: str) -> ParsedAttachment:
    found = [part for part in parsed.attachments if part.filename == filename]
    assert len(found) == 1, [part.filename for part in parsed.attachments]
    return found[0]


# file -> (subject, from address, from name, phrase of the text, [(file name, size)])
EXPECTED = {
    "apple_mail_alternative_related.eml": (
        "Badge reader at the east entrance", "frank@example.net", "Frank Example",
        "beeps three times — see the photo", [("IMG_0042.jpeg", 1800)]),
    "apple_mail_mixed_inline.eml": (
        "VPN 无法连接", "zhangsan@example.net", "张三", "换成手机热点也一样",
        [("Screenshot 2024-06-05 at 21.01.44.png", 69)]),
    "attachment_only_multipart.eml": (
        "发票", "accounts@example.net", "Accounts", "", [("invoice-2024-0613.pdf", 755)]),
    "attachment_only_single_part.eml": (
        "Scan 2024-06-17 15:31", "scanner-5f@example.org", "Scanner 5F", "",
        [("SCAN_20240617_153100.pdf", 180)]),
    "auto_reply_outlook_ooo.eml": (
        "自动回复: [Helpdesk #1042] 会议室无法上网", "lisi@example.org", "李四",
        "我正在休假，6月10日回来", []),
    "auto_reply_vacation_precedence.eml": (
        "Auto: Re: [Helpdesk #1090] Printer in room 210", "ivan@example.net", "Ivan Example",
        "out of the office until 17 June", []),
    "backslashes.eml": (
        "共享盘 \\\\fileserver\\财务部 无法访问", "zhangsan@example.org", "Zhang \\ San",
        "C:\\Users\\zhangsan\\AppData\\Local\\Temp\\", [("error\\log.txt", 70),
                                                        ("C:\\temp\\app.dmp", 72)]),
    "big5_outlook_express.eml": (
        "公司網站聯絡表單無法送出", "chantaiman@example.net", "陳大文",
        "按下「送出」後一直轉圈。報價金額請以€計算", []),
    "bounce_dsn_postfix.eml": (
        "Undelivered Mail Returned to Sender", "mailer-daemon@mail.example.net",
        "Mail Delivery System", "Recipient address rejected: User unknown",
        [("delivery-status.txt", 461), ("[Helpdesk #1042] 工单已受理.eml", 548)]),
    "foxmail_gb2312_base64.eml": (
        "工资条上“堃”字打印成问号", "zhangsan@example.net", "张三",
        "同事的“镕”字也是一样。麻烦看看字库的问题，啰嗦了", []),
    "foxmail_raw_8bit_gbk_headers.eml": (
        "会议室投影仪无法开机", "lisi@example.net", "李四", "按电源键没有反应",
        [("会议记录.docx", 169)]),
    "gb18030_evolution.eml": (
        "报价单编号保存失败", "wushi@example.org", "吴十", "金额栏里的€符号和供应商名称里的“䶮”字",
        []),
    "gb2312_label_gbk_8bit.eml": (
        "门禁系统里“堃”和“镕”都录入不了", "wangwu@example.net", "王五",
        "不好意思啰嗦了。我們部門急用", []),
    "gmail_en_thread.eml": (
        "Re: [Helpdesk #1060] Certificate warning in the mail app", "grace.example@example.com",
        "Grace Example", "complains about an \"untrusted server\" – do I need", []),
    "gmail_zh_reply_quote.eml": (
        "Re: [Helpdesk #1077] 报销系统里的生僻字显示不出来", "sunba@example.com", "孙八",
        "试了清缓存，问题依旧", []),
    "html_only_scripts.eml": (
        "Your mailbox is full", "noreply@example.net", "Mail Admin",
        "the quota page <https://webmail.example.org/quota>", []),
    "iso2022jp_becky.eml": (
        "共有フォルダにアクセスできません", "yamada@example.net", "山田太郎",
        "エラー番号は０ｘ８００７０５２Ｅです", []),
    "koi8r_thebat.eml": (
        "Не работает принтер", "ivanov@example.org", "Иван Иванов",
        "горит красная лампочка", []),
    "mailing_list_mailman.eml": (
        "[IT-announce] Planned network maintenance on Saturday", "network@example.org",
        "Network Team", "core switches will be upgraded", []),
    "mbox_from_line.eml": (
        "Password reset link expired", "laura@example.org", "Laura Example",
        "expired before I could use it", []),
    "mislabelled_utf8_as_latin1.eml": (
        "Contact form: account locked", "webform@example.org", "Web Form",
        "登录时提示“密码错误次数过多”", []),
    "missing_date.eml": (
        "Scanned from MFP-3F", "scanner-3f@example.org", "Scanner 3F",
        "Device: MFP-3F, pages: 1", [("scan0001.pdf", 217)]),
    "missing_from.eml": (
        "Disk usage warning on fileserver02", None, "", "/srv on fileserver02 is 93% full", []),
    "missing_message_id.eml": (
        "Cron <root@backup01> /usr/local/sbin/nightly-backup", "root@backup01.example.org",
        "Cron Daemon", "backup finished with errors", []),
    "missing_subject.eml": (
        "", "chen12@example.org", "陈十二", "请问怎么申请第二块显示器", []),
    "mutt_utf8_8bit.eml": (
        "Disk quota on the build server", "heidi@example.org", "Heidi Example",
        "99 % again 🙂 — could you raise", []),
    "netease_163_html_only_utf8.eml": (
        "新员工入职账号开通", "qianqi@example.com", "钱七", "2. VPN 账号", []),
    "no_charset_gbk.eml": (
        "ERP nightly job failed", "erp@example.org", "ERP System",
        "财务凭证导入时数据库连接超时", []),
    "outlook_en_html_word.eml": (
        "Laptop won’t connect to VPN", "alice.example@example.org", "Alice Example",
        "says “authentication failed” when I connect", []),
    "outlook_en_reply_original_message.eml": (
        "RE: [Helpdesk #1031] Printer jams on 2nd floor", "bob@example.org", "Bob Example",
        "error code J-0521", []),
    "outlook_meeting_request.eml": (
        "Projector check in room B2", "dave@example.org", "Dave Example",
        "check the projector in room B2", [("part-3.ics", 521)]),
    "outlook_winmail_tnef.eml": (
        "Monitor flickering at desk 4.17", "carol@example.net", "Carol Example",
        "flickers every few seconds", [("winmail.dat", 785)]),
    "outlook_zh_mixed_attachment.eml": (
        "新电脑报价单", "zheng11@example.org", "郑十一", "附件是新电脑的报价单",
        [("image002.png", 69), ("报价单.pdf", 369)]),
    "outlook_zh_related_inline_image.eml": (
        "姓名中的“堃”字显示为问号", "zhangsan@example.org", "张三",
        "“镕”字也一样。\n不好意思啰嗦一下", [("image001.png", 69)]),
    "outlook_zh_reply_header_block.eml": (
        "答复: [Helpdesk #1042] 会议室无法上网", "lisi@example.org", "李四",
        "会议室的网络还是连不上", []),
    "oversized_attachment.eml": (
        "Server logs for the crash on Tuesday", "ivy@example.org", "Ivy Example",
        "complete server logs", [("server-logs.zip", 75640), ("console.png", 69)]),
    "qq_mail_html_only_gb18030.eml": (
        "报销系统里的生僻字𠮷显示不出来", "10001@example.com", "赵六",
        "我的名字“𠮷”显示不出来，欧元金额€也变成了乱码", []),
    "qq_mail_reply_original.eml": (
        "回复：Re: [Helpdesk #1077] 报销系统里的生僻字显示不出来", "10001@example.com", "赵六",
        "已经重启过了，还是不行", []),
    "reply_to_cc.eml": (
        "新办公室网络布线", "wangwu@example.org", "王五", "需要在 5 楼布 20 个网络点位", []),
    "rfc2047_attachment_filename.eml": (
        "投影仪报修单", "zheng11@example.net", "郑十一", "二楼投影仪的灯管坏了",
        [("设备报修单_2024年6月.pdf", 329), ("检查记录（二楼）.txt", 39)]),
    "rfc2047_malformed.eml": (
        "Re:打印机status异常", "zhangsan@example.org", "张三", "面板提示“硒鼓寿命已尽”", []),
    "rfc2047_split_character.eml": (
        "打印机卡纸，请尽快处理", "zhangsan@example.org", "张三", "卡在后盖里面取不出来", []),
    "rfc2231_gbk_filename.eml": (
        "生僻字登记表", "zhangsan@example.org", "张三", "登记表和字库日志见附件",
        [("生僻字“堃”“镕”登记表.docx", 172), ("字库日志.log", 39)]),
    "smime_signed.eml": (
        "Certificate renewal for the intranet", "kevin@example.org", "Kevin Example",
        "expires on 30 June", [("smime.p7s", 600)]),
    "thread_references.eml": (
        "Re: 回复: RE: [Helpdesk #1042] 会议室无法上网", "zhangsan@example.org", "张三",
        "网络恢复了，谢谢", []),
    "thunderbird_flowed_reply.eml": (
        "Re: [Helpdesk #1050] Mail client crashes on start", "erin@example.org", "Erin Example",
        "starts again, but the calendar sync still fails", []),
    "thunderbird_forward_attachment.eml": (
        "Fwd: 投诉：发票一直没有收到", "lisi@example.org", "李四", "请看下面转发的客户投诉",
        [("投诉：发票一直没有收到.eml", 481)]),
    "thunderbird_rfc2231_continuation.eml": (
        "三楼会议室网络故障记录", "wangwu@example.org", "王五", "网络故障排查记录表在附件里",
        [("网络故障排查记录表（三楼会议室）2024年6月.xlsx", 277)]),
    "unknown_8bit_charset.eml": (
        "Forwarded SMS alerts", "gateway@example.org", "Gateway",
        "当前 31℃。\n\n短信告警二：核心交换机的二号电源模块故障", []),
    "utf8_base64_k9.eml": (
        "手机收不到邮件", "zhoujiu@example.net", "周九", "手机上的邮件应用就收不到新邮件了", []),
    "utf8_qp_split_multibyte.eml": (
        "四楼打印机报缺纸", "sunba@example.org", "孙八",
        "型号：HP LaserJet，位置：四楼东侧茶水间旁边", []),
    "utf8_raw_headers.eml": (
        "笔记本电池鼓包了", "zhoujiu@example.net", "周九", "触控板都被顶起来了", []),
    "windows1251_outlook_express.eml": (
        "Доступ к папке", "petrov@example.org", "Петр Петров", "к папке «Бухгалтерия»", []),
    "windows1252_qp_german.eml": (
        "Kaffeeautomat: „Fehler 42“ – Rückerstattung", "juergen@example.org", "Jürgen Example",
        "Rückerstattung von 2,50 € klappt nicht. Merci beaucoup pour l’aide", []),
    "x_gbk_label.eml": (
        "电脑开机蓝屏，“啰”字输入法也打不出来", "qianqi@example.net", "钱七",
        "重启后输入法也打不出“啰”字", []),
}


def test_the_corpus_is_large_and_every_message_has_expectations():
    names = {path.name for path in CORPUS.glob("*.eml")}
    assert len(names) >= 40
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_is_decoded(name):
    subject, sender, sender_name, phrase, files = EXPECTED[name]
    parsed = corpus(name)
    assert parsed.subject == subject
    assert parsed.from_address == sender
    assert parsed.from_name == sender_name
    if phrase:
        assert phrase in parsed.text
    else:
        assert parsed.text == ""
    assert [(part.filename, len(part.content)) for part in parsed.attachments] == files
    for decoded in (parsed.subject, parsed.from_name, parsed.text, parsed.html or "",
                    *(part.filename for part in parsed.attachments)):
        assert "\ufffd" not in decoded
        assert "\r" not in decoded
    assert not parsed.skipped
    assert parsed.date is None or parsed.date.tzinfo is not None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_header_block_alone_gives_the_thread_headers_parse_message_gives(name):
    raw = (CORPUS / name).read_bytes()
    parsed = parse_message(raw)
    assert read_thread_headers(raw) == ThreadHeaders(
        parsed.message_id, parsed.in_reply_to, parsed.references, parsed.subject,
        parsed.from_address)


def test_thread_headers_are_read_without_the_body():
    head = (b"From: =?GB2312?B?1cXI/Q==?= <Zhang.San@Example.ORG>\r\n"
            b"Subject: =?UTF-8?B?5Zue5aSNOiBbSEQtMDAwMDQyXSDmiZPljbDmnLo=?=\r\n"
            b"Message-ID: <reply-1@mail.example.org>\r\n"
            b"In-Reply-To: <root-1@mail.example.org>\r\n"
            b"References: <root-1@mail.example.org>\r\n  <second@mail.example.org>\r\n")
    body = b"\r\nFrom: someone.else@example.org\r\nSubject: not a header\r\n"
    assert read_thread_headers(head + body) == ThreadHeaders(
        "reply-1@mail.example.org", ("root-1@mail.example.org",),
        ("root-1@mail.example.org", "second@mail.example.org"), "回复: [HD-000042] 打印机",
        "zhang.san@example.org")


# -- charsets ---------------------------------------------------------------------------

def test_foxmail_gb2312_label_with_gbk_only_characters_is_read_as_gb18030():
    parsed = corpus("foxmail_gb2312_base64.eml")
    assert "堃" in parsed.subject
    assert "“堃”字在工资条上打印成了问号" in parsed.text
    assert "“镕”字" in parsed.html and "啰嗦" in parsed.html
    assert "Subject: charset gb2312 decoded as gb18030" in parsed.defects
    assert "part 1: charset gb2312 decoded as gb18030" in parsed.defects
    assert parsed.headers["x-mailer"] == "Foxmail 7.2.25.228[cn]"


def test_the_standard_library_default_policy_would_have_lost_these_characters():
    """Why the parser decodes by itself (ECOSYSTEM.md): policy.default gives U+FFFD."""
    raw = (CORPUS / "gb2312_label_gbk_8bit.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert "\ufffd" in str(message["subject"])
    parsed = parse_message(raw)
    assert parsed.subject == "门禁系统里“堃”和“镕”都录入不了"
    assert "“堃”和“镕”两个字都录入不了" in parsed.text


def test_raw_8bit_gbk_headers_and_file_names_are_decoded():
    parsed = corpus("foxmail_raw_8bit_gbk_headers.eml")
    assert parsed.subject == "会议室投影仪无法开机"
    assert parsed.from_name == "李四"
    assert attachment(parsed, "会议记录.docx").content.startswith(b"PK\x03\x04")
    assert "Subject: raw 8-bit text, detected gb18030" in parsed.defects


def test_raw_utf8_headers_need_no_note():
    parsed = corpus("utf8_raw_headers.eml")
    assert (parsed.subject, parsed.from_name) == ("笔记本电池鼓包了", "周九")
    assert parsed.defects == ()


def test_gb18030_four_byte_characters_survive():
    parsed = corpus("gb18030_evolution.eml")
    assert "䶮" in parsed.text and "😀" in parsed.text and "€" in parsed.text
    qq = corpus("qq_mail_html_only_gb18030.eml")
    assert "𠮷" in qq.subject and "𠮷" in qq.text and "𠮷" in qq.html


def test_big5_with_a_cp950_character_is_read_with_the_superset():
    parsed = corpus("big5_outlook_express.eml")
    assert "€" in parsed.text
    assert "part 1: charset big5 decoded as cp950" in parsed.defects


@pytest.mark.parametrize("name, words", [
    ("iso2022jp_becky.eml", ["サポート御中", "共有フォルダにアクセスできません。"]),
    ("koi8r_thebat.eml", ["Здравствуйте!", "С уважением,\nИван Иванов"]),
    ("windows1251_outlook_express.eml", ["Добрый день!", "Петр Петров"]),
    ("windows1252_qp_german.eml", ["„Fehler 42“", "Viele Grüße"]),
    ("outlook_en_html_word.eml", ["“authentication failed”", "costs €40", "I’d like"]),
])
def test_legacy_charsets_are_decoded(name, words):
    parsed = corpus(name)
    for word in words:
        assert word in parsed.text
    assert parsed.defects == ()


def test_utf8_in_8bit_quoted_printable_and_base64():
    assert "naïve cleanup" in corpus("mutt_utf8_8bit.eml").text
    assert "从我的 Android 设备发送" in corpus("utf8_base64_k9.eml").text
    # The encoder broke a line inside a character: the soft break must not split it.
    assert "打印机显示“缺纸”，但纸盒是满的" in corpus("utf8_qp_split_multibyte.eml").text


def test_x_gbk_and_gb_2312_80_labels_are_understood():
    parsed = corpus("x_gbk_label.eml")
    assert parsed.from_name == "钱七"
    assert "charset x-gbk decoded as gb18030" in " ".join(parsed.defects)
    assert "From: charset gb_2312-80 decoded as gb18030" in parsed.defects


def test_parts_without_charset_or_with_unknown_labels_are_detected_not_replaced():
    parsed = corpus("no_charset_gbk.eml")
    assert parsed.text.startswith("夜间同步任务执行失败")
    assert parsed.defects == ("part 1: no charset, detected gb18030",)
    alerts = corpus("unknown_8bit_charset.eml")
    assert "part 1: unknown charset unknown-8bit, detected utf-8" in alerts.defects
    assert "part 2: unknown charset x-unknown, detected gb18030" in alerts.defects


def test_utf8_text_under_a_latin1_label_is_read_as_utf8():
    parsed = corpus("mislabelled_utf8_as_latin1.eml")
    assert parsed.text.startswith("姓名：刘一")
    assert parsed.reply_to == "liuyi@example.net"
    assert parsed.defects == ("part 1: charset iso-8859-1 but the text is UTF-8",)


def test_a_label_that_does_not_fit_is_overruled_by_detection():
    raw = ("From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n"
           "服务器机房的空调坏了，温度一直在上升，请尽快派人来维修，谢谢！").encode("gbk")
    parsed = parse_message(raw)
    assert parsed.text == "服务器机房的空调坏了，温度一直在上升，请尽快派人来维修，谢谢！"
    assert parsed.defects == ("part 1: charset utf-8 does not fit the text, detected gb18030",)


def test_a_text_cut_inside_its_last_character_keeps_its_charset_and_says_so():
    body = "打印机卡纸了，请帮忙处理。".encode("gbk")[:-1]
    raw = b"From: a@example.org\nContent-Type: text/plain; charset=gbk\n\n" + body
    parsed = parse_message(raw)
    assert parsed.text.startswith("打印机卡纸了，请帮忙处理")
    assert parsed.defects == ("part 1: charset gbk, 1 undecodable byte(s) replaced",)


def test_html_without_a_mime_charset_uses_its_meta_charset():
    html = '<html><head><meta charset="gb2312"></head><body><p>网络故障</p></body></html>'
    raw = b"From: a@example.org\nContent-Type: text/html\n\n" + html.encode("gbk")
    parsed = parse_message(raw)
    assert parsed.text == "网络故障"


def test_python_only_codecs_are_never_applied_to_mail():
    raw = (b"From: a@example.org\nSubject: =?unicode_escape?Q?C:=5Cnew=5Ctemp?=\n"
           b"Content-Type: text/plain; charset=unicode_escape\n\nC:\\new\\temp \\u4e2d")
    parsed = parse_message(raw)
    assert parsed.subject == "C:\\new\\temp"
    assert parsed.text == "C:\\new\\temp \\u4e2d"


# -- RFC 2047 and RFC 2231 ----------------------------------------------------------------

def test_malformed_encoded_words_of_real_clients_are_decoded():
    parsed = corpus("rfc2047_malformed.eml")
    assert parsed.from_name == "张三"              # inside a quoted string
    assert parsed.subject == "Re:打印机status异常"  # no spaces around, lowercase q and b
    assert parsed.to == ("lisi@example.com",)      # "=?...?=<addr>" without a space
    assert parsed.cc == ("support@example.com",)   # a space inside a Q word


def test_a_character_split_across_two_encoded_words_survives():
    parsed = corpus("rfc2047_split_character.eml")
    assert parsed.subject == "打印机卡纸，请尽快处理"   # UTF-8, base64, cut inside 机
    assert parsed.from_name == "张三"                  # GBK, Q, cut inside 张
    assert parsed.defects == ()


def test_encoded_words_of_different_charsets_and_plain_text_keep_their_spaces():
    raw = (b"From: a@example.org\nSubject: [Helpdesk #7] =?utf-8?B?5omT5Y2w?= "
           b"=?gb2312?B?u/o=?= ok =?iso-8859-1?Q?caf=E9?=\n\nx")
    assert parse_message(raw).subject == "[Helpdesk #7] 打印机 ok café"


def test_rfc2231_continuations_split_inside_a_character():
    parsed = corpus("thunderbird_rfc2231_continuation.eml")
    (sheet,) = parsed.attachments
    assert sheet.filename == "网络故障排查记录表（三楼会议室）2024年6月.xlsx"
    assert sheet.content.startswith(b"PK")


def test_rfc2231_charset_and_language_form_with_a_gb2312_label():
    parsed = corpus("rfc2231_gbk_filename.eml")
    assert attachment(parsed, "生僻字“堃”“镕”登记表.docx").content.startswith(b"PK")
    log = attachment(parsed, "字库日志.log")
    assert log.content == b"2024-06-12 10:00:01 WARN font fallback\n"
    assert log.content_type == "text/x-log"


def test_rfc2047_file_names_quoted_and_folded():
    parsed = corpus("rfc2047_attachment_filename.eml")
    form = attachment(parsed, "设备报修单_2024年6月.pdf")
    assert form.content.startswith(b"%PDF-1.4") and form.content_type == "application/pdf"
    notes = attachment(parsed, "检查记录（二楼）.txt")
    assert notes.content.decode("gbk").startswith("检查记录：")
    assert not notes.inline


# -- structure ----------------------------------------------------------------------------

def test_alternative_prefers_plain_text_and_keeps_sanitised_html():
    parsed = corpus("outlook_en_html_word.eml")
    assert parsed.text.startswith("Hi support team,\n\nSince this morning")
    assert "<p>Hi support team,</p>" in parsed.html
    assert "<style" not in parsed.html and "MsoNormal" not in parsed.html
    assert "font-family" not in parsed.html


def test_html_only_mail_gets_a_text_rendering_and_safe_html():
    parsed = corpus("html_only_scripts.eml")
    assert parsed.text.startswith("Mailbox quota\n\nYour mailbox has reached 98% of its quota.")
    assert "document.cookie" not in parsed.text and "Your mailbox is full" not in parsed.text
    for unsafe in ("<script", "onload", "onclick", "onerror", "javascript:", "<iframe",
                   "<form", "<style", "document.cookie"):
        assert unsafe not in parsed.html
    assert '<a href="https://webmail.example.org/quota"' in parsed.html
    netease = corpus("netease_163_html_only_utf8.eml")
    assert "1. 邮箱账号\n2. VPN 账号\n3. 报销系统账号" in netease.text
    assert "入职申请表 <https://intranet.example.org/forms/onboarding>" in netease.text


def test_inline_images_are_attachments_marked_inline_with_their_content_id():
    parsed = corpus("outlook_zh_related_inline_image.eml")
    (image,) = parsed.attachments
    assert image.inline and image.content_id == "image001.png@01DAB5F2.3C4D5E60"
    assert image.content.startswith(b"\x89PNG")
    assert 'src="cid:image001.png@01DAB5F2.3C4D5E60"' in parsed.html
    apple = corpus("apple_mail_alternative_related.eml")
    assert apple.attachments[0].inline
    assert apple.attachments[0].content_id == "1E2D3C4B-5A69-4788-96A5-B4C3D2E1F0A9"
    assert 'src="cid:1E2D3C4B-5A69-4788-96A5-B4C3D2E1F0A9"' in apple.html


def test_inline_image_with_a_real_attachment_beside_it():
    parsed = corpus("outlook_zh_mixed_attachment.eml")
    image, quote = parsed.attachments
    assert (image.inline, quote.inline) == (True, False)
    assert quote.content_id is None
    assert parsed.text == "附件是新电脑的报价单，请审批。\n\n郑十一\n采购部"


def test_apple_mail_text_around_an_inline_image_is_kept_in_order():
    parsed = corpus("apple_mail_mixed_inline.eml")
    assert parsed.text == "你好，在家连 VPN 时提示下面这个错误：\n\n换成手机热点也一样。\n\n张三"
    assert parsed.attachments[0].inline
    assert parsed.html is None


def test_a_forwarded_message_is_an_eml_attachment_named_after_its_subject():
    parsed = corpus("thunderbird_forward_attachment.eml")
    assert "原邮件正文不应混入" not in parsed.text
    (forwarded,) = parsed.attachments
    assert forwarded.filename == "投诉：发票一直没有收到.eml"
    assert forwarded.content_type == "message/rfc822" and not forwarded.inline
    inner = parse_message(forwarded.content)
    assert inner.subject == "投诉：发票一直没有收到"
    assert inner.from_address == "zhaoliu@example.net"
    assert "原邮件正文不应混入工单正文" in inner.text


def test_attachment_only_mail_has_empty_text_and_the_attachment():
    for name, filename in [("attachment_only_multipart.eml", "invoice-2024-0613.pdf"),
                           ("attachment_only_single_part.eml", "SCAN_20240617_153100.pdf")]:
        parsed = corpus(name)
        assert parsed.text == "" and parsed.html is None
        assert attachment(parsed, filename).content.startswith(b"%PDF-1.4")


def test_parts_over_the_size_limit_are_reported_not_dropped_silently():
    parsed = corpus("oversized_attachment.eml", max_part_size=10_000)
    assert [part.filename for part in parsed.attachments] == ["console.png"]
    assert parsed.skipped == (SkippedPart(
        filename="server-logs.zip", content_type="application/zip", size=75640,
        reason="larger than the limit of 10000 bytes"),)
    assert "complete server logs" in parsed.text
    unlimited = corpus("oversized_attachment.eml")
    assert unlimited.skipped == () and len(unlimited.attachments) == 2


def test_unnamed_parts_get_a_name_from_their_type():
    parsed = corpus("outlook_meeting_request.eml")
    (invite,) = parsed.attachments
    assert (invite.filename, invite.content_type) == ("part-3.ics", "text/calendar")
    assert invite.content.startswith(b"BEGIN:VCALENDAR")
    assert parsed.text == "Could someone check the projector in room B2 before the board meeting?"


def test_format_flowed_lines_are_joined_and_quotes_kept():
    parsed = corpus("thunderbird_flowed_reply.eml")
    assert ("After the update the mail client starts again, but the calendar sync still "
            "fails with \"401 Unauthorized\" every morning around 9 o'clock.") in parsed.text
    assert "> please install the update from the software centre and restart your computer." \
        in parsed.text


def test_signed_mail_keeps_its_text_and_signature_file():
    parsed = corpus("smime_signed.eml")
    assert parsed.text.startswith("The TLS certificate of intranet.example.org expires")
    assert parsed.attachments[0].content_type == "application/pkcs7-signature"


def test_tnef_attachment_is_kept_as_is():
    parsed = corpus("outlook_winmail_tnef.eml")
    assert attachment(parsed, "winmail.dat").content.startswith(b"\x78\x9f\x3e\x22")


def test_backslashes_survive_in_subject_text_and_file_names():
    parsed = corpus("backslashes.eml")
    assert parsed.subject == "共享盘 \\\\fileserver\\财务部 无法访问"
    assert "映射网络驱动器 \\\\fileserver\\财务部 时报错" in parsed.text
    assert "正则 ^\\d+\\s*$ 在脚本里也不生效，\\n 被当成了普通字符" in parsed.text
    assert attachment(parsed, "error\\log.txt").content.startswith(b"Error at C:\\Program Files")
    assert attachment(parsed, "C:\\temp\\app.dmp").content.startswith(b"MDMP")
    assert parsed.from_name == "Zhang \\ San"


def test_an_mbox_from_line_before_the_headers_is_tolerated():
    parsed = corpus("mbox_from_line.eml")
    assert parsed.message_id == "20240619071458.GA12345@example.org"
    assert ">From what I read in the FAQ" in parsed.text


def test_crlf_messages_give_lf_text():
    parsed = corpus("outlook_zh_reply_header_block.eml")
    assert "\r" not in parsed.text
    assert parsed.text.startswith("已经按照你们说的重启了路由器，但是会议室的网络还是连不上。\n\n"
                                  "李四\n")


# -- addresses, threading, dates ---------------------------------------------------------

def test_reply_to_to_and_cc_with_groups_and_quoted_commas():
    parsed = corpus("reply_to_cc.eml")
    assert parsed.from_address == "wangwu@example.org"
    assert parsed.reply_to == "it-team@example.org"
    assert parsed.to == ("support@example.com",)
    assert parsed.cc == ("lisi@example.org", "zhaoliu@example.org", "boss1@example.net",
                         "boss2@example.net")


def test_addresses_are_lower_cased():
    parsed = corpus("outlook_en_html_word.eml")
    assert parsed.from_address == "alice.example@example.org"


def test_in_reply_to_with_a_comment_and_folded_references_in_order():
    parsed = corpus("thread_references.eml")
    assert parsed.message_id == "87h6dz9x2q.fsf@example.org"
    assert parsed.in_reply_to == ("helpdesk.1042.1718600000.9c2a@example.com",)
    assert parsed.references == (
        "helpdesk.1042.1717377300.9c1d@example.com",
        "TYZPR06MB6212E1F2A3B4C5D6E7F8091A2B3C@TYZPR06MB6212.apcprd06.prod.example.org",
        "helpdesk.1042.1717381800.9c1e@example.com",
        "tencent_1234@example.com",
        "helpdesk.1042.1718600000.9c2a@example.com",
    )
    gmail = corpus("gmail_en_thread.eml")
    assert len(gmail.references) == 4
    assert gmail.references[-1] == gmail.in_reply_to[0]


def test_missing_headers_give_none_or_empty_values():
    assert corpus("missing_message_id.eml").message_id is None
    assert corpus("missing_date.eml").date is None
    no_sender = corpus("missing_from.eml")
    assert (no_sender.from_address, no_sender.from_name) == (None, "")
    assert corpus("missing_subject.eml").subject == ""


def test_message_ids_are_unbracketed_and_stripped():
    raw = (b"From: a@example.org\nMessage-ID:   bare-id@example.org  \n"
           b"In-Reply-To: <x@example.org> <y@example.org>\n"
           b"References: <a@example.org>\n <b@example.org> <a@example.org>\n\nx")
    parsed = parse_message(raw)
    assert parsed.message_id == "bare-id@example.org"
    assert parsed.in_reply_to == ("x@example.org", "y@example.org")
    assert parsed.references == ("a@example.org", "b@example.org")


def test_dates_are_timezone_aware():
    parsed = corpus("outlook_zh_related_inline_image.eml")
    assert parsed.date == datetime(2024, 6, 3, 9, 12, 44, tzinfo=timezone(timedelta(hours=8)))
    unknown_zone = parse_message(b"From: a@example.org\nDate: Mon, 3 Jun 2024 10:00:00 -0000\n\nx")
    assert unknown_zone.date == datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)
    nonsense = parse_message(b"From: a@example.org\nDate: 2024\xc4\xea6\xd4\xc23\xc8\xd5\n\nx")
    assert nonsense.date is None
    assert any(note.startswith("Date not understood") for note in nonsense.defects)


# -- automatic mail ----------------------------------------------------------------------

def test_auto_reply_headers_are_exposed():
    outlook = corpus("auto_reply_outlook_ooo.eml")
    assert outlook.headers["auto-submitted"] == "auto-replied"
    assert outlook.headers["x-auto-response-suppress"] == "All"
    vacation = corpus("auto_reply_vacation_precedence.eml")
    assert vacation.headers["precedence"] == "bulk"
    assert vacation.headers["auto-submitted"] == "auto-replied (vacation)"
    assert not outlook.is_bounce and not vacation.is_bounce


def test_mailing_list_headers_are_exposed():
    parsed = corpus("mailing_list_mailman.eml")
    assert parsed.headers["list-id"] == "IT announcements <it-announce.lists.example.org>"
    assert parsed.headers["list-unsubscribe"].startswith(
        "<https://lists.example.org/mailman3/lists/it-announce.lists.example.org/>, <mailto:")
    assert parsed.headers["precedence"] == "list"
    assert not parsed.is_bounce


def test_a_delivery_status_notification_is_a_bounce_with_the_original_attached():
    parsed = corpus("bounce_dsn_postfix.eml")
    assert parsed.is_bounce
    assert parsed.headers["return-path"] == "<>"
    status = attachment(parsed, "delivery-status.txt")
    assert b"Status: 5.1.1" in status.content
    original = parse_message(attachment(parsed, "[Helpdesk #1042] 工单已受理.eml").content)
    assert original.message_id == "helpdesk.1042.1717381800.9c1e@example.com"
    assert original.headers["x-helpdesk-loop"] == "support@example.com"
    assert "您的工单 #1042 已受理" in original.text


@pytest.mark.parametrize("headers", [
    b"From: MAILER-DAEMON@mail.example.net\n",
    b"From: Mail Delivery System <postmaster@example.net>\n",
    b"From: someone@example.org\nReturn-Path: <>\n",
    b"From: someone@example.org\nContent-Type: multipart/report; "
    b"report-type=Delivery-Status; boundary=b\n",
])
def test_bounces_are_recognised_by_sender_return_path_or_report(headers):
    raw = headers + b"Subject: failure\n\n--b\nContent-Type: text/plain\n\nfailed\n--b--\n"
    assert parse_message(raw).is_bounce


def test_ordinary_mail_is_no_bounce():
    assert not any(corpus(name).is_bounce for name in EXPECTED if name != "bounce_dsn_postfix.eml")


def test_kept_headers_include_the_mailer_and_top_level_content_type():
    parsed = corpus("thunderbird_flowed_reply.eml")
    assert parsed.headers["user-agent"] == "Mozilla Thunderbird"
    assert parsed.headers["content-type"] == "text/plain; charset=UTF-8; format=flowed"
    assert set(parsed.headers) <= {
        "auto-submitted", "precedence", "x-auto-response-suppress", "list-id",
        "list-unsubscribe", "return-path", "x-helpdesk-loop", "content-type", "x-mailer",
        "user-agent"}


# -- what is not an e-mail, and what is merely broken ------------------------------------

@pytest.mark.parametrize("raw, reason", [
    (b"", "empty message"),
    (b" \r\n\t\n", "empty message"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no header fields"),
    (b"just some text without any header\n\nmore text", "no header fields"),
])
def test_input_that_is_not_an_email_is_refused(raw, reason):
    with pytest.raises(MalformedMessage) as refused:
        parse_message(raw)
    assert refused.value.reason == reason
    assert isinstance(refused.value, ValueError)


def test_text_instead_of_bytes_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_message("From: a@example.org\n\nx")


def test_a_broken_mime_structure_is_read_best_effort_with_notes():
    raw = (b"From: a@example.org\nSubject: cut\nContent-Type: multipart/mixed; boundary=b\n\n"
           b"--b\nContent-Type: text/plain; charset=utf-8\n\n\xe6\x96\x87\xe5\xad\x97\n"
           b"--b\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n"
           b"JVBERi0xLjQK")
    parsed = parse_message(raw)
    assert parsed.text == "文字"
    assert attachment(parsed, "a.pdf").content == b"%PDF-1.4\n"
    assert "message: close boundary not found" in parsed.defects


def test_a_transfer_encoding_with_stray_spaces_is_still_decoded():
    raw = (b"From: a@example.org\nContent-Type: text/plain; charset=utf-8\n"
           b"Content-Transfer-Encoding:  Base64 \n\n5pWF6Zqc\n")
    assert parse_message(raw).text == "故障"


def test_nul_characters_are_removed_with_a_note():
    raw = b"From: a@example.org\nContent-Type: text/plain\n\nab\x00c"
    parsed = parse_message(raw)
    assert parsed.text == "abc"
    assert parsed.defects == ("part 1: NUL characters removed",)


def test_a_parsed_message_is_immutable():
    parsed = corpus("reply_to_cc.eml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.subject = "changed"
    with pytest.raises(TypeError):
        parsed.headers["x-mailer"] = "changed"
    assert hash(parsed) == hash(corpus("reply_to_cc.eml"))


def test_an_8bit_transfer_encoding_with_stray_spaces_keeps_the_bytes():
    raw = (b"From: a@example.org\nContent-Type: text/plain; charset=gbk\n"
           b"Content-Transfer-Encoding: 8bit \n\n" + "网络故障".encode("gbk"))
    assert parse_message(raw).text == "网络故障"


def test_raw_8bit_bytes_beside_an_encoded_word_are_both_decoded():
    raw = b"From: a@example.org\nSubject: \xb4\xf2\xd3\xa1 =?utf-8?B?5py65Z2P5LqG?=\n\nx"
    assert parse_message(raw).subject == "打印 机坏了"


def test_parameters_before_any_type_are_not_taken_for_the_type():
    raw = b"From: a@example.org\nContent-Type: ; charset=utf-8\n\n\xe6\x96\x87"
    parsed = parse_message(raw)
    assert parsed.text == "文"
    assert "part 1: content type '' not understood, read as text" in parsed.defects


def nested_multiparts(levels: int) -> bytes:
    head = b"From: a@example.org\nContent-Type: multipart/mixed; boundary=b0\n\n"
    opening = b"".join(b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
                       for i in range(levels))
    closing = b"".join(b"--b%d--\n" % i for i in reversed(range(levels)))
    return (head + opening + b"--b%d\nContent-Type: text/plain\n\ndeep\n--b%d--\n"
            % (levels, levels) + closing)


def test_nesting_is_followed_to_a_depth_then_reported():
    assert parse_message(nested_multiparts(10)).text == "deep"
    deep = parse_message(nested_multiparts(60))
    assert deep.text == ""
    assert deep.defects[0].endswith(": nested deeper than 50 levels, ignored")


def test_a_nesting_bomb_is_refused():
    with pytest.raises(MalformedMessage) as refused:
        parse_message(nested_multiparts(3000))
    assert refused.value.reason == "MIME structure nested too deeply"


def test_an_unknown_transfer_encoding_is_read_as_is_with_a_note():
    raw = (b"From: a@example.org\nContent-Type: text/plain; charset=utf-8\n"
           b"Content-Transfer-Encoding: x-binhex\n\n\xe6\x96\x87")
    parsed = parse_message(raw)
    assert parsed.text == "文"
    assert parsed.defects == ("part 1: unknown transfer encoding 'x-binhex', read as is",)
