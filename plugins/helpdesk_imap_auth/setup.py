"""helpdesk_imap_auth: log in to pyramid_helpdesk with the institute mailbox's password."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_imap_auth",
    version="0.1.0",
    description="IMAP login backend for pyramid_helpdesk (the mail server checks passwords)",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["imap_login = helpdesk_imap_auth"]},
)
