"""A deterministic, mixed corpus of e-mails for the ingestion rows (bench/mail.py).

``generate(2000)`` returns the same 2,000 messages on every machine and in every
run: everything random comes from one ``random.Random(seed)``. The mix is what
a helpdesk in a Chinese-and-international company receives:

- plain UTF-8 (8-bit bodies, some with raw 8-bit UTF-8 headers), quoted-printable
  and base64 bodies;
- GBK text labelled GB2312 (with characters outside GB2312 such as 堃, 喆, 镕, 啰),
  Foxmail-style raw 8-bit GBK headers, Big5, ISO-2022-JP, KOI8-R and
  windows-1252 (some labelled ISO-8859-1, as Outlook does);
- HTML-only messages, multipart/alternative, small attachments (a few KB; file
  names in RFC 2231, some in Chinese, some continued over two parameters, some
  RFC 2047 in quotes as Outlook and Foxmail write them);
- replies with In-Reply-To/References to earlier messages of the corpus (most
  from the requester, so they become follow-ups), out-of-office auto-replies,
  a few bounces (delivery status reports), a few messages without Message-ID,
  and a few exact redeliveries of earlier messages (which must be recognised as
  duplicates);
- the ``.eml`` files of ``tests/email/corpus/`` when present, as extra
  templates: each copy is sent to the helpdesk's address with a new Message-ID.

Every address is at example.org, example.net or example.com, every name is
made up. Each generated message carries what it should parse to (subject,
sender, attachment names), so the parse row can check the parser, not only
time it; template copies carry ``None`` there.
"""
from __future__ import annotations

import base64
import quopri
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

SEED = 20261128
DEFAULT_COUNT = 2000
SERVICE = "helpdesk@example.org"
TEMPLATES = Path(__file__).resolve().parent.parent / "tests" / "email" / "corpus"
DOMAINS = ("example.org", "example.net", "example.com")
START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone(timedelta(hours=8)))

# Share of each kind, per thousand. Every kind appears at least once when the
# corpus has at least as many messages as there are kinds.
WEIGHTS = {
    "plain_utf8": 120,
    "utf8_qp": 70,
    "utf8_base64": 70,
    "gb2312_gbk": 70,
    "gbk_raw_headers": 50,
    "big5": 40,
    "iso2022jp": 40,
    "koi8r": 30,
    "windows1252": 40,
    "html_only": 50,
    "alternative": 100,
    "attachment": 70,
    "reply": 140,
    "auto_reply": 25,
    "bounce": 8,
    "no_message_id": 7,
    "template": 65,
    "redelivery": 5,
}
# Kinds that need an earlier message of the corpus; the first two messages never are.
DEPENDENT = frozenset({"reply", "auto_reply", "redelivery"})
# Kinds that start a thread others may reply to.
STARTERS = frozenset({"plain_utf8", "utf8_qp", "utf8_base64", "gb2312_gbk", "gbk_raw_headers",
                      "big5", "iso2022jp", "koi8r", "windows1252", "html_only", "alternative",
                      "attachment"})


@dataclass(frozen=True)
class CorpusMessage:
    """One message of the corpus and what parsing it should give."""

    seq: int
    kind: str
    raw: bytes
    message_id: str | None           # without angle brackets
    subject: str | None = None       # expected decoded subject (None: not checked)
    sender: str | None = None        # expected From address (None: not checked)
    attachments: tuple[str, ...] = ()  # expected attachment file names


# -- languages and people --------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    code: str
    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    sentences: tuple[str, ...]
    closings: tuple[str, ...]
    reply_prefixes: tuple[str, ...]
    auto_prefix: str
    out_of_office: str
    names: tuple[tuple[str, str], ...]   # (display name, ASCII local part)
    files: tuple[str, ...]


LANGUAGES = {
    "zh": Language(
        "zh",
        ("打印机无法连接", "邮箱登录失败，提示密码错误", "VPN 连接经常断开", "申请开通共享盘权限",
         "会议室投影仪没有信号", "报销系统打不开", "电脑开机蓝屏", "新员工账号申请",
         "密码过期无法重置", "办公室网络很慢", "Outlook 无法收发邮件", "请协助安装财务软件"),
        ("您好，", "你好！", "IT 同事您好：", "各位好，"),
        ("我的电脑从今天早上开始无法连接打印机。", "已经重启过两次，问题依旧。",
         "错误提示是“拒绝访问”。", "附件是出错时的截图。", "我在{n}楼东侧办公室，分机 {ext}。",
         "同事那边也有同样的问题。", "昨天下午还可以正常使用。",
         "麻烦尽快帮忙看一下，下午要给客户演示。", "系统提示需要管理员权限。",
         "我已经清除了浏览器缓存，还是不行。", "请问是否需要提交申请单？",
         "打开文件时一直转圈，最后显示超时。"),
        ("谢谢！", "辛苦了，谢谢。", "麻烦了！"),
        ("回复：", "Re: ", "答复: "),
        "自动回复: ",
        "您好，我{n}日前休假，期间不能及时回复邮件。紧急事务请联系部门助理。",
        (("王伟", "wang.wei"), ("李芳", "li.fang"), ("张娜", "zhang.na"), ("刘敏", "liu.min"),
         ("陈静", "chen.jing"), ("杨磊", "yang.lei"), ("赵洋", "zhao.yang"),
         ("黄堃", "huang.kun"), ("周喆", "zhou.zhe"), ("吴镕", "wu.rong"),
         ("孙玥", "sun.yue"), ("郑昊天", "zheng.haotian")),
        ("截图.png", "报销单.pdf", "错误日志.txt", "会议纪要.docx", "网络配置说明.pdf"),
    ),
    "tw": Language(
        "tw",
        ("印表機無法列印", "電子郵件無法收信", "請協助設定 VPN", "筆記型電腦無法開機",
         "申請共用資料夾權限", "會議室網路斷線"),
        ("您好，", "IT 同仁您好："),
        ("我的筆記型電腦無法連線到公司網路。", "已經重新開機，還是一樣。",
         "錯誤訊息是「存取被拒」。", "附件是錯誤畫面的截圖。", "我的分機是 {ext}。",
         "昨天下午還可以正常使用。", "同事的電腦也有相同問題。"),
        ("麻煩儘快協助，謝謝！", "感謝您的協助。"),
        ("回覆：", "Re: "),
        "自動回覆: ",
        "您好，我目前休假中，{n}日後回到辦公室。",
        (("陳志明", "chen.zhiming"), ("林淑芬", "lin.shufen"), ("黃建宏", "huang.jianhong"),
         ("張雅婷", "zhang.yating"), ("李家豪", "li.jiahao"), ("王美玲", "wang.meiling")),
        ("截圖.png", "報價單.pdf", "錯誤紀錄.txt"),
    ),
    "ja": Language(
        "ja",
        ("パスワードの再設定について", "プリンターが動きません",
         "会議室の予約システムにログインできません", "メールが送信できません",
         "共有フォルダへのアクセス権限の申請"),
        ("お疲れ様です。", "情報システム部 御中"),
        ("今朝からメールが送信できません。",
         "エラーメッセージは「接続がタイムアウトしました」です。",
         "パソコンを再起動しましたが、改善しません。", "内線番号は{ext}です。",
         "お手数ですが、ご確認をお願いいたします。", "昨日までは問題なく使えていました。",
         "スクリーンショットを添付します。"),
        ("よろしくお願いいたします。",),
        ("Re: ", "RE: "),
        "自動応答: ",
        "ただいま休暇中です。{n}日に出社いたします。",
        (("山田 太郎", "yamada.taro"), ("佐藤 花子", "sato.hanako"), ("鈴木 一郎", "suzuki.ichiro"),
         ("高橋 美咲", "takahashi.misaki"), ("田中 健", "tanaka.ken"), ("伊藤 由美", "ito.yumi")),
        ("スクリーンショット.png", "申請書.pdf"),
    ),
    "ru": Language(
        "ru",
        ("Не работает принтер", "Проблема с доступом к почте", "Прошу сбросить пароль",
         "Не открывается общая папка", "Медленный интернет в офисе"),
        ("Здравствуйте!", "Добрый день."),
        ("С утра не могу войти в систему.", "Перезагрузка не помогла.",
         "Ошибка: доступ запрещён.", "Мой внутренний номер {ext}.",
         "Вчера всё работало нормально.", "У коллег та же проблема.", "Скриншот во вложении."),
        ("Заранее спасибо.", "С уважением,"),
        ("Re: ", "Ответ: "),
        "Автоответ: ",
        "Я в отпуске до {n} числа. Письма будут прочитаны после возвращения.",
        (("Иван Петров", "ivan.petrov"), ("Ольга Смирнова", "olga.smirnova"),
         ("Дмитрий Соколов", "dmitry.sokolov"), ("Анна Кузнецова", "anna.kuznetsova"),
         ("Сергей Попов", "sergey.popov"), ("Мария Волкова", "maria.volkova")),
        ("Скриншот.png", "Заявка.pdf"),
    ),
    "de": Language(
        "de",
        ("Drucker im 2. OG druckt nicht", "Zugang zum Laufwerk „Projekte“ fehlt",
         "Rückfrage zur Rechnung über 120 €", "Passwort läuft ab – bitte zurücksetzen",
         "Bildschirm bleibt schwarz nach dem Update"),
        ("Guten Tag,", "Hallo zusammen,"),
        ("seit heute Morgen funktioniert der Drucker nicht mehr.",
         "Ich habe den Rechner schon zweimal neu gestartet – ohne Erfolg.",
         "Die Fehlermeldung lautet „Zugriff verweigert“.", "Meine Durchwahl ist {ext}.",
         "Gestern hat noch alles funktioniert.", "Ein Kollege hat dasselbe Problem.",
         "Der Screenshot hängt an."),
        ("Viele Grüße", "Mit freundlichen Grüßen"),
        ("AW: ", "Re: "),
        "Abwesenheitsnotiz: ",
        "Ich bin bis zum {n}. nicht im Büro und lese meine E-Mails nach meiner Rückkehr.",
        (("Jürgen Müller", "juergen.mueller"), ("Renée Schäfer", "renee.schaefer"),
         ("Zoë Weiß", "zoe.weiss"), ("Björn Köhler", "bjoern.koehler")),
        ("Überweisung.pdf", "Fehlermeldung.png"),
    ),
    "fr": Language(
        "fr",
        ("Problème d’accès à la messagerie", "Écran noir après la mise à jour",
         "Imprimante du 3e étage hors service", "Demande d’accès au dossier « Finances »"),
        ("Bonjour,", "Bonjour à tous,"),
        ("Le message d’erreur indique « accès refusé ».",
         "J’ai déjà redémarré l’ordinateur, sans succès.", "Mon poste est le {ext}.",
         "Hier tout fonctionnait très bien.", "Une collègue a le même problème.",
         "Vous trouverez la capture d’écran en pièce jointe."),
        ("Merci d’avance pour votre aide.", "Cordialement,"),
        ("RE: ", "Réf. : "),
        "Réponse automatique : ",
        "Je suis absente jusqu’au {n} et lirai vos messages à mon retour.",
        (("Françoise Lefèvre", "francoise.lefevre"), ("José Peña", "jose.pena"),
         ("Chloé Durand", "chloe.durand"), ("Gaëlle Morin", "gaelle.morin")),
        ("Capture d’écran.png", "Facture_été.pdf"),
    ),
    "en": Language(
        "en",
        ("Printer on floor {n} jams", "Cannot log in to the VPN",
         "Outlook keeps asking for my password", "Request: access to the Finance share",
         "Laptop battery drains in an hour", "Projector in meeting room {n} shows no signal",
         "New starter account for Monday", "Wi-Fi drops every few minutes"),
        ("Hi,", "Hello IT team,", "Good morning,"),
        ("Since this morning I cannot print anything.", "I already restarted twice, no change.",
         "The error says “Access denied”.", "My extension is {ext}.",
         "It worked fine yesterday afternoon.", "A colleague has the same problem.",
         "Screenshot attached.", "Could you have a look before the client demo at 3 pm?",
         "I tried clearing the browser cache – didn’t help.",
         "It happens both on the docking station and on Wi-Fi."),
        ("Thanks!", "Thanks a lot,", "Best regards,"),
        ("Re: ", "RE: "),
        "Automatic reply: ",
        "I am out of the office until the {n}th with limited access to e-mail.",
        (("Uma User", "uma.user"), ("Alex Example", "alex.example"), ("Sam Sample", "sam.sample"),
         ("Casey Demo", "casey.demo"), ("Jordan Tester", "jordan.tester"),
         ("Robin Placeholder", "robin.placeholder")),
        ("screenshot.png", "error-log.txt", "invoice.pdf", "network-settings.docx"),
    ),
}

# Languages of messages whose charset can carry any text, by share.
UTF8_LANGUAGES = (("en", 35), ("zh", 35), ("de", 8), ("fr", 7), ("ja", 7), ("ru", 8))
# Characters of GBK that GB2312 lacks: a GB2312 label on such text is a lie.
GBK_ONLY = "堃喆镕玥啰"
GBK_SENTENCE = "另外，打印机旁边的碎纸机也坏了，啰嗦一句。"


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    language: str


def _people(rng: random.Random, per_name: int = 4) -> dict[str, list[Person]]:
    """A few people per made-up name, at the three example domains."""
    pool: dict[str, list[Person]] = {}
    for code, language in LANGUAGES.items():
        people = []
        for name, local in language.names:
            for number in range(per_name):
                domain = DOMAINS[rng.randrange(len(DOMAINS))]
                people.append(Person(name, f"{local}{number or ''}@{domain}", code))
        pool[code] = people
    return pool


# -- encoding helpers ------------------------------------------------------------------

_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def _word(text: str, charset: str, codec: str, mode: str) -> str:
    data = text.encode(codec)
    if mode == "B":
        encoded = base64.b64encode(data).decode("ascii")
    else:
        encoded = "".join("_" if byte == 0x20 else chr(byte) if byte in _Q_SAFE
                          else f"={byte:02X}" for byte in data)
    return f"=?{charset}?{mode}?{encoded}?="


def encoded_words(text: str, charset: str, codec: str | None = None, mode: str = "B") -> str:
    """RFC 2047: ``text`` as encoded-words of at most 75 characters, cut between
    characters, folded onto continuation lines; ASCII text stays as it is."""
    if text.isascii():
        return text
    codec = codec or charset
    words: list[str] = []
    chunk = ""
    for char in text:
        if chunk and len(_word(chunk + char, charset, codec, mode)) > 75:
            words.append(_word(chunk, charset, codec, mode))
            chunk = char
        else:
            chunk += char
    if chunk:
        words.append(_word(chunk, charset, codec, mode))
    return "\n ".join(words)


def _address(person: Person, charset: str, codec: str | None = None, mode: str = "B",
             raw: bool = False) -> str | bytes:
    if person.name.isascii():
        return f"{person.name} <{person.address}>"
    if raw:
        return person.name.encode(codec or charset) + f" <{person.address}>".encode("ascii")
    return f"{encoded_words(person.name, charset, codec, mode)} <{person.address}>"


def _transfer(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data if data.endswith(b"\n") else data + b"\n"


Headers = list[tuple[str, "str | bytes"]]


@dataclass
class Part:
    headers: Headers
    body: bytes


def _leaf(ctype: str, data: bytes, cte: str, charset: str | None = None,
          extra: Headers = ()) -> Part:
    value = f'{ctype}; charset="{charset}"' if charset else ctype
    return Part([("Content-Type", value), ("Content-Transfer-Encoding", cte), *extra],
                _transfer(data, cte))


def _render(headers: Headers) -> bytes:
    out = bytearray()
    for name, value in headers:
        out += name.encode("ascii") + b": "
        out += value if isinstance(value, bytes) else value.encode("ascii")
        out += b"\n"
    return bytes(out)


def _multipart(subtype: str, parts: list[Part], boundary: str, params: str = "",
               preamble: str = "This is a multi-part message in MIME format.\n") -> Part:
    body = bytearray(b"\n" + preamble.encode("ascii") if preamble else b"")
    for part in parts:
        body += f"\n--{boundary}\n".encode("ascii") + _render(part.headers) + b"\n" + part.body
    body += f"\n--{boundary}--\n".encode("ascii")
    return Part([("Content-Type", f'multipart/{subtype};{params}\n boundary="{boundary}"')],
                bytes(body))


# -- the generator ---------------------------------------------------------------------


@dataclass
class _Sent:
    """An earlier message a later one may answer or repeat."""

    message_id: str
    subject: str
    sender: Person
    text: str
    references: tuple[str, ...]
    date: datetime


@dataclass
class _Generator:
    rng: random.Random
    people: dict[str, list[Person]]
    templates: list[tuple[str, bytes]]
    threads: list[_Sent] = field(default_factory=list)
    earlier: list[CorpusMessage] = field(default_factory=list)
    template_queue: list[tuple[str, bytes]] = field(default_factory=list)

    # -- small pieces -----------------------------------------------------------------

    def fill(self, text: str) -> str:
        return text.replace("{n}", str(self.rng.randint(2, 28))).replace(
            "{ext}", str(self.rng.randint(1000, 9999)))

    def language(self, codes=UTF8_LANGUAGES) -> str:
        names = [c for c, _ in codes]
        return self.rng.choices(names, weights=[w for _, w in codes])[0]

    def person(self, language: str) -> Person:
        return self.rng.choice(self.people[language])

    def subject(self, language: str) -> str:
        return self.fill(self.rng.choice(LANGUAGES[language].subjects))

    def text(self, language: str, person: Person, lo: int = 2, hi: int = 7,
             extra: str = "") -> str:
        lang = LANGUAGES[language]
        rng = self.rng
        sentences = [self.fill(s) for s in rng.sample(lang.sentences,
                                                        min(len(lang.sentences),
                                                            rng.randint(lo, hi)))]
        if extra:
            sentences.insert(rng.randrange(len(sentences) + 1), extra)
        join = "" if language in ("zh", "tw", "ja") else " "
        paragraphs = []
        while sentences:
            take = rng.randint(1, 3)
            paragraphs.append(join.join(sentences[:take]))
            sentences = sentences[take:]
        return "\n\n".join([rng.choice(lang.openings), *paragraphs,
                            f"{rng.choice(lang.closings)}\n{person.name}"]) + "\n"

    def html(self, text: str, script: bool = False) -> str:
        paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>\n"
                             for p in text.strip().split("\n\n"))
        head = "<script>alert('x')</script>" if script else ""
        return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html\">"
                f"<style>p {{margin: 0 0 8px}}</style>{head}</head>\n"
                f"<body><div style=\"font-family: sans-serif\">\n{paragraphs}</div>"
                "</body></html>\n")

    def boundary(self) -> str:
        return f"----=_Part_{self.rng.getrandbits(48):012x}"

    def message_id(self, seq: int, person: Person) -> str:
        domain = person.address.split("@", 1)[1]
        return f"{seq:05d}.{self.rng.getrandbits(40):010x}@{domain}"

    def date(self, seq: int) -> datetime:
        return START + timedelta(seconds=43 * seq + self.rng.randint(0, 40))

    def envelope(self, seq: int, sender_address: str, date: datetime) -> Headers:
        """Received lines as the helpdesk's MX adds them (TEST-NET addresses)."""
        host = f"198.51.100.{self.rng.randint(1, 254)}"
        stamp = format_datetime(date)
        return [
            ("Return-Path", f"<{sender_address}>"),
            ("Received", f"from mail.example.net (mail.example.net [{host}])\n\tby "
                         f"mx.example.org (Postfix) with ESMTPS id {seq:06X}\n\t"
                         f"for <{SERVICE}>; {stamp}"),
            ("Received", f"from [192.0.2.{self.rng.randint(1, 254)}] by mail.example.net "
                         f"with ESMTPSA;\n\t{stamp}"),
        ]

    def finish(self, seq: int, kind: str, headers: Headers, content: Part,
               message_id: str | None, subject: str, sender: Person,
               attachments: tuple[str, ...] = ()) -> CorpusMessage:
        raw = _render([*headers, ("MIME-Version", "1.0"), *content.headers]) + b"\n" \
            + content.body.lstrip(b"\n")
        if self.rng.random() < 0.3:  # LMTP and IMAP hand over CRLF; a pipe, LF
            raw = raw.replace(b"\n", b"\r\n")
        return CorpusMessage(seq, kind, raw, message_id, subject, sender.address, attachments)

    def headers(self, seq: int, sender: Person, from_value, subject_value, date: datetime,
                message_id: str | None, extra: Headers = ()) -> Headers:
        headers = self.envelope(seq, sender.address, date)
        headers += [("Date", format_datetime(date)), ("From", from_value),
                    ("To", f"IT Helpdesk <{SERVICE}>"), ("Subject", subject_value)]
        if message_id is not None:
            headers.append(("Message-ID", f"<{message_id}>"))
        headers.extend(extra)
        return headers

    def remember(self, message: CorpusMessage, sender: Person, text: str,
                 references: tuple[str, ...] = (), date: datetime | None = None) -> None:
        if message.message_id:
            self.threads.append(_Sent(message.message_id, message.subject or "", sender, text,
                                      references, date or START))

    # -- a new message in one charset ----------------------------------------------------

    def simple(self, seq: int, kind: str) -> CorpusMessage:
        rng = self.rng
        # (languages, header charset, codec, header mode, body label, transfer encodings, mailer)
        setups = {
            "plain_utf8": (None, "utf-8", "utf-8", "B", "utf-8", ("8bit",),
                           "User-Agent: Mutt/2.2.12 (2023-09-09)"),
            "no_message_id": (None, "utf-8", "utf-8", "B", "utf-8", ("8bit",),
                              "X-Mailer: PHPMailer 6.9.1"),
            "utf8_qp": (None, "utf-8", "utf-8", "Q", "utf-8", ("quoted-printable",),
                        "User-Agent: Mozilla Thunderbird"),
            "utf8_base64": (None, "utf-8", "utf-8", "B", "utf-8", ("base64",),
                            "X-Mailer: Microsoft Outlook 16.0"),
            "gb2312_gbk": ((("zh", 1),), "gb2312", "gbk", "B", "gb2312", ("8bit", "base64"),
                           "X-Mailer: Foxmail 7.2.25.228[cn]"),
            "gbk_raw_headers": ((("zh", 1),), "gbk", "gbk", "raw", "gbk", ("8bit",),
                                "X-Mailer: Foxmail 6, 15, 201, 26 [cn]"),
            "big5": ((("tw", 1),), "big5", "big5", "B", "big5", ("8bit", "base64"),
                     "X-Mailer: Microsoft Outlook Express 6.00.2900.5512"),
            "iso2022jp": ((("ja", 1),), "ISO-2022-JP", "iso2022_jp", "B", "ISO-2022-JP",
                          ("7bit",), "X-Mailer: Becky! ver. 2.81.04"),
            "koi8r": ((("ru", 1),), "koi8-r", "koi8_r", "B", "koi8-r", ("8bit",),
                      "X-Mailer: The Bat! (v10.5.3) Professional"),
            "windows1252": ((("de", 1), ("fr", 1)), "windows-1252", "cp1252", "Q",
                            "windows-1252", ("quoted-printable",),
                            "X-Mailer: Microsoft Outlook 15.0"),
        }
        languages, charset, codec, mode, label, ctes, mailer = setups[kind]
        language = self.language(languages or UTF8_LANGUAGES)
        sender = self.person(language)
        if kind == "gb2312_gbk":
            sender = rng.choice([p for p in self.people["zh"]
                                 if any(c in p.name for c in GBK_ONLY)])
        if kind == "windows1252" and rng.random() < 0.4:
            charset = label = "iso-8859-1"   # Outlook's label; “quotes” and € are cp1252
        subject = self.subject(language)
        extra = GBK_SENTENCE if kind == "gb2312_gbk" and rng.random() < 0.5 else ""
        text = self.text(language, sender, extra=extra)
        date = self.date(seq)
        message_id = None if kind == "no_message_id" else self.message_id(seq, sender)
        raw_8bit = mode == "raw" or (kind == "plain_utf8" and rng.random() < 0.3)
        if raw_8bit:
            subject_value = subject.encode(codec)
            from_value = _address(sender, charset, codec, raw=True)
        else:
            subject_value = encoded_words(subject, charset, codec, mode)
            from_value = _address(sender, charset, codec, mode)
        name, _, value = mailer.partition(": ")
        content = _leaf("text/plain", text.encode(codec), rng.choice(ctes), label)
        headers = self.headers(seq, sender, from_value, subject_value, date, message_id,
                               [(name, value), ("X-Priority", "3")])
        message = self.finish(seq, kind, headers, content, message_id, subject, sender)
        if kind != "no_message_id":
            self.remember(message, sender, text, date=date)
        return message

    # -- structure: HTML, alternative, attachments ---------------------------------------

    def _charset_for(self, language: str) -> tuple[str, str]:
        """(label, codec) of a rich message: UTF-8, or GBK family for Chinese senders."""
        if language == "zh" and self.rng.random() < 0.4:
            return self.rng.choice((("gb2312", "gbk"), ("gbk", "gbk"), ("gb18030", "gb18030")))
        return "utf-8", "utf-8"

    def rich(self, seq: int, kind: str) -> CorpusMessage:
        rng = self.rng
        language = self.language()
        sender = self.person(language)
        label, codec = self._charset_for(language)
        subject = self.subject(language)
        text = self.text(language, sender)
        date = self.date(seq)
        message_id = self.message_id(seq, sender)
        attachments: tuple[str, ...] = ()
        if kind == "html_only":
            content = _leaf("text/html", self.html(text, script=rng.random() < 0.2).encode(codec),
                            rng.choice(("base64", "quoted-printable")), label)
            mailer = ("X-Mailer", "NetEase Flash Mail 2.4.1.32")
        elif kind == "alternative":
            content = self.alternative(text, label, codec)
            mailer = ("User-Agent", "Microsoft-MacOutlook/16.80")
        else:
            body = (self.alternative(text, label, codec) if rng.random() < 0.3
                    else _leaf("text/plain", text.encode(codec),
                               rng.choice(("8bit", "base64", "quoted-printable")), label))
            files = [self.attachment(language) for _ in range(rng.choice((1, 1, 2)))]
            attachments = tuple(name for name, _ in files)
            content = _multipart("mixed", [body, *(part for _, part in files)], self.boundary())
            mailer = ("X-Mailer", "Microsoft Outlook 16.0")
        headers = self.headers(seq, sender, _address(sender, label, codec),
                               encoded_words(subject, label, codec), date, message_id, [mailer])
        message = self.finish(seq, kind, headers, content, message_id, subject, sender,
                              attachments)
        self.remember(message, sender, text, date=date)
        return message

    def alternative(self, text: str, label: str, codec: str) -> Part:
        cte = self.rng.choice(("base64", "quoted-printable"))
        return _multipart("alternative", [
            _leaf("text/plain", text.encode(codec), cte, label),
            _leaf("text/html", self.html(text).encode(codec), cte, label),
        ], self.boundary(), preamble="")

    def attachment(self, language: str) -> tuple[str, Part]:
        """A small file (1-8 KB) and its part; non-ASCII names in RFC 2231 or RFC 2047."""
        rng = self.rng
        name = rng.choice(LANGUAGES[language].files)
        if "." not in name:
            name += ".bin"
        extension = name.rsplit(".", 1)[1]
        ctype, data = {
            "png": ("image/png", b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(1500, 6000))),
            "pdf": ("application/pdf", b"%PDF-1.4\n" + rng.randbytes(rng.randint(2000, 8000))),
            "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     b"PK\x03\x04" + rng.randbytes(rng.randint(2000, 6000))),
            "txt": ("text/plain", "".join(
                f"2026-11-02 08:{i % 60:02d}:00 host{rng.randint(1, 9)} "
                f"status={rng.choice(('ok', 'timeout', 'denied'))}\n"
                for i in range(rng.randint(20, 80))).encode("ascii")),
        }.get(extension, ("application/octet-stream", rng.randbytes(2000)))
        if name.isascii():
            type_value = f'{ctype}; name="{name}"'
            disposition = f'attachment; filename="{name}"'
        else:
            style = rng.random()
            if style < 0.25:
                word = encoded_words(name, "utf-8")       # Outlook, Foxmail: RFC 2047 in quotes
                type_value = f'{ctype};\n name="{word}"'
                disposition = f'attachment;\n filename="{word}"'
            else:
                charset = "gbk" if language == "zh" and style < 0.45 else "utf-8"
                encoded = quote(name.encode(charset), safe="")
                type_value = ctype
                if style > 0.8 and len(encoded) > 12:  # continued over two parameters
                    cut = encoded.rfind("%", 0, len(encoded) // 2)
                    cut = cut if cut > 0 else len(encoded) // 2
                    disposition = (f"attachment;\n filename*0*={charset}''{encoded[:cut]};\n"
                                   f" filename*1*={encoded[cut:]}")
                else:
                    disposition = f"attachment;\n filename*={charset}''{encoded}"
        cte = "base64" if ctype != "text/plain" else "quoted-printable"
        part = Part([("Content-Type", type_value), ("Content-Transfer-Encoding", cte),
                     ("Content-Disposition", disposition)], _transfer(data, cte))
        return name, part

    # -- answers to earlier messages -----------------------------------------------------

    def parent(self) -> _Sent:
        """A recent thread, more often than an old one."""
        recent = self.threads[-300:]
        return recent[min(len(recent) - 1, int(len(recent) * self.rng.random() ** 0.5))]

    def reply(self, seq: int, kind: str) -> CorpusMessage:
        rng = self.rng
        parent = self.parent()
        if rng.random() < 0.85:
            sender = parent.sender          # the requester answers: a follow-up
        else:
            sender = self.person(parent.sender.language)   # a colleague: a new ticket
        language = sender.language
        lang = LANGUAGES[language]
        prefix = rng.choice(lang.reply_prefixes)
        subject = parent.subject if parent.subject.startswith(prefix) else prefix + parent.subject
        quoted = "\n".join(f"> {line}" if line else ">"
                           for line in parent.text.strip().split("\n")[:10])
        if language in ("zh", "tw"):
            header = (f"------------------ 原始邮件 ------------------\n"
                      f"发件人: {parent.sender.name} <{parent.sender.address}>\n")
        else:
            header = f"On {format_datetime(parent.date)}, {parent.sender.name} wrote:\n"
        text = self.text(language, sender, 1, 3) + "\n" + header + quoted + "\n"
        label, codec = self._charset_for(language)
        try:
            text.encode(codec)
            subject.encode(codec)
            sender.name.encode(codec)
        except UnicodeEncodeError:
            label, codec = "utf-8", "utf-8"
        date = self.date(seq)
        message_id = self.message_id(seq, sender)
        references = (*parent.references, parent.message_id)[-8:]
        extra: Headers = [
            ("In-Reply-To", f"<{parent.message_id}>"),
            ("References", "\n ".join(f"<{r}>" for r in references)),
            ("User-Agent", "Mozilla Thunderbird"),
        ]
        if rng.random() < 0.3:
            content = self.alternative(text, label, codec)
        else:
            content = _leaf("text/plain", text.encode(codec),
                            rng.choice(("8bit", "base64", "quoted-printable")), label)
        headers = self.headers(seq, sender, _address(sender, label, codec),
                               encoded_words(subject, label, codec), date, message_id, extra)
        message = self.finish(seq, kind, headers, content, message_id, subject, sender)
        self.remember(message, sender, text, references, date)
        return message

    def auto_reply(self, seq: int, kind: str) -> CorpusMessage:
        rng = self.rng
        parent = self.parent()
        sender = parent.sender
        lang = LANGUAGES[sender.language]
        subject = lang.auto_prefix + parent.subject
        text = self.fill(lang.out_of_office) + "\n\n" + sender.name + "\n"
        date = self.date(seq)
        message_id = self.message_id(seq, sender)
        extra: Headers = [("Auto-Submitted", "auto-replied"),
                          ("X-Auto-Response-Suppress", "All"),
                          ("X-Mailer", "Microsoft Exchange Server 15.2")]
        if rng.random() < 0.6:   # answers the thread: lands on the requester's ticket
            extra += [("In-Reply-To", f"<{parent.message_id}>"),
                      ("References", f"<{parent.message_id}>")]
        content = _leaf("text/plain", text.encode("utf-8"), "base64", "utf-8")
        headers = self.headers(seq, sender, _address(sender, "utf-8"),
                               encoded_words(subject, "utf-8"), date, message_id, extra)
        return self.finish(seq, kind, headers, content, message_id, subject, sender)

    def bounce(self, seq: int, kind: str) -> CorpusMessage:
        rng = self.rng
        daemon = Person("Mail Delivery System", "MAILER-DAEMON@example.net", "en")
        victim = self.person(self.language())
        date = self.date(seq)
        message_id = f"{seq:05d}.{rng.getrandbits(40):010X}@example.net"
        subject = "Undelivered Mail Returned to Sender"
        boundary = f"{rng.getrandbits(40):010X}.{seq}/mail.example.net"
        notice = (
            "This is the mail system at host mail.example.net.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
            f"<{victim.address}>: host mx.example.net[192.0.2.25] said: 550 5.1.1\n"
            "    User unknown in virtual mailbox table (in reply to RCPT TO command)\n")
        status = (
            "Reporting-MTA: dns; mail.example.net\n"
            f"Arrival-Date: {format_datetime(date)}\n\n"
            f"Final-Recipient: rfc822; {victim.address}\nAction: failed\nStatus: 5.1.1\n"
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n")
        original = (
            f"From: IT Helpdesk <{SERVICE}>\nTo: {victim.address}\n"
            f"Subject: [HD-{rng.randint(1, 99999):06d}] Your request was received\n"
            f"Message-ID: <notification.{rng.getrandbits(40):010x}@example.org>\n"
            f"Date: {format_datetime(date)}\n")
        parts = [
            Part([("Content-Description", "Notification"),
                  ("Content-Type", "text/plain; charset=us-ascii")], notice.encode("ascii")),
            Part([("Content-Description", "Delivery report"),
                  ("Content-Type", "message/delivery-status")], status.encode("ascii")),
            Part([("Content-Description", "Undelivered Message Headers"),
                  ("Content-Type", "text/rfc822-headers")], original.encode("ascii")),
        ]
        content = _multipart("report", parts, boundary, " report-type=delivery-status;",
                             preamble="This is a MIME-encapsulated message.\n")
        headers: Headers = [
            ("Return-Path", "<>"),
            ("Received", f"by mail.example.net (Postfix) id {seq:06X}; {format_datetime(date)}"),
            ("Date", format_datetime(date)),
            ("From", f"{daemon.address} ({daemon.name})"),
            ("Subject", subject), ("To", SERVICE), ("Auto-Submitted", "auto-replied"),
            ("Message-Id", f"<{message_id}>"),
        ]
        return self.finish(seq, kind, headers, content, message_id, subject, daemon)

    # -- copies ----------------------------------------------------------------------------

    def template(self, seq: int, kind: str) -> CorpusMessage:
        if not self.template_queue:
            self.template_queue = list(self.templates)
            self.rng.shuffle(self.template_queue)
        name, raw = self.template_queue.pop()
        message_id = f"{seq:05d}.{self.rng.getrandbits(40):010x}.{name.split('.')[0]}@example.net"
        return CorpusMessage(seq, kind, readdress(raw, message_id), message_id)

    def redelivery(self, seq: int, kind: str) -> CorpusMessage:
        original = self.rng.choice([m for m in self.earlier if m.kind != "redelivery"])
        return CorpusMessage(seq, kind, original.raw, original.message_id, original.subject,
                             original.sender, original.attachments)

    def build(self, seq: int, kind: str) -> CorpusMessage:
        if kind in ("html_only", "alternative", "attachment"):
            return self.rich(seq, kind)
        builder = getattr(self, kind, None) if kind in (
            "reply", "auto_reply", "bounce", "template", "redelivery") else None
        if kind == "template" and not self.templates:
            builder = None
            kind = "plain_utf8"
        return builder(seq, kind) if builder else self.simple(seq, kind)


def readdress(raw: bytes, message_id: str, to: str = SERVICE) -> bytes:
    """``raw`` sent to ``to`` under a new Message-ID; every other byte as it was."""
    crlf = b"\r\n" in raw.split(b"\n", 1)[0] + b"\n"
    newline = b"\r\n" if crlf else b"\n"
    split = raw.find(newline + newline)
    head, rest = (raw[:split], raw[split:]) if split >= 0 else (raw, b"")
    fields: list[bytes] = []
    for line in head.split(newline):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += newline + line
        else:
            fields.append(line)
    kept = [f for f in fields
            if f.split(b":", 1)[0].strip().lower() not in (b"to", b"message-id")]
    added = [b"To: " + to.encode("ascii"), b"Message-ID: <" + message_id.encode("ascii") + b">"]
    at = 1 if kept and kept[0].startswith(b"From ") else 0   # keep an mbox "From " line first
    return newline.join(kept[:at] + added + kept[at:]) + rest


def load_templates(directory: Path = TEMPLATES) -> list[tuple[str, bytes]]:
    """The ``.eml`` files of ``directory`` (sorted by name), or none."""
    if not directory.is_dir():
        return []
    return [(path.name, path.read_bytes()) for path in sorted(directory.glob("*.eml"))]


def plan(count: int) -> list[str]:
    """How many messages of each kind: at least one of each (when ``count`` allows),
    the rest shared by weight (largest remainder)."""
    kinds = list(WEIGHTS)
    base = {k: (1 if count >= len(kinds) else 0) for k in kinds}
    rest = count - sum(base.values())
    total = sum(WEIGHTS.values())
    shares = {k: rest * WEIGHTS[k] / total for k in kinds}
    counts = {k: base[k] + int(shares[k]) for k in kinds}
    left = count - sum(counts.values())
    for k in sorted(kinds, key=lambda k: (-(shares[k] - int(shares[k])), kinds.index(k)))[:left]:
        counts[k] += 1
    return [k for k in kinds for _ in range(counts[k])]


def generate(count: int = DEFAULT_COUNT, seed: int = SEED,
             templates: list[tuple[str, bytes]] | None = None) -> list[CorpusMessage]:
    """``count`` messages, the same for the same ``count``, ``seed`` and templates."""
    rng = random.Random(seed)
    templates = load_templates() if templates is None else templates
    kinds = plan(count)
    rng.shuffle(kinds)
    starters = [i for i, k in enumerate(kinds) if k in STARTERS][:2]
    kinds = [kinds[i] for i in starters] + [k for i, k in enumerate(kinds) if i not in starters]
    generator = _Generator(rng, _people(rng), templates)
    messages: list[CorpusMessage] = []
    for seq, kind in enumerate(kinds):
        message = generator.build(seq, kind)
        messages.append(message)
        generator.earlier.append(message)
    return messages


def describe(messages: list[CorpusMessage]) -> dict:
    """Counts by kind and sizes, for the report."""
    kinds: dict[str, int] = {}
    for message in messages:
        kinds[message.kind] = kinds.get(message.kind, 0) + 1
    sizes = sorted(len(m.raw) for m in messages)
    return {
        "messages": len(messages),
        "bytes": sum(sizes),
        "median_bytes": sizes[len(sizes) // 2] if sizes else 0,
        "max_bytes": sizes[-1] if sizes else 0,
        "kinds": kinds,
        "redeliveries": kinds.get("redelivery", 0),
    }
