"""The text a robot posts for one notification, and who it mentions.

The text is the notification as the core composed it, in its recipient's language:
the subject, the first lines of the body, every link of the body (the ticket's
page ends it), and a last line that mentions the recipient. Nothing is added
that would need translating; a shortened text ends its last kept line with "…".

A text never exceeds the robot's byte limit (UTF-8), and is cut on a character
boundary: the body's text lines give way first, then the subject; the links and the
mention are kept.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

#: How many lines of the body's text a chat message shows (links are always kept).
BODY_LINES = 8
ELLIPSIS = "…"
_LINK = re.compile(r"^https?://\S+$")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_CHARACTERS = set("0123456789 -().+")


def utf8_prefix(text: str, limit: int) -> str:
    """The longest start of ``text`` that is at most ``limit`` bytes in UTF-8
    (a character is never cut in half)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    # Only the last, incomplete character can fail to decode: drop its bytes.
    return data[:max(limit, 0)].decode("utf-8", "ignore")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` bytes with "…" at its end, or ``""`` when even that
    does not fit."""
    room = limit - utf8_len(ELLIPSIS)
    return utf8_prefix(text, room).rstrip() + ELLIPSIS if room > 0 else ""


def mainland_mobile(phone: Any) -> str:
    """The 11-digit mainland China mobile number ``phone`` is written as
    (``+86 138 5555 0100``, ``0086-13855550100``, ``138-5555-0100``); ``""`` for a
    landline, an extension or anything else, which the robots cannot mention."""
    value = str(phone or "").strip()
    if not value or not set(value) <= _PHONE_CHARACTERS:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    return digits if _MAINLAND_MOBILE.match(digits) else ""


def recipient(data: Mapping[str, Any]) -> tuple[str, str]:
    """The recipient's mobile number (mentionable, or ``""``) and display name from the
    notification's data (``mobile`` and ``name``, set by the outbox for chat rows)."""
    name = " ".join(str(data.get("name") or "").split())
    return mainland_mobile(data.get("mobile")), name


def chat_text(subject: str, body: str, *, limit: int, mention: str = "") -> str:
    """The subject, the body's first :data:`BODY_LINES` lines of text and all its links,
    then ``mention`` on a line of its own, in at most ``limit`` bytes of UTF-8."""
    subject = " ".join(subject.split())
    lines, more = _body_lines(body)
    if more:  # text lines were left out: the last one kept ends with "…"
        last = max(i for i, (line, link) in enumerate(lines) if line and not link)
        lines[last] = (lines[last][0] + ELLIPSIS, False)
    tail = [mention] if mention else []
    text = _joined(subject, lines, tail)
    if utf8_len(text) <= limit:
        return text
    # Too long: the body's text gives way, then the subject; links and mention stay.
    kept = [(line, True) for line, link in lines if link]
    room = limit - utf8_len(_joined(subject, kept, tail))
    fitted = _fit_text(lines, room)
    text = _joined(subject, fitted, tail)
    if utf8_len(text) <= limit:
        return text
    without_subject = utf8_len(_joined("", kept, tail)) + 1
    text = _joined(shortened(subject, limit - without_subject), kept, tail)
    return utf8_prefix(text, limit)  # links longer than the limit: nothing else to do


def _body_lines(body: str) -> tuple[list[tuple[str, bool]], bool]:
    """The body's lines as ``(line, is_link)``: runs of blank lines made one, the text
    lines after the first :data:`BODY_LINES` left out (``True`` second if any were)."""
    lines: list[tuple[str, bool]] = []
    text_lines = 0
    more = False
    for raw in body.splitlines():
        line = raw.rstrip()
        link = bool(_LINK.match(line.strip()))
        if link:
            line = line.strip()
        elif line.strip():
            if text_lines >= BODY_LINES:
                more = True
                continue
            text_lines += 1
        elif not lines or not lines[-1][0]:
            continue  # blank: not at the start, never two
        lines.append((line, link))
    while lines and not lines[-1][0]:
        lines.pop()
    return lines, more


def _fit_text(lines: list[tuple[str, bool]], room: int) -> list[tuple[str, bool]]:
    """``lines`` with their text cut to ``room`` bytes (newlines counted): text lines are
    kept in order while they fit; the first that does not is shortened, and of the
    later ones only a blank line before a link stays."""
    fitted: list[tuple[str, bool]] = []
    full = False
    for index, (line, link) in enumerate(lines):
        cost = utf8_len(line) + 1
        if link:
            fitted.append((line, True))
        elif not full and cost <= room:
            fitted.append((line, False))
            room -= cost
        elif not full:
            full = True
            links_follow = any(later for _, later in lines[index + 1:])
            cut = shortened(line, room - 1 - links_follow)  # keep a byte for a blank line
            if cut:
                fitted.append((cut, False))
                room -= utf8_len(cut) + 1
        elif not line and cost <= room and fitted and fitted[-1][0]:
            fitted.append((line, False))
            room -= cost
    while fitted and not fitted[-1][0]:
        fitted.pop()
    return fitted


def _joined(subject: str, lines: list[tuple[str, bool]], tail: list[str]) -> str:
    parts = ([subject] if subject else []) + [line for line, _ in lines] + tail
    return "\n".join(parts)
