"""helpdesk_web: the web intake channel of pyramid_helpdesk (the requester's ticket form)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_web",
    version="0.1.0",
    description="Web intake channel for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    package_data={"helpdesk_web": ["templates/*.pt", "locale/*.pot",
                                   "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]},
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["web = helpdesk_web"]},
)
