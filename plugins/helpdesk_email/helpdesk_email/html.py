"""HTML mail bodies: a sanitised copy for display and a plain-text rendering.

:func:`sanitize_html` keeps what a mail client may show (text, tables, images
from ``cid:`` parts or the web, ``mailto:`` links) and drops scripts, style
sheets, event handlers and every other URL scheme; it uses nh3 (ammonia).

:func:`html_to_text` renders the text a reader sees: paragraphs separated by a
blank line, ``<br>`` as a line break, list items as ``- item`` or ``1. item``,
links as ``text <url>``, and ``<blockquote>`` as ``> `` lines so that quoted
history can be folded by :func:`helpdesk_email.quoting.split_quoted`. It uses
only the standard library's :mod:`html.parser`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

__all__ = ["sanitize_html", "html_to_text"]

_CLEANER = nh3.Cleaner(
    url_schemes={"http", "https", "mailto", "cid"},
    # Removed with their content: code, style sheets, and the document head
    # (its <title> would otherwise leak into the body as text).
    clean_content_tags={"script", "style", "head", "title", "template", "noscript", "xml"},
)


def sanitize_html(html: str) -> str:
    """Return *html* made safe to embed in a helpdesk page."""
    if not html:
        return ""
    return _CLEANER.clean(html)


# Elements whose content is not shown.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
# Elements that start and end a paragraph (a blank line around them).
_PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre",
    "blockquote", "figure",
})
# Elements that start and end a line.
_LINE = frozenset({
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "aside",
    "nav", "address", "form", "fieldset", "center", "figcaption", "caption", "main",
    "details", "summary", "body", "html", "hr",
})
_SPACES = re.compile(r"[ \t\n\r\f\xa0]+")
_TEXT_LINK_SCHEMES = ("http:", "https:", "ftp:", "mailto:")


class _TextRenderer(HTMLParser):
    """Collects lines of ``[quote depth, text]``; see :func:`html_to_text`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list] = []
        self._pending = 0          # line breaks owed before the next text
        self._hidden: list[str] = []
        self._pre = 0
        self._quote = 0
        self._lists: list[list] = []   # [tag, next number]
        self._links: list[list] = []   # [href, collected text]
        self._cells = 0

    # -- output ------------------------------------------------------------
    def _break(self, count: int) -> None:
        self._pending = max(self._pending, count)

    def _open_line(self) -> list:
        """The line to write into, starting new lines for owed breaks."""
        if not self.lines:
            self._pending = 0
            self.lines.append([self._quote, ""])
        elif self._pending:
            # A blank line between quote levels belongs to the outer level.
            blank_depth = min(self.lines[-1][0], self._quote)
            for _ in range(self._pending - 1):
                self.lines.append([blank_depth, ""])
            self.lines.append([self._quote, ""])
            self._pending = 0
        return self.lines[-1]

    def _emit(self, text: str) -> None:
        """Write *text* verbatim (bullets, separators, preformatted text)."""
        line = self._open_line()
        line[1] += text
        for link in self._links:
            link[1].append(text)

    def _write(self, data: str) -> None:
        if self._pre:
            for number, chunk in enumerate(data.replace("\r\n", "\n").split("\n")):
                if number:
                    self._open_line()
                    self.lines.append([self._quote, ""])
                if chunk:
                    self._emit(chunk.replace("\xa0", " "))
            return
        text = _SPACES.sub(" ", data)
        if not text.strip(" "):
            # Whitespace between blocks neither starts a line nor doubles a space.
            if (self.lines and not self._pending and self.lines[-1][1]
                    and not self.lines[-1][1].endswith(" ")):
                self._emit(" ")
            return
        starts_line = not self.lines or self._pending
        line = self._open_line()
        if starts_line or not line[1] or line[1].endswith(" "):
            text = text.lstrip(" ")
        self._emit(text)

    # -- parser callbacks ----------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body":
            self._hidden.clear()
        if tag in _HIDDEN:
            self._hidden.append(tag)
            return
        if self._hidden:
            return
        if tag == "br":
            self._pending += 1
        elif tag == "blockquote":
            self._break(2)
            self._quote += 1
        elif tag in _PARAGRAPH:
            # A list inside a list item continues it on the next line.
            self._break(1 if tag in ("ul", "ol") and self._lists else 2)
            if tag == "pre":
                self._pre += 1
            elif tag in ("ul", "ol"):
                self._lists.append([tag, 1])
            elif tag == "table":
                self._cells = 0
        elif tag in _LINE:
            self._break(1)
            if tag == "li":
                self._list_item(attrs)
            elif tag == "tr":
                self._cells = 0
            elif tag == "hr":
                self._emit("---")
                self._break(1)
        elif tag in ("td", "th"):
            if self._cells:
                self._emit("\t")
            self._cells += 1
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self._links.append([href, []])
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self._write(f" {alt} ")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def _list_item(self, attrs: list) -> None:
        indent = "  " * max(len(self._lists) - 1, 0)
        if self._lists and self._lists[-1][0] == "ol":
            bullet = f"{self._lists[-1][1]}. "
            self._lists[-1][1] += 1
        else:
            bullet = "- "
        self._emit(indent + bullet)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self._hidden:
                while self._hidden and self._hidden.pop() != tag:
                    pass
            return
        if self._hidden:
            return
        if tag == "blockquote":
            self._break(2)
            self._quote = max(self._quote - 1, 0)
        elif tag in _PARAGRAPH:
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            self._break(1 if tag in ("ul", "ol") and self._lists else 2)
            if tag == "pre":
                self._pre = max(self._pre - 1, 0)
        elif tag in _LINE:
            self._break(1)
        elif tag == "a" and self._links:
            self._end_link(*self._links.pop())

    def _end_link(self, href: str, collected: list[str]) -> None:
        text = " ".join("".join(collected).split())
        lowered = href.lower()
        if not lowered.startswith(_TEXT_LINK_SCHEMES):
            return
        target = href[len("mailto:"):] if lowered.startswith("mailto:") else href
        if text in (href, target) or text.rstrip("/") == href.rstrip("/"):
            return
        self._write(f" <{target}>" if text else f"<{target}>")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._write(data)


def html_to_text(html: str) -> str:
    """Render *html* as readable plain text (see the module docstring)."""
    if not html:
        return ""
    renderer = _TextRenderer()
    renderer.feed(html)
    renderer.close()
    out: list[str] = []
    blank = False
    for depth, text in renderer.lines:
        text = text.rstrip()
        if not text.strip():
            if out and not blank:
                out.append(">" * depth)
            blank = True
            continue
        blank = False
        out.append(f"{'>' * depth} {text}" if depth else text)
    while out and not out[-1].strip(">"):
        out.pop()
    return "\n".join(out)
