"""HTML mail: what staff may see (sanitize_html) and what the conversation and
search read (html_to_text)."""
from __future__ import annotations

import pytest

from helpdesk_email.html import html_to_text, sanitize_html

# -- sanitize_html -----------------------------------------------------------------------


@pytest.mark.parametrize("unsafe, gone", [
    ("<p>hi</p><script>alert(document.cookie)</script>", ["<script", "alert", "cookie"]),
    ("<style>p { color: red }</style><p>hi</p>", ["<style", "color"]),
    ('<p onclick="steal()" onmouseover="x()">hi</p>', ["onclick", "onmouseover", "steal"]),
    ('<img src="x.png" onerror="steal()">', ["onerror", "steal"]),
    ('<a href="javascript:alert(1)">hi</a>', ["javascript", "alert"]),
    ('<a href="vbscript:msgbox(1)">hi</a>', ["vbscript"]),
    ('<iframe src="https://evil.example.net/"></iframe><p>hi</p>', ["<iframe", "evil"]),
    ('<form action="https://evil.example.net/"><input name="pw"></form>', ["<form", "<input"]),
    ("<head><title>Secret title</title></head><body>hi</body>", ["Secret title", "<title"]),
    ('<img src="data:image/png;base64,iVBORw0KGgo=">', ["data:"]),
])
def test_unsafe_markup_is_removed(unsafe, gone):
    clean = sanitize_html(unsafe)
    for fragment in gone:
        assert fragment not in clean


@pytest.mark.parametrize("url", [
    "cid:image001.png@01DAB5F2.3C4D5E60",
    "https://intranet.example.org/a?b=c",
    "http://intranet.example.org/",
])
def test_images_from_cid_parts_and_the_web_are_kept(url):
    assert f'<img src="{url.replace("&", "&amp;")}">' in sanitize_html(f'<img src="{url}">')


def test_links_keep_http_https_and_mailto_and_open_safely():
    clean = sanitize_html('<a href="https://example.org/">web</a> '
                          '<a href="mailto:support@example.com">mail</a>')
    assert '<a href="https://example.org/" rel="noopener noreferrer">web</a>' in clean
    assert '<a href="mailto:support@example.com" rel="noopener noreferrer">mail</a>' in clean


def test_text_and_structure_are_kept():
    html = ("<div><p>您好，<b>打印机</b>卡纸了。</p><ul><li>一楼</li></ul>"
            "<table><tr><td>A</td></tr></table><blockquote>引用</blockquote></div>")
    clean = sanitize_html(html)
    for kept in ("<p>您好，<b>打印机</b>卡纸了。</p>", "<li>一楼</li>", "<td>A</td>",
                 "<blockquote>引用</blockquote>"):
        assert kept in clean


def test_empty_input_gives_empty_output():
    assert sanitize_html("") == ""
    assert html_to_text("") == ""


# -- html_to_text ------------------------------------------------------------------------

def test_paragraphs_are_separated_by_a_blank_line_and_br_breaks_a_line():
    html = "<p>Hello,</p><p>the printer<br>is jammed.</p><p>Thanks</p>"
    assert html_to_text(html) == "Hello,\n\nthe printer\nis jammed.\n\nThanks"


def test_gmail_divs_give_one_line_each_and_empty_divs_a_blank_line():
    html = ('<div dir="ltr">第一行<div>第二行</div><div><br></div><div>第三行</div></div>')
    assert html_to_text(html) == "第一行\n第二行\n\n第三行"


def test_white_space_of_the_source_is_collapsed_but_not_inside_pre():
    html = "<p>one\n   two\t three</p><pre>  indented\n    more</pre>"
    assert html_to_text(html) == "one two three\n\n  indented\n    more"


def test_lists_become_bullets_and_numbers():
    html = "<ul><li>disk</li><li>memory<ol><li>slot A</li><li>slot B</li></ol></li></ul>"
    assert html_to_text(html) == "- disk\n- memory\n  1. slot A\n  2. slot B"


def test_links_are_written_as_text_and_url():
    html = ('<p>See <a href="https://intranet.example.org/vpn">the VPN guide</a>, '
            '<a href="https://example.org/">https://example.org/</a>, '
            'write to <a href="mailto:support@example.com">support@example.com</a> or '
            '<a href="mailto:it@example.com">the IT team</a>; '
            '<a href="#top">top</a>, <a href="cid:x">image</a>.</p>')
    assert html_to_text(html) == (
        "See the VPN guide <https://intranet.example.org/vpn>, https://example.org/, "
        "write to support@example.com or the IT team <it@example.com>; top, image.")


def test_blockquotes_become_quoted_lines():
    html = ('<div>我同意。</div><div class="gmail_quote">在 2024年6月6日 写道：<br>'
            '<blockquote>请重启。<br>谢谢<blockquote>更早的</blockquote></blockquote></div>')
    assert html_to_text(html) == (
        "我同意。\n在 2024年6月6日 写道：\n\n> 请重启。\n> 谢谢\n>\n>> 更早的")


def test_hidden_content_is_not_rendered():
    html = ("<html><head><title>T</title><style>p{}</style><script>var x;</script></head>"
            "<body><p>visible</p><script>alert(1)</script><noscript>no</noscript></body></html>")
    assert html_to_text(html) == "visible"


def test_an_unclosed_head_does_not_hide_the_body():
    assert html_to_text("<html><head><title>T<body><p>body text</p>") == "body text"


def test_word_html_from_outlook_reads_like_the_message():
    html = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style><!-- p.MsoNormal {margin:0cm;} --></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]--></head>
<body lang="EN-US"><div class="WordSection1">
<p class="MsoNormal">Hi,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">The <b>VPN</b> &amp; the proxy fail.<o:p></o:p></p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt">
<p class="MsoNormal"><b>From:</b> IT Support &lt;support@example.com&gt;<br>
<b>Sent:</b> Monday, June 3, 2024 9:15 AM</p></div></div></body></html>"""
    assert html_to_text(html) == (
        "Hi,\n\nThe VPN & the proxy fail.\n\n"
        "From: IT Support <support@example.com>\nSent: Monday, June 3, 2024 9:15 AM")


def test_tables_give_one_line_per_row():
    html = "<table><tr><th>姓名</th><th>部门</th></tr><tr><td>王五</td><td>市场部</td></tr></table>"
    assert html_to_text(html) == "姓名\t部门\n王五\t市场部"


def test_entities_and_image_alt_text():
    html = '<p>5 &lt; 6 &amp;&amp; 7 &gt; 3&nbsp;&euro;</p><p><img src="cid:x" alt="Logo">Co.</p>'
    assert html_to_text(html) == "5 < 6 && 7 > 3 €\n\nLogo Co."


def test_hr_and_headings():
    assert html_to_text("<h1>Title</h1>text<hr>after") == "Title\n\ntext\n---\nafter"
