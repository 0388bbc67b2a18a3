"""helpdesk_webhook: signed JSON webhooks for ticket events (pyramid_helpdesk notifier)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_webhook",
    version="0.1.0",
    description="Signed JSON webhooks for the ticket events of pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    package_data={"helpdesk_webhook": ["templates/*.pt", "static/*", "locale/*.pot",
                                       "locale/*/LC_MESSAGES/*.po",
                                       "locale/*/LC_MESSAGES/*.mo"]},
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["webhook = helpdesk_webhook"]},
)
