"""Attachment files on disk: stored once per content, atomically, and durably (synced
before the transaction that records them can commit)."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from pyramid_helpdesk.attachments.store import AttachmentStore, Upload
from pyramid_helpdesk.errors import AttachmentTooLarge


def upload(content: bytes, name: str = "log.txt") -> Upload:
    return Upload(name, "text/plain", io.BytesIO(content))


@pytest.fixture
def synced(monkeypatch):
    """The inodes ``os.fsync`` was called on, in order."""
    inodes: list[int] = []
    real = os.fsync

    def recording(fd):
        inodes.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    return inodes


def test_content_is_stored_under_its_digest(tmp_path):
    store = AttachmentStore(str(tmp_path / "files"), max_size=1000)
    sha256, size = store.put(upload(b"disk full at 03:00\n"))

    assert (sha256, size) == (hashlib.sha256(b"disk full at 03:00\n").hexdigest(), 19)
    with store.open(sha256) as stored:
        assert stored.read() == b"disk full at 03:00\n"
    assert not [n for n in os.listdir(tmp_path / "files") if n.startswith(".upload-")]


def test_the_file_and_the_directories_it_was_added_to_are_synced(tmp_path, synced):
    root = tmp_path / "files"
    store = AttachmentStore(str(root), max_size=1000)
    sha256, _size = store.put(upload(b"kernel panic\n"))

    final = store.path(sha256)
    leaf, middle = os.path.dirname(final), os.path.dirname(os.path.dirname(final))
    assert synced[0] == os.stat(final).st_ino  # the content first, then the names
    assert {os.stat(d).st_ino for d in (leaf, middle, root)} <= set(synced[1:])


def test_the_same_content_twice_is_one_file_written_once(tmp_path, synced):
    store = AttachmentStore(str(tmp_path / "files"), max_size=1000)
    first = store.put(upload(b"same bytes", "a.txt"))
    inode = os.stat(store.path(first[0])).st_ino
    synced.clear()

    assert store.put(upload(b"same bytes", "b.txt")) == first
    assert os.stat(store.path(first[0])).st_ino == inode  # not replaced
    assert len(synced) == 1  # the temporary copy's content only, no directory changed


def test_an_upload_over_the_limit_leaves_nothing_behind(tmp_path):
    root = tmp_path / "files"
    store = AttachmentStore(str(root), max_size=10)
    with pytest.raises(AttachmentTooLarge):
        store.put(upload(b"x" * 11, "big.iso"))
    assert os.listdir(root) == []
