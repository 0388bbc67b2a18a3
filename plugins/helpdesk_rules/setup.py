"""helpdesk_rules: the ``rules`` routing strategy of pyramid_helpdesk (rules from a TOML file)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_rules",
    version="0.1.0",
    description="Rule-based routing strategy for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(exclude=["tests", "tests.*"]),
    package_data={"helpdesk_rules": ["templates/*.pt", "static/*.css", "locale/*.pot",
                                     "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]},
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["rules = helpdesk_rules"]},
)
