"""Turn the raw bytes of an e-mail into the text, addresses and files a ticket needs.

:func:`parse_message` is a pure function: bytes in, a frozen
:class:`ParsedMessage` out. It raises :class:`MalformedMessage` only for input
that is not an e-mail at all (empty, no header fields); everything else is read
best-effort, and every problem met on the way (a charset label that does not
fit the text, a broken MIME boundary, an undecodable byte) is written as a
human-readable note in :attr:`ParsedMessage.defects`.

Why not ``email.message_from_bytes(raw, policy=policy.default)``: it silently
turns GB2312-labelled GBK text, raw 8-bit GBK headers and characters split
across two encoded-words into U+FFFD, raises ``LookupError`` on labels such as
``x-gbk`` or ``unknown-8bit``, and is an order of magnitude slower. So the message is
split with the ``compat32`` policy, which keeps the raw header values and
bodies, and all decoding happens here:

- header values: RFC 2047 encoded-words (adjacent words of one charset are
  joined before decoding, so a character split between two words survives;
  malformed words inside quoted strings, without surrounding spaces or with
  lowercase ``q``/``b`` are accepted) and raw 8-bit bytes (UTF-8, else
  GB18030, else detected);
- parameters: RFC 2231 (``filename*=charset'lang'...``, continuations) and
  RFC 2047 inside ``name=`` and ``filename=``;
- bodies: the declared charset, with the GB2312/GBK family read as GB18030 (its
  superset); a missing, unknown or wrong label is detected (charset-normalizer)
  rather than replaced with U+FFFD.
"""
from __future__ import annotations

import binascii
import codecs
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import errors as email_errors
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html import escape
from types import MappingProxyType
from typing import Mapping
from urllib.parse import unquote_to_bytes

from .html import html_to_text, sanitize_html

__all__ = [
    "MalformedMessage",
    "ParsedAttachment",
    "ParsedMessage",
    "SkippedPart",
    "parse_message",
]


class MalformedMessage(ValueError):
    """The input is not an e-mail at all; :attr:`reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedAttachment:
    """A file of the message: an attachment, an inline image, a forwarded mail.

    ``filename`` is decoded but otherwise as the sender's client wrote it (it
    may contain ``\\`` or ``/``): never use it as a path. Parts without a name
    get one such as ``part-2.ics``; a forwarded message is named after its
    subject, with ``.eml``.
    """

    filename: str
    content_type: str
    content: bytes
    content_id: str | None
    inline: bool


@dataclass(frozen=True)
class SkippedPart:
    """A part over ``max_part_size``: reported so the ticket can say so."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedMessage:
    """What :func:`parse_message` found in a message (see the module docstring)."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str | None
    from_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    text: str
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    skipped: tuple[SkippedPart, ...]
    headers: Mapping[str, str] = field(hash=False)
    defects: tuple[str, ...]
    is_bounce: bool


# Header fields copied, decoded, into ParsedMessage.headers (lower-case names).
KEPT_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-auto-response-suppress",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-helpdesk-loop",
    "content-type",
    "x-mailer",
    "user-agent",
)

_PARSER = BytesParser(policy=compat32)
_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MAX_DEPTH = 50

# -- charsets ---------------------------------------------------------------------------

# Labels of the GB2312 family; GB18030 decodes all of them, GBK-only characters
# such as 镕, 啰 and 堃 included.
_GB_LABELS = frozenset({
    "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn",
    "gb_2312-80", "gb2312-80", "gb_2312", "csgb2312", "csgbk", "chinese", "iso-ir-58",
    "csiso58gb231280", "gb18030", "gb-18030",
})
_BIG5_LABELS = frozenset({"big5", "big-5", "x-big5", "cn-big5", "csbig5", "cp950",
                          "big5-hkscs", "big5hkscs"})
_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "646"})
# Latin-1 labels are read as windows-1252, as browsers do (Outlook's “quotes”).
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1",
                            "l1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"})
_CHAINS = {
    **{label: ("big5", "cp950", "big5hkscs") for label in _BIG5_LABELS},
    **{label: ("cp1252", "latin-1") for label in _LATIN1_LABELS},
    **{label: ("ascii",) for label in _ASCII_LABELS},
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"),
    "csiso2022jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"),
    "shift_jis": ("shift_jis", "cp932"), "shift-jis": ("shift_jis", "cp932"),
    "sjis": ("shift_jis", "cp932"), "x-sjis": ("shift_jis", "cp932"),
    "windows-31j": ("cp932",), "ks_c_5601-1987": ("euc_kr", "cp949"),
    "euc-kr": ("euc_kr", "cp949"), "ks_c_5601": ("cp949",), "iso-8859-8-i": ("iso8859_8",),
    "tis-620": ("cp874",), "iso-8859-11": ("cp874",), "unicode-1-1-utf-7": ("utf_7",),
}
# Python codecs that are no mail charset and must never be applied to mail.
_REFUSED_CODECS = frozenset({"unicode_escape", "raw_unicode_escape", "idna", "punycode",
                             "undefined", "mbcs", "oem", "charmap"})
# Codecs whose ASCII bytes do not mean ASCII characters.
_NOT_ASCII_COMPATIBLE = ("utf_16", "utf_32", "utf_7", "iso2022")
_CONTROLS = re.compile(r"[\x00-\x20\x7f]+")
_FILENAME_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")
_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")


def _codec_chain(label: str) -> tuple[str, ...] | None:
    """The codecs to try, in order, for a charset label; ``None`` if unknown."""
    if label in _GB_LABELS:
        try:
            first = codecs.lookup(label).name
        except LookupError:
            return ("gb18030",)
        return (first, "gb18030") if first != "gb18030" else ("gb18030",)
    chain = _CHAINS.get(label)
    if chain is not None:
        return chain
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not info._is_text_encoding or info.name.replace("-", "_") in _REFUSED_CODECS:
        return None
    return (info.name,)


def _known_names(label: str) -> tuple[str, ...]:
    """The names Python itself gives the charset *label* (none if unknown)."""
    try:
        return (codecs.lookup(label).name, label)
    except (LookupError, ValueError):
        return ()


def _clean_label(label: str | None) -> str | None:
    if label is None:
        return None
    label = label.strip().strip("\"'").strip().lower()
    if not (label.isascii() and label.isprintable()):
        label = repr(label)[1:-1]     # no codec has such a name; keeps notes printable
    return label or None


class _Notes(list):
    """Defect notes, each written once."""

    def add(self, note: str) -> None:
        if note not in self:
            self.append(note)


def _decode(data: bytes, label: str | None, where: str, notes: _Notes, *,
            header: bool = False) -> str:
    """Decode *data* labelled *label*; detect when the label is missing or wrong.

    Header text (``header=True``) is short and, in this helpdesk's world, most
    often Chinese, so unlabelled bytes there are tried as UTF-8, then GB18030,
    before detection.
    """
    if not data:
        return ""
    label = _clean_label(label)
    chain = _codec_chain(label) if label else None
    if (data.isascii() and b"\x1b" not in data
            and (chain is None
                 or not chain[0].replace("-", "_").startswith(_NOT_ASCII_COMPATIBLE))):
        return data.decode("ascii")
    if chain is not None:
        if chain[0] in ("ascii", "cp1252") and not data.isascii():
            # Defaults of many clients: 8-bit text under them is often UTF-8.
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                notes.add(f"{where}: charset {label} but the text is UTF-8")
                return text
        if chain[0] != "ascii":
            for number, codec in enumerate(chain):
                try:
                    text = data.decode(codec)
                except (UnicodeDecodeError, LookupError):
                    continue
                silent = codec in ("cp1252", "latin-1")   # browsers read Latin-1 so too
                if not silent and (number or codec not in _known_names(label)):
                    notes.add(f"{where}: charset {label} decoded as {codec}")
                return text
            # Mostly right, a byte or two broken (a line cut inside a character):
            # keep the declared charset rather than guess another one.
            text = data.decode(chain[0], "replace")
            broken = text.count("\ufffd")
            if broken <= 3 and broken * 10 <= len(text):
                notes.add(f"{where}: charset {label}, {broken} undecodable byte(s) replaced")
                return text
        reason = f"charset {label} does not fit the text"
    elif label:
        reason = f"unknown charset {label}"
    else:
        reason = "raw 8-bit text" if header else "no charset"
    codec, text = _detect(data, header)
    if text is not None:
        if not (header and label is None and codec == "utf-8"):
            notes.add(f"{where}: {reason}, detected {codec}")
        return text
    candidates = [*(chain or ()), "utf-8", "gb18030"]
    text = min((data.decode(codec, "replace") for codec in candidates),
               key=lambda decoded: decoded.count("\ufffd"))
    notes.add(f"{where}: {reason}, {text.count(chr(0xfffd))} undecodable byte(s) replaced")
    return text


def _detect(data: bytes, header: bool) -> tuple[str, str | None]:
    """Guess the charset of non-ASCII *data*: ``(codec, text)`` or ``("", None)``."""
    if data.isascii():   # 7-bit with escape sequences: ISO-2022-JP, mislabelled
        for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"):
            try:
                return codec, data.decode(codec)
            except UnicodeDecodeError:
                pass
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = sum(1 for byte in data if byte > 0x7F) if len(data) < 4096 else 4096
    if header or high < 32:
        # Too short for statistics: the commonest legacy charset here wins.
        try:
            return "gb18030", data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes  # imported only when needed

    best = from_bytes(data).best()
    if best is None:
        return "", None
    return best.encoding, str(best)


# -- header values ---------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*)\?=")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def _raw_bytes(value: str) -> bytes:
    """The original bytes of a parsed value (8-bit bytes arrive as surrogates)."""
    return value.encode("utf-8", "surrogateescape")


def _decode_8bit(value: str, where: str, notes: _Notes) -> str:
    if value.isascii():
        return value
    return _decode(_raw_bytes(value), None, where, notes, header=True)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    raw = _raw_bytes(text)
    if encoding in "qQ":
        return _QP_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), raw.replace(b"_", b" "))
    return _lenient_base64(raw)


def _lenient_base64(data: bytes) -> bytes | None:
    """Base64 as real clients write it: stray characters, a dangling symbol and
    missing padding tolerated; ``None`` when it still does not decode."""
    data = _NOT_BASE64.sub(b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except binascii.Error:
        return None


def _decode_header(value: str, where: str, notes: _Notes) -> str:
    """Decode a raw (unfolded) header value: encoded-words and 8-bit bytes.

    The rules of ``email.header.decode_header`` (adjacent words of one charset
    joined before decoding, white space between words dropped), but not that
    function: it writes raw 8-bit bytes next to an encoded-word as literal
    ``\\udcd5`` escapes and raises ``HeaderParseError`` on a bad base64 word.
    """
    if "=?" not in value:
        return _decode_8bit(value, where, notes)
    pieces: list[str] = []
    pending: list | None = None    # [charset, bytearray] of adjacent words

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            pieces.append(_decode(bytes(pending[1]), pending[0], where, notes, header=True))
            pending = None

    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position:match.start()]
        position = match.end()
        if gap and not (pending is not None and not gap.strip()):
            flush()
            pieces.append(_decode_8bit(gap, where, notes))
        charset = match.group(1).split("*", 1)[0].lower()
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            flush()
            notes.add(f"{where}: broken encoded-word kept as is")
            pieces.append(match.group(0))
        elif pending is not None and pending[0] == charset:
            pending[1] += data
        else:
            flush()
            pending = [charset, bytearray(data)]
    flush()
    pieces.append(_decode_8bit(value[position:], where, notes))
    return "".join(pieces)


def _fold(text: str) -> str:
    """Control characters and runs of white space as one space, stripped."""
    return _CONTROLS.sub(" ", text).strip()


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


# -- parameters (Content-Type, Content-Disposition) -----------------------------------

_PARAM_PIECES = re.compile(r'(?:"(?:\\.|[^"\\])*(?:"|$)|[^;"])+', re.S)
_QUOTED_STRING = re.compile(r'"((?:\\.|[^"\\])*)"?', re.S)
_QUOTED_PAIR = re.compile(r'\\([\\"])')
_RFC2231_NAME = re.compile(r"\*(\d{1,3})?(\*)?$")


def _unquote(value: str) -> str:
    """Unquote a quoted-string; only ``\\\\`` and ``\\"`` are escapes, so that
    Windows paths sent unescaped (``"C:\\temp\\a.txt"``) keep their backslashes."""
    match = _QUOTED_STRING.match(value)
    return _QUOTED_PAIR.sub(r"\1", match.group(1)) if match else value


def _split_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """``"text/plain; charset=x"`` -> ``("text/plain", [("charset", "x")])``."""
    pieces = _PARAM_PIECES.findall(value)
    if not pieces:
        return "", []
    if value.lstrip().startswith(";"):
        pieces.insert(0, "")
    main = pieces[0].strip().lower()
    params = []
    for piece in pieces[1:]:
        name, _, raw = piece.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        raw = raw.strip()
        params.append((name, _unquote(raw) if raw.startswith('"') else raw))
    return main, params


def _param(params: list[tuple[str, str]], wanted: str, where: str,
           notes: _Notes) -> str | None:
    """The decoded value of parameter *wanted* (RFC 2231 preferred over plain)."""
    plain = None
    segments: dict[int, tuple[str, bool]] = {}
    for name, value in params:
        if name == wanted:
            if plain is None:
                plain = value
        elif name.startswith(wanted) and name[len(wanted):len(wanted) + 1] == "*":
            match = _RFC2231_NAME.match(name, len(wanted))
            if match is None:
                continue
            if match.group(1) is None:
                segments.setdefault(0, (value, True))
            else:
                segments.setdefault(int(match.group(1)), (value, bool(match.group(2))))
    if not segments:
        return None if plain is None else _decode_header(plain, where, notes)
    charset = None
    data = bytearray()
    for number, index in enumerate(sorted(segments)):
        value, encoded = segments[index]
        if number == 0 and encoded and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        if encoded:
            data += unquote_to_bytes(_raw_bytes(value))
        else:
            data += _raw_bytes(value)
    return _decode(bytes(data), charset or None, where, notes, header=True)


# -- addresses, ids, dates --------------------------------------------------------------

_ADDRESS_FALLBACK = re.compile(r"[^\s<>\"(),;:\[\]]+@[^\s<>\"(),;:\[\]]+")
_ANGLE_IDS = re.compile(r"<([^<>]*)>")


_ADDR_SPEC = r"[^\s<>()\[\]\\,;:\"@]+@[A-Za-z0-9.\-]+"
# The common shapes, read without the (slow) general address parser.
_BARE_ADDRESS = re.compile(rf"\s*<?({_ADDR_SPEC})>?\s*")
_QUOTED_NAME_ADDRESS = re.compile(rf'\s*"([^"\\]*)"\s*<({_ADDR_SPEC})>\s*')
_NAME_ADDRESS = re.compile(rf"\s*([^\"<>()\[\]\\,;:@]*?)\s*<({_ADDR_SPEC})>\s*")


def _address_pairs(values: list[str]) -> list[tuple[str, str]]:
    """``(display name, address)`` pairs of address header values."""
    if len(values) == 1:
        match = _BARE_ADDRESS.fullmatch(values[0])
        if match:
            return [("", match.group(1))]
        match = (_QUOTED_NAME_ADDRESS.fullmatch(values[0])
                 or _NAME_ADDRESS.fullmatch(values[0]))
        if match:
            return [(match.group(1), match.group(2))]
    try:
        return getaddresses(values)
    except (ValueError, IndexError, TypeError):
        return []


def _normal_address(address: str, where: str, notes: _Notes) -> str | None:
    address = _fold(_decode_8bit(address.strip().strip("<>").strip(), where, notes)).lower()
    if "@" not in address or " " in address:
        return None
    return address


def _addresses(values: list[str], where: str, notes: _Notes,
               pairs: list[tuple[str, str]] | None = None) -> list[str]:
    """The lower-cased addr-specs in *values*, in order, each once."""
    if not values:
        return []
    found: dict[str, None] = {}
    for _, address in _address_pairs(values) if pairs is None else pairs:
        normal = _normal_address(address, where, notes)
        if normal:
            found.setdefault(normal)
    if not found:
        for value in values:
            for address in _ADDRESS_FALLBACK.findall(value):
                normal = _normal_address(address, where, notes)
                if normal:
                    found.setdefault(normal)
    return list(found)


def _ids(value: str, *, single: bool = False) -> list[str]:
    """Message-IDs in decoded *value*, without ``<>``, in order, each once."""
    value = _CONTROLS.sub(" ", value)
    ids = ["".join(found.split()) for found in _ANGLE_IDS.findall(value)]
    ids = [found for found in ids if found]
    if not ids:
        tokens = [token.strip("<>,;") for token in value.split()]
        ids = [token for token in tokens if token and ("@" in token or single)]
    return list(dict.fromkeys(ids))


def _date(value: str, notes: _Notes) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.add(f"Date not understood: {value[:80]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


# -- bodies -----------------------------------------------------------------------------

_EXTENSIONS = {
    "text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
    "text/x-vcard": ".vcf", "text/vcard": ".vcf", "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml", "message/global": ".eml", "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt", "image/png": ".png", "image/jpeg": ".jpg",
    "image/gif": ".gif", "image/bmp": ".bmp", "image/webp": ".webp", "application/pdf": ".pdf",
    "application/zip": ".zip", "application/ms-tnef": ".dat",
    "application/pkcs7-signature": ".p7s", "application/x-pkcs7-signature": ".p7s",
    "application/pgp-signature": ".asc", "application/octet-stream": ".bin",
}
_DEFAULT_STEMS = {
    "message/delivery-status": "delivery-status",
    "message/disposition-notification": "disposition-notification",
    "text/rfc822-headers": "original-headers",
}
_KNOWN_TRANSFER_ENCODINGS = frozenset({
    "", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode",
    "uue", "x-uue",
})
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.I)
_SIGNATURE_SEPARATOR = "-- "


def _defect_name(defect: object) -> str:
    name = type(defect).__name__.removesuffix("Defect")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def _unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676)."""
    out: list[str] = []
    depth = -1
    joined = ""
    open_paragraph = False
    for line in text.split("\n"):
        level = len(line) - len(line.lstrip(">"))
        content = line[level:]
        if content.startswith(" "):
            content = content[1:]
        flowed = content.endswith(" ") and content != _SIGNATURE_SEPARATOR
        if flowed and delsp:
            content = content[:-1]
        if open_paragraph and level == depth:
            joined += content
        else:
            if open_paragraph:
                out.append(_quoted(depth, joined))
            depth, joined = level, content
        open_paragraph = flowed
        if not flowed:
            out.append(_quoted(depth, joined))
            joined = ""
    if open_paragraph:
        out.append(_quoted(depth, joined))
    return "\n".join(out)


def _quoted(depth: int, content: str) -> str:
    if depth <= 0:
        return content
    return f"{'>' * depth} {content}" if content else ">" * depth


class _Reader:
    """Walks the MIME tree of one message, collecting bodies, files and notes."""

    def __init__(self, max_part_size: int | None) -> None:
        self.max_part_size = max_part_size
        self.notes = _Notes()
        self.segments: list[tuple[str | None, str | None]] = []   # (plain, html)
        self.attachments: list[ParsedAttachment] = []
        self.skipped: list[SkippedPart] = []
        self.delivery_status = False

    # headers of a part, raw and unfolded
    @staticmethod
    def _header(part: Message, name: str) -> str | None:
        for key, value in part.raw_items():
            if key.lower() == name:
                return _unfold(value)
        return None

    def walk(self, part: Message, section: str, depth: int) -> None:
        where = f"part {section or 1}" if section or not part.is_multipart() else "message"
        if depth > _MAX_DEPTH:
            self.notes.add(f"{where}: nested deeper than {_MAX_DEPTH} levels, ignored")
            return
        ctype, ctparams = self._content_type(part, where)
        if part.is_multipart():
            children = part.get_payload()
            if ctype.startswith("message/"):
                self._message(part, section, ctype, children, where)
            elif ctype == "multipart/alternative":
                self._alternative(children, section, depth)
            else:
                for number, child in enumerate(children, 1):
                    self.walk(child, f"{section}.{number}" if section else str(number), depth + 1)
        else:
            self._leaf(part, section or "1", ctype, ctparams, where)
        for defect in part.defects:
            self.notes.add(f"{where}: {_defect_name(defect)}")

    def _content_type(self, part: Message, where: str) -> tuple[str, list]:
        raw = self._header(part, "content-type")
        if raw is None:
            return part.get_default_type(), []
        ctype, params = _split_params(raw)
        if not _MIME_TYPE.fullmatch(ctype):
            self.notes.add(f"{where}: content type {ctype[:40]!r} not understood, read as text")
            ctype = "text/plain"
        return ctype, params

    def _alternative(self, children: list, section: str, depth: int) -> None:
        outer = self.segments
        plain = html = None
        for number, child in enumerate(children, 1):
            self.segments = []
            self.walk(child, f"{section}.{number}" if section else str(number), depth + 1)
            plains = [text for text, _ in self.segments if text is not None]
            htmls = [markup for _, markup in self.segments if markup is not None]
            if plains and plain is None:
                plain = "\n\n".join(plains)       # the first plain-text version
            if htmls:
                html = "\n".join(htmls)            # the last, richest HTML version
        self.segments = outer
        if plain is not None or html is not None:
            self.segments.append((plain, html))

    def _payload(self, part: Message, where: str) -> bytes:
        raw_cte = self._header(part, "content-transfer-encoding")
        cte = (raw_cte or "").strip().lower()
        if cte not in _KNOWN_TRANSFER_ENCODINGS:
            self.notes.add(f"{where}: unknown transfer encoding {cte[:40]!r}, read as is")
        data = part.get_payload(decode=True)
        if data is None:
            return b""
        if not isinstance(data, bytes):
            data = _raw_bytes(data)
        if raw_cte is not None and raw_cte.lower() != cte:
            # " base64 " or "Base64\t": the standard library returned it undecoded.
            data = _transfer_decode(data, cte)
        return data

    def _text(self, data: bytes, params: list, where: str, html: bool) -> str:
        label = _param(params, "charset", where, self.notes)
        if html and not label:
            declared = _META_CHARSET.search(data[:4096])
            if declared:
                label = declared.group(1).decode("ascii")
        text = _decode(data, label, where, self.notes)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            text = text.replace("\x00", "")
            self.notes.add(f"{where}: NUL characters removed")
        return text

    def _leaf(self, part: Message, section: str, ctype: str, ctparams: list,
              where: str) -> None:
        disposition_raw = self._header(part, "content-disposition")
        disposition, dparams = _split_params(disposition_raw) if disposition_raw else ("", [])
        filename = (_param(dparams, "filename", f"{where} filename", self.notes)
                    or _param(ctparams, "name", f"{where} filename", self.notes))
        if filename:
            filename = _FILENAME_CONTROLS.sub("", filename).strip()
        data = self._payload(part, where)
        if ctype.startswith("multipart/"):
            self.notes.add(f"{where}: {ctype} without usable boundary, read as text")
            ctype = "text/plain"
        if ctype in ("text/plain", "text/html") and not filename and disposition != "attachment":
            text = self._text(data, ctparams, where, ctype == "text/html")
            if ctype == "text/html":
                self.segments.append((None, text))
                return
            params = dict(ctparams)
            if params.get("format", "").lower() == "flowed":
                text = _unflow(text, params.get("delsp", "").lower() == "yes")
            self.segments.append((text, None))
            return
        if ctype == "message/delivery-status":
            self.delivery_status = True
        if ctype in ("message/rfc822", "message/global"):
            filename = self._forwarded_name(_PARSER.parsebytes(data, headersonly=True),
                                            filename, where)
        content_id = self._header(part, "content-id")
        if content_id is not None:
            content_id = _decode_8bit(content_id, f"{where} Content-ID", self.notes)
            content_id = "".join(_CONTROLS.sub(" ", content_id).split()).strip("<>") or None
        inline = disposition == "inline" or (content_id is not None
                                             and disposition != "attachment")
        self._attach(filename, ctype, data, content_id, inline, section)

    def _message(self, part: Message, section: str, ctype: str, children: list,
                 where: str) -> None:
        """A ``message/*`` part, which compat32 parses into Message objects."""
        data = b"".join(_serialise(child, where, self.notes) for child in children)
        cte = (self._header(part, "content-transfer-encoding") or "").strip().lower()
        if cte in ("base64", "quoted-printable"):
            # Not allowed on message/rfc822, sent anyway: the parsed "message" is
            # the encoded text; decode it and read the headers again.
            data = _transfer_decode(b"".join(child.get_payload(decode=True) or b""
                                             for child in children), cte)
        if ctype == "message/delivery-status":
            self.delivery_status = True
        disposition_raw = self._header(part, "content-disposition")
        dparams = _split_params(disposition_raw)[1] if disposition_raw else []
        filename = _param(dparams, "filename", f"{where} filename", self.notes)
        if ctype in ("message/rfc822", "message/global"):
            inner = children[0] if children and cte not in ("base64", "quoted-printable") \
                else _PARSER.parsebytes(data, headersonly=True)
            filename = self._forwarded_name(inner, filename, where)
        self._attach(filename, ctype, data, None, False, section or "1")

    def _forwarded_name(self, inner: Message, filename: str | None, where: str) -> str:
        subject = self._header(inner, "subject")
        name = _fold(_decode_header(subject, where, self.notes)) if subject else ""
        if name:
            return re.sub(r"[\\/]", "_", name) + ".eml"
        if filename:
            return filename
        return "forwarded-message.eml"

    def _attach(self, filename: str | None, ctype: str, data: bytes, content_id: str | None,
                inline: bool, section: str) -> None:
        if not filename:
            stem = _DEFAULT_STEMS.get(ctype, f"part-{section}")
            filename = f"{stem}{_EXTENSIONS.get(ctype, '.bin')}"
        if self.max_part_size is not None and len(data) > self.max_part_size:
            self.skipped.append(SkippedPart(
                filename=filename, content_type=ctype, size=len(data),
                reason=f"larger than the limit of {self.max_part_size} bytes",
            ))
            return
        self.attachments.append(ParsedAttachment(
            filename=filename, content_type=ctype, content=data, content_id=content_id,
            inline=inline,
        ))

    def body(self) -> tuple[str, str | None]:
        texts = []
        for plain, html in self.segments:
            if plain is not None and (plain.strip() or html is None):
                texts.append(plain)
            elif html is not None:
                texts.append(html_to_text(html))
        text = "\n\n".join(piece.strip("\n") for piece in texts if piece.strip()).rstrip()
        if not any(html is not None for _, html in self.segments):
            return text, None
        markup = "\n".join(html if html is not None else f"<pre>{escape(plain or '')}</pre>"
                           for plain, html in self.segments)
        return text, sanitize_html(markup).strip()


def _transfer_decode(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        decoded = _lenient_base64(data)
        return data if decoded is None else decoded
    if cte == "quoted-printable":
        return quopri.decodestring(data)
    return data


def _serialise(message: Message, where: str, notes: _Notes) -> bytes:
    try:
        return message.as_bytes(policy=compat32)
    except (ValueError, TypeError, LookupError, UnicodeError, email_errors.MessageError):
        notes.add(f"{where}: embedded message could not be written back, kept its body")
        payload = message.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""


# -- the entry point --------------------------------------------------------------------

def parse_message(raw: bytes, *, max_part_size: int | None = None) -> ParsedMessage:
    """Parse the raw bytes of one e-mail.

    *max_part_size* limits attachments, inline images and forwarded messages
    (decoded size in bytes): a larger part is listed in ``skipped``, not kept.
    Raises :class:`MalformedMessage` when *raw* is not an e-mail at all.
    """
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise TypeError(f"parse_message() takes bytes, not {type(raw).__name__}")
    if not raw.strip():
        raise MalformedMessage("empty message")
    try:
        message = _PARSER.parsebytes(raw)
    except RecursionError:
        raise MalformedMessage("MIME structure nested too deeply") from None
    if not message.keys():
        raise MalformedMessage("no header fields")

    reader = _Reader(max_part_size)
    notes = reader.notes
    fields = _fields(message)
    thread = _thread_headers(fields, notes)

    def first(name: str) -> str | None:
        values = fields.get(name)
        return values[0] if values else None

    def decoded(name: str) -> str | None:
        value = first(name)
        return None if value is None else _fold(_decode_header(value, name.title(), notes))

    senders = _address_pairs(fields.get("from", []))
    from_name = _fold(_decode_header(senders[0][0], "From", notes)) if senders else ""
    reply_to = _addresses(fields.get("reply-to", []), "Reply-To", notes)
    date = first("date")

    reader.walk(message, "", 0)
    text, html = reader.body()

    headers = {name: value for name in KEPT_HEADERS
               if (value := decoded(name)) is not None}
    ctype, ctparams = _split_params(first("content-type") or "")
    sender_local = (senders[0][1].split("@")[0].strip().lower() if senders else "")
    return_path = first("return-path")
    is_bounce = (
        (ctype == "multipart/report"
         and dict(ctparams).get("report-type", "").strip().lower() == "delivery-status")
        or reader.delivery_status
        or sender_local in ("mailer-daemon", "postmaster")
        or (return_path is not None and re.fullmatch(r"\s*<\s*>\s*", return_path) is not None)
    )
    return ParsedMessage(
        message_id=thread.message_id,
        in_reply_to=thread.in_reply_to,
        references=thread.references,
        subject=thread.subject,
        from_address=thread.from_address,
        from_name=from_name,
        reply_to=reply_to[0] if reply_to else None,
        to=tuple(_addresses(fields.get("to", []), "To", notes)),
        cc=tuple(_addresses(fields.get("cc", []), "Cc", notes)),
        date=_date(date, notes) if date is not None else None,
        text=text,
        html=html,
        attachments=tuple(reader.attachments),
        skipped=tuple(reader.skipped),
        headers=MappingProxyType(headers),
        defects=tuple(notes),
        is_bounce=is_bounce,
    )


@dataclass(frozen=True)
class ThreadHeaders:
    """Who wrote a message and what it answers, as :func:`parse_message` reads them."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str | None


def read_thread_headers(raw: bytes) -> ThreadHeaders:
    """The :class:`ThreadHeaders` of ``raw`` from its header block alone: the body is
    neither parsed nor decoded (a tenth of :func:`parse_message`'s time or less)."""
    end = _HEADER_END.search(raw)
    return _thread_headers(_fields(_HEADER_PARSER.parsebytes(raw[:end.start()] if end else raw)),
                           _Notes())


def _fields(message: Message) -> dict[str, list[str]]:
    """The header fields of ``message`` by lower-case name, each value unfolded."""
    fields: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        fields.setdefault(name.lower(), []).append(_unfold(value))
    return fields


def _thread_headers(fields: dict[str, list[str]], notes: _Notes) -> ThreadHeaders:
    def first(name: str) -> str | None:
        values = fields.get(name)
        return values[0] if values else None

    subject = first("subject")
    senders = _address_pairs(fields.get("from", []))
    from_addresses = _addresses(fields.get("from", []), "From", notes, senders)
    message_id = first("message-id")
    message_ids = _ids(_decode_8bit(message_id, "Message-ID", notes), single=True) \
        if message_id else []
    return ThreadHeaders(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=tuple(_ids(_decode_8bit(" ".join(fields.get("in-reply-to", [])),
                                            "In-Reply-To", notes))),
        references=tuple(_ids(_decode_8bit(" ".join(fields.get("references", [])),
                                           "References", notes))),
        subject=_fold(_decode_header(subject, "Subject", notes)) if subject is not None else "",
        from_address=from_addresses[0] if from_addresses else None,
    )
