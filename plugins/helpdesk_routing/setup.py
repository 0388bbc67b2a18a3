"""helpdesk_routing: the routing strategies round_robin, least_loaded and duty_roster."""
from setuptools import find_packages, setup

setup(
    name="helpdesk_routing",
    version="0.1.0",
    description="Routing strategies for pyramid_helpdesk: round robin, least loaded, duty roster",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(),
    install_requires=["pyramid_helpdesk"],
    entry_points={"pyramid_helpdesk.plugins": ["routing = helpdesk_routing"]},
)
