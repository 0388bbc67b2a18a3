"""Where the new text of a reply ends and the quoted history begins.

:func:`split_quoted` cuts a plain-text body in two, ``new + quoted == text``,
so the raw text is kept intact and a page can fold the history. It knows the
shapes mail clients give to history:

- a trailing block of ``>`` lines, with the attribution line before it
  ("On Mon, 3 Jun 2024, Zhang San wrote:", the Chinese "在 ... 写道：" and "... 写道：",
  and the French, German and Spanish forms);
- Outlook's "-----Original Message-----" (Chinese Outlook: "-----邮件原件-----"),
  Foxmail's and QQ Mail's "------------------ 原始邮件 ------------------";
- a header block: "From: ..." (or "发件人:") followed within four lines by two
  of "Sent:", "Date:", "To:", "Subject:" (or "发送时间:", "收件人:", "主题:"),
  with Outlook's "________________" rule above it if there is one.

Interleaved replies (quotes with answers below them) are not cut: only a quote
that runs to the end of the text is history. A forwarded message ("----------
Forwarded message ---------", "Begin forwarded message:", "转发的邮件") is the
content of the mail, not history, so its header block does not start one.
"""
from __future__ import annotations

import re

__all__ = ["split_quoted"]

_QUOTED = re.compile(r"[ \t]*>")
_ORIGINAL_MESSAGE = re.compile(
    r"[ \t]*-{2,}[ \t]*(?:Original Message|Original-Nachricht|Ursprüngliche Nachricht|"
    r"Message d'origine|Mensaje original|原始邮件|邮件原件|原始郵件|郵件原件)[ \t]*-{2,}[ \t]*$",
    re.IGNORECASE,
)
_HEADER_FIELD = r"[ \t]*\*?(?:{})\*?[ \t]*[:：]"
_FROM = re.compile(_HEADER_FIELD.format(r"From|Von|De|发件人|寄件者|寄件人"), re.IGNORECASE)
_NEXT_FIELD = re.compile(
    _HEADER_FIELD.format(
        r"Sent|Date|To|Subject|Cc|Gesendet|Datum|An|Betreff|Envoyé|Objet|Enviado|Asunto|"
        r"发送时间|时间|日期|收件人|主题|抄送|寄件日期|收件者|主旨|副本"
    ),
    re.IGNORECASE,
)
_RULE = re.compile(r"[ \t]*_{10,}[ \t]*$")
_FORWARDED = re.compile(
    r"[ \t]*(?:-{3,}[ \t]*(?:Forwarded message|转发的邮件|轉寄郵件|Weitergeleitete Nachricht)"
    r"|Begin forwarded message:|转发的邮件[：:]|-{3,}[ \t]*转发邮件信息)",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"[ \t]*(?:On\b.{0,400}\bwrote[ \t]*:"
    r"|Le\b.{0,400}\ba écrit[ \t]*:"
    r"|Am\b.{0,400}\bschrieb.{0,200}:"
    r"|El\b.{0,400}\bescribió[ \t]*:"
    r"|.{1,400}(?:写道|寫道)[ \t]*[：:])"
    r"[ \t]*$",
    re.IGNORECASE,
)


def split_quoted(text: str) -> tuple[str, str]:
    """Split *text* into ``(new, quoted)`` with ``new + quoted == text``.

    ``quoted`` is empty when no history is found; ``new`` is empty when the
    whole text is history.
    """
    if not text:
        return "", ""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = _first_marker(lines)
    trailing = _trailing_quote(lines)
    if trailing is not None and (start is None or trailing < start):
        start = trailing
    if start is None:
        return text, ""
    return text[:offsets[start]], text[offsets[start]:]


def _first_marker(lines: list[str]) -> int | None:
    """The first line of an Outlook- or Foxmail-style history block."""
    for index, line in enumerate(lines):
        if _ORIGINAL_MESSAGE.match(line.rstrip("\r\n")):
            return index
        if _FROM.match(line) and _header_block(lines, index) and not _forwarded(lines, index):
            return _rule_above(lines, index)
    return None


def _header_block(lines: list[str], index: int) -> bool:
    """Whether the "From:" line at *index* starts a block of header fields.

    Two more fields are needed in the next four lines (Outlook writes Sent, To,
    Subject): a contact form's "From: ... / Subject: ..." is content.
    """
    following = [line for line in lines[index + 1:index + 6] if line.strip()][:4]
    return sum(1 for line in following if _NEXT_FIELD.match(line)) >= 2


def _forwarded(lines: list[str], index: int) -> bool:
    """Whether a forwarding marker sits just above the header block at *index*."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above >= 0 and bool(_FORWARDED.match(lines[above]))


def _rule_above(lines: list[str], index: int) -> int:
    """Move the start up to Outlook's "____" rule (and blank lines) above it."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and _RULE.match(lines[above].rstrip("\r\n")):
        return above
    return index


def _trailing_quote(lines: list[str]) -> int | None:
    """The first line of the quote that runs to the end, with its attribution."""
    first = None
    index = len(lines) - 1
    while index >= 0 and (not lines[index].strip() or _QUOTED.match(lines[index])):
        if lines[index].strip():
            first = index
        index -= 1
    if first is None:
        return None
    # The attribution line, possibly wrapped over two lines, above the quote.
    above = first - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0:
        if _ATTRIBUTION.match(lines[above].rstrip("\r\n")):
            return above
        if above >= 1 and _ATTRIBUTION.match(lines[above - 1].rstrip("\r\n") + " "
                                             + lines[above].strip()):
            return above - 1
    return first
