"""Attachment content on disk, addressed by its SHA-256 (stored once per content)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import AttachmentTooLarge

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A file given to a service: name, type and an open binary stream."""

    filename: str
    content_type: str
    stream: BinaryIO


class AttachmentStore:
    """Files under ``root/ab/cd/<sha256>``; writes are atomic and durable, content is
    never changed.

    :meth:`put` returns once the content and its name are on disk (``fsync`` of the
    file, then of the directories it added to): the transaction that records the
    attachment commits after it, so a row never outlives its file in a crash.
    """

    def __init__(self, root: str, max_size: int):
        self.root = root
        self.max_size = max_size

    def path(self, sha256: str) -> str:
        """Where the content with this digest lives."""
        return os.path.join(self.root, sha256[:2], sha256[2:4], sha256)

    def put(self, upload: Upload) -> tuple[str, int]:
        """Store an upload; return its digest and size, or raise :class:`AttachmentTooLarge`."""
        os.makedirs(self.root, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := upload.stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_size:
                        raise AttachmentTooLarge(upload.filename, self.max_size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            if os.path.exists(final):  # the same content, stored before
                return sha256, size
            directory = os.path.dirname(final)
            # The directories whose entries change: root/ab/cd, and the parent of each
            # of root/ab/cd and root/ab that is about to be created.
            changed = {directory}
            for new in (directory, os.path.dirname(directory)):
                if not os.path.isdir(new):
                    changed.add(os.path.dirname(new))
            os.makedirs(directory, exist_ok=True)
            os.replace(tmp, final)
            for path in changed:
                _fsync_directory(path)
            return sha256, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def open(self, sha256: str) -> BinaryIO:
        """The stored content for reading."""
        return open(self.path(sha256), "rb")


def _fsync_directory(path: str) -> None:
    """Put the entries of directory ``path`` on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
