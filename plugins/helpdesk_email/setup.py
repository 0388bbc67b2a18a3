"""helpdesk_email: the e-mail channel of pyramid_helpdesk (intake, threading, SMTP)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_email",
    version="0.1.0",
    description="E-mail intake and delivery for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    package_data={"helpdesk_email": ["templates/*.pt", "locale/*.pot",
                                     "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]},
    install_requires=[
        "pyramid_helpdesk",
        "charset-normalizer>=3.3",
        "nh3>=0.2.17",
        "aiosmtpd>=1.4.6",
    ],
    entry_points={
        "pyramid_helpdesk.plugins": ["email = helpdesk_email.plugin"],
        # `helpdesk mailgate`, an MTA's pipe command: journals one message without
        # loading the helpdesk (pyramid_helpdesk/launcher.py).
        "pyramid_helpdesk.quick_commands": ["mailgate = helpdesk_email.spool:quick_mailgate"],
    },
)
