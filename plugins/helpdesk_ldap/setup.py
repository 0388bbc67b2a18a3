"""helpdesk_ldap: log in to pyramid_helpdesk against an LDAP directory."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_ldap",
    version="0.1.0",
    description="LDAP login backend for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    install_requires=["pyramid_helpdesk", "ldap3>=2.9,<3"],
    entry_points={"pyramid_helpdesk.plugins": ["ldap = helpdesk_ldap"]},
)
