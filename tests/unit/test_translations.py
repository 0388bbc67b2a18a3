"""Every user-visible string is marked for translation and translated to zh_CN.

Two checks, for the core and for every plugin that ships pages:

* each text node and each visible attribute (title, placeholder, alt,
  aria-label) of a page template is marked with ``i18n:translate`` or
  ``i18n:attributes`` (text made only of ``${...}`` expressions is data);
* each message extracted by lingua (templates and ``_()`` calls) has a
  non-fuzzy zh_CN translation in the domain's catalog.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# (domain, package directory) of each translated unit.
DOMAINS = [("pyramid_helpdesk", ROOT / "pyramid_helpdesk")] + [
    (package.name, package)
    for package in sorted(ROOT.glob("plugins/*/*"))
    if (package / "locale").is_dir()
]
TEMPLATE_ROOTS = [ROOT / "pyramid_helpdesk" / "templates"] + sorted(
    ROOT.glob("plugins/*/*/templates"))
TEMPLATES = sorted(path for root in TEMPLATE_ROOTS for path in root.rglob("*.pt"))
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
EXPRESSION = re.compile(r"\$\{[^}]*\}")
WORDS = re.compile(r"[A-Za-z]{2,}")


class UnmarkedText(HTMLParser):
    """Collects text and attributes a reader sees that are not marked for translation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside a translated element)
        self.unmarked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        inherited = self.stack[-1][1] if self.stack else False
        # Text in another language on purpose (lang=...) or computed (tal:content) is data.
        translated = (inherited or "i18n:translate" in attributes or "lang" in attributes
                      or "tal:content" in attributes or "tal:replace" in attributes)
        marked_attributes = set((attributes.get("i18n:attributes") or "").replace(";", " ")
                                .split())
        for name in VISIBLE_ATTRIBUTES & attributes.keys():
            value = EXPRESSION.sub("", attributes[name] or "")
            if WORDS.search(value) and name not in marked_attributes:
                self.unmarked.append(f'<{tag} {name}="{attributes[name]}">')
        if tag not in VOID:
            self.stack.append((tag, translated))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        text = EXPRESSION.sub("", data).strip()
        translated = self.stack[-1][1] if self.stack else False
        if WORDS.search(text) and not translated:
            self.unmarked.append(text)


def unmarked_text(template: Path) -> list[str]:
    """The visible strings of ``template`` that are not marked for translation."""
    parser = UnmarkedText()
    parser.feed(template.read_text(encoding="utf-8"))
    return parser.unmarked


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_visible_string_of_a_template_is_marked_for_translation(template):
    assert unmarked_text(template) == []


def untranslated(domain: str, package: Path, tmp_path: Path) -> list[str]:
    """Messages lingua extracts from ``package`` that its zh_CN catalog does not translate."""
    pot = tmp_path / f"{domain}.pot"
    pot_create = Path(sys.executable).with_name("pot-create")
    subprocess.run([str(pot_create), "-d", domain, "-o", str(pot), str(package)],
                   check=True, capture_output=True)
    with pot.open("rb") as extracted:
        template = read_po(extracted)
    with (package / "locale" / "zh_CN" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po_file:
        catalog = read_po(po_file)
    missing = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message.id)
    return missing


@pytest.mark.skipif(shutil.which("pot-create", path=str(Path(sys.executable).parent)) is None,
                    reason="lingua is not installed")
@pytest.mark.parametrize("domain,package", DOMAINS, ids=[d for d, _ in DOMAINS])
def test_every_extracted_message_has_a_chinese_translation(domain, package, tmp_path):
    assert untranslated(domain, package, tmp_path) == []
