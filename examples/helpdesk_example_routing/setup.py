"""helpdesk_example_routing: a routing strategy shipped as its own distribution."""
from setuptools import setup

setup(
    name="helpdesk_example_routing",
    version="0.1.0",
    description="Example routing strategy for pyramid_helpdesk: by the requester's department",
    license="MIT",
    python_requires=">=3.11",
    packages=["helpdesk_example_routing"],
    install_requires=["pyramid_helpdesk"],
    # The name on the left is what goes into ``helpdesk.plugins``.
    entry_points={"pyramid_helpdesk.plugins": ["example_routing = helpdesk_example_routing"]},
)
