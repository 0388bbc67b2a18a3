"""helpdesk_phone: the phone-log channel of pyramid_helpdesk (first line logs calls)."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_phone",
    version="0.1.0",
    description="Phone-log channel for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    package_data={"helpdesk_phone": ["templates/*.pt", "static/*", "locale/*.pot",
                                     "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]},
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["phone = helpdesk_phone"]},
)
