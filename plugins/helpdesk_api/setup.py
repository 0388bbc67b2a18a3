"""helpdesk_api: the JSON API (/api/v1) of pyramid_helpdesk, with its OpenAPI document."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_api",
    version="0.1.0",
    description="JSON API with OpenAPI 3 for pyramid_helpdesk",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    package_data={"helpdesk_api": ["openapi.yaml"]},
    install_requires=["pyramid_helpdesk", "pyramid_openapi3>=0.20"],
    entry_points={"pyramid_helpdesk.plugins": ["api = helpdesk_api"]},
)
