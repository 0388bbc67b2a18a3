"""Files posted by every form (new ticket, staff ticket, reply) are read one way."""
import io
from types import SimpleNamespace

from webob.multidict import MultiDict

from pyramid_helpdesk.attachments.policy import uploads_from_post


def posted(filename, content=b"data", content_type="text/plain"):
    return SimpleNamespace(filename=filename, type=content_type, file=io.BytesIO(content))


def test_client_paths_are_dropped_and_empty_inputs_skipped():
    post = MultiDict([("attachment", posted(r"C:\Users\demo\report.pdf")),
                      ("attachment", posted("/home/demo/日志.txt")),
                      ("attachment", b""),  # an empty file input arrives as a plain value
                      ("subject", "Printer jam")])
    uploads = uploads_from_post(post)
    assert [u.filename for u in uploads] == ["report.pdf", "日志.txt"]
    assert uploads[0].stream.read() == b"data" and uploads[0].content_type == "text/plain"
