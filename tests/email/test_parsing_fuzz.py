"""Fuzzing the parser: whatever the bytes, it returns a ParsedMessage or raises
MalformedMessage, never anything else (TARGETS: 0 unhandled exceptions)."""
from __future__ import annotations

import base64
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk_email.html import html_to_text, sanitize_html
from helpdesk_email.parsing import (
    MalformedMessage,
    ParsedMessage,
    parse_message,
    read_thread_headers,
)
from pyramid_helpdesk.tickets.quoting import split_quoted

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
RAW = [path.read_bytes() for path in CORPUS]

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def parses_or_refuses(raw: bytes) -> None:
    headers = read_thread_headers(raw)  # helpdesk fetchmail reads these of any message
    try:
        parsed = parse_message(raw, max_part_size=2_000)
    except MalformedMessage as refused:
        assert refused.reason
        return
    assert (headers.message_id, headers.subject, headers.from_address) == (
        parsed.message_id, parsed.subject, parsed.from_address)
    assert isinstance(parsed, ParsedMessage)
    for text in strings_of(parsed):
        # Everything can be stored as text: no surrogates, no NUL.
        assert isinstance(text, str)
        text.encode("utf-8")
        assert "\x00" not in text
    assert all(len(part.content) <= 2_000 for part in parsed.attachments)
    assert parsed.date is None or parsed.date.tzinfo is not None


def strings_of(parsed: ParsedMessage) -> list:
    strings = [parsed.message_id or "", *parsed.in_reply_to, *parsed.references,
               parsed.subject, parsed.from_address or "", parsed.from_name,
               parsed.reply_to or "", *parsed.to, *parsed.cc, parsed.text, parsed.html or "",
               *parsed.headers, *parsed.headers.values(), *parsed.defects]
    for part in parsed.attachments:
        strings += [part.filename, part.content_type, part.content_id or ""]
    for part in parsed.skipped:
        strings += [part.filename, part.content_type, part.reason]
    return strings


@st.composite
def mutated_corpus(draw) -> bytes:
    """A corpus message with bytes flipped, inserted, deleted, repeated or cut."""
    data = bytearray(draw(st.sampled_from(RAW)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "cut", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([
                b"\n", b"\r\n", b"\n\n", b"=?", b"?=", b"=?gb2312?B?", b"--", b";", b'"', b"\\",
                b"\x00", b"\xff\xfe", b"\xd5\xc5", b"\x1b$B", b"Content-Type: multipart/mixed\n",
                b"; charset=x-unknown", b"*0*=utf-8''%E4", b"\n--", b"<", b">", b"begin 644 x\n",
            ])) + draw(st.binary(max_size=20))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 300))]
        elif kind == "cut":
            del data[at:]
        elif kind == "splice":
            other = draw(st.sampled_from(RAW))
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start:start + draw(st.integers(1, 500))]
    return bytes(data)


CHARSETS = ["utf-8", "gb2312", "gbk", "x-gbk", "gb18030", "big5", "iso-2022-jp", "koi8-r",
            "windows-1251", "windows-1252", "us-ascii", "iso-8859-1", "utf-16", "utf-7",
            "unknown-8bit", "x-unknown", "unicode_escape", "rot13", "base64", "idna", "", "\"",
            "utf-8*zh", "gb_2312-80", "cp65001", "mbcs", "x-user-defined", "=?utf-8?"]
HEADER_NAMES = ["From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
                "References", "Return-Path", "Content-Type", "Content-Transfer-Encoding",
                "Content-Disposition", "Content-ID", "MIME-Version", "Auto-Submitted",
                "List-Id", "X-Mailer", "Precedence"]
TYPES = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
         "multipart/related", "multipart/report", "message/rfc822", "message/delivery-status",
         "application/pdf", "image/png", "text", "/", "multipart/", "text/calendar"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", " Base64 ",
             "bogus", ""]


@st.composite
def encoded_word(draw) -> str:
    charset = draw(st.sampled_from(CHARSETS))
    raw = draw(st.binary(max_size=12))
    if draw(st.booleans()):
        return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="
    return f"=?{charset}?{draw(st.sampled_from('qQ'))}?" + "".join(
        f"={byte:02X}" for byte in raw) + "?="


@st.composite
def header_value(draw) -> bytes:
    pieces = draw(st.lists(st.one_of(
        encoded_word().map(str.encode),
        st.binary(max_size=15).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
        st.sampled_from([b"<a@example.org>", b'"Name, Q" <q@example.org>', b"a@b", b"<>",
                         b"; boundary=XYZ", b"; charset=gbk", b"; name*0*=gbk''%D5%C5",
                         b"; name*1*=%C8", b"; filename=\"a\\\\b.txt\"",
                         b"; report-type=delivery-status",
                         b"\r\n continued", b"Mon, 3 Jun 2024 10:00:00 +9999", b"Tue, 99 Foo 0 x",
                         b"=?utf-8?B?", b"=?", b"?=", b"\\"]),
        st.sampled_from(TYPES).map(str.encode),
        st.sampled_from(ENCODINGS).map(str.encode),
    ), max_size=6))
    return b" ".join(pieces)


@st.composite
def body(draw, depth: int = 0) -> bytes:
    if depth < 3 and draw(st.booleans()):
        parts = draw(st.lists(body(depth=depth + 1), max_size=3))
        return (b"--XYZ\n" + b"\n--XYZ\n".join(parts) + b"\n--XYZ--\n"
                + draw(st.binary(max_size=10)))
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value()),
                            max_size=4))
    head = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    return head + b"\n" + draw(st.one_of(
        st.binary(max_size=60),
        st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"PGI+aGk8L2I+", b"=E4=B8=AD=\n=E6=96=87", b"\xd5\xc5\xc8\xfd\xa1\xa3",
                         b"<html><body><p>x<script>y</script><a href=x>z</a>", b""]),
    ))


@st.composite
def header_soup(draw) -> bytes:
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value()),
                            min_size=1, max_size=10))
    head = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers)
    return head + b"\n" + draw(body())


@FUZZ
@given(mutated_corpus())
def test_mutated_corpus_messages_parse_or_are_refused(raw):
    parses_or_refuses(raw)


@FUZZ
@given(header_soup())
def test_random_header_soup_parses_or_is_refused(raw):
    parses_or_refuses(raw)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_are_refused(raw):
    parses_or_refuses(raw)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("<>/=\"' abp!-&;#x\n") + [
    "<p>", "</p>", "<br>", "<a href='http://x'>", "</a>", "<ul>", "<li>", "</ol>",
    "<blockquote>", "</blockquote>", "<pre>", "</pre>", "<script>", "</script>", "<td>",
    "<!--", "-->", "<![CDATA[", "]]>", "&#x110000;", "&nbsp;", "中", "<img alt=",
    "<head>", "<title>", "<body>", "<!DOCTYPE", "<?xml", "</", "<style>",
]), max_size=80).map("".join))
def test_html_helpers_accept_any_markup(markup):
    assert isinstance(html_to_text(markup), str)
    assert isinstance(sanitize_html(markup), str)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("> \n\r:-_") + [
    "On Mon wrote:", "From: a", "Sent: b", "发件人：", "发送时间：", "写道：", "> q",
    "-----Original Message-----", "原始邮件", "------", "x", "在",
]), max_size=60).map("".join))
def test_split_quoted_always_keeps_the_text(text):
    new, quoted = split_quoted(text)
    assert new + quoted == text
