"""The benchmark's e-mail rows: the corpus parses, and ingestion accounts for every message.

bench/mailcorpus.py and bench/mail.py on a 30-message corpus; no timing is asserted.
"""
import re
from pathlib import Path

import pytest

from bench.mail import run_ingest, run_parse, run_stdlib_parse
from bench.mailcorpus import WEIGHTS, generate

COUNT = 30
EXAMPLE_DOMAIN = re.compile(rb"@(?:[a-z0-9-]+\.)*example\.(?:org|net|com)\b", re.I)
ANY_DOMAIN = re.compile(rb"@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", re.I)


@pytest.fixture(scope="module")
def corpus():
    return generate(COUNT)


def test_a_small_corpus_has_every_kind_and_is_the_same_every_time(corpus):
    assert len(corpus) == COUNT
    assert set(WEIGHTS) - {"template"} <= {m.kind for m in corpus}
    assert [m.raw for m in generate(COUNT)] == [m.raw for m in corpus]


def test_the_corpus_writes_only_to_example_domains(corpus):
    for message in corpus:
        head = re.split(rb"\r?\n\r?\n", message.raw, maxsplit=1)[0]
        foreign = set(ANY_DOMAIN.findall(head)) - set(EXAMPLE_DOMAIN.findall(head))
        assert not foreign, (message.seq, message.kind, foreign)


def test_every_message_parses_to_what_was_sent(corpus):
    result = run_parse(corpus)

    assert result.error_samples == []
    assert (result.figures.ok, result.figures.errors, result.wrong) == (COUNT, 0, 0)


def test_the_stdlib_reference_row_parses_every_message(corpus):
    figures = run_stdlib_parse(corpus, corpus[:3])

    assert (figures.ok, figures.errors) == (COUNT, 0)
    assert figures.seconds > 0


def test_the_ingest_row_stores_every_message_once(corpus, tmp_path):
    result = run_ingest(f"sqlite:///{tmp_path / 'mail.sqlite'}", tmp_path, corpus)

    assert result.error_samples == []
    assert (result.figures.ok, result.figures.errors, result.lost) == (COUNT, 0, 0)
    assert sum(result.outcomes.values()) == COUNT
    assert result.outcomes["duplicate"] == sum(m.kind == "redelivery" for m in corpus)
    assert result.outcomes["follow-up"] >= 1 and result.outcomes["quarantined"] >= 1
    assert result.database["tickets"] == result.outcomes["created"]


def test_the_fetchmail_row_stores_every_message_of_a_real_mailbox_once(corpus, tmp_path):
    from bench.imap import USERS, run_imap, running_dovecot
    from bench.mail import warmup_corpus
    from tests.servers import DOVECOT

    if not Path(DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    with running_dovecot() as dovecot:
        result = run_imap(f"sqlite:///{tmp_path / 'imap.sqlite'}", tmp_path, corpus,
                          warmup_corpus(2), dovecot, USERS[0], batch=7)
        with dovecot.imap(USERS[0]) as imap:
            imap.select("INBOX", readonly=True)
            still_unseen = imap.search(None, "UNSEEN")[1][0].split()

    assert result.error_samples == []
    assert (result.figures.ok, result.figures.errors, result.lost) == (COUNT, 0, 0)
    assert result.outcomes["duplicate"] == sum(m.kind == "redelivery" for m in corpus)
    assert result.database["tickets"] == result.outcomes["created"]
    assert still_unseen == []

