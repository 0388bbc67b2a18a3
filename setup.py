"""pyramid_helpdesk: a plugin-extensible helpdesk framework on Pyramid."""
from setuptools import find_packages, setup

REQUIRES = [
    "pyramid>=2.0,<3",
    "pyramid_tm>=2.5",
    "pyramid_retry>=2.1",
    "pyramid_chameleon>=0.3",
    "Chameleon>=4",
    "SQLAlchemy>=2.0.30,<2.2",
    "zope.sqlalchemy>=3.1",
    "transaction>=4",
    "alembic>=1.13",
    "pluggy>=1.5",
    "waitress>=3",
    "argon2-cffi>=23.1",
    "itsdangerous>=2.1",  # signed, expiring links in account mails
    "limits[redis]>=3.13",  # sign-in rate limits, in memory or in Redis
    "click>=8.1",
    "plaster_pastedeploy>=1.0",
    "tzdata",  # time zones where the system has no zoneinfo database
    "chinesecalendar>=1.11",  # PRC holidays and make-up working days (business calendar)
    "setuptools<80",  # pyramid 2.x imports pkg_resources (warns from 80 on)
]

EXTRAS = {
    "postgresql": ["psycopg[binary]>=3.1"],
    # Babel compiles the message catalogs (make install), lingua extracts them (make messages)
    "dev": ["pyramid_debugtoolbar>=4.10", "ruff>=0.6", "Babel>=2.12", "lingua>=4.15"],
    "testing": [
        "WebTest>=3",
        "pytest>=8",
        "pytest-xdist>=3",
        "psycopg[binary]>=3.1",
        "hypothesis>=6",
        "cryptography>=42",
        "Babel>=2.12",
        "lingua>=4.15",  # tests/unit/test_translations.py extracts the messages
        # Browser tests drive the system's Chromium (never `playwright install`).
        "playwright>=1.45",
        "schemathesis>=4.3",  # tests/api: property-based requests against the OpenAPI spec
    ],
}

setup(
    name="pyramid_helpdesk",
    version="0.1.0",
    description="A plugin-extensible helpdesk framework on Pyramid",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(include=["pyramid_helpdesk", "pyramid_helpdesk.*"]),
    include_package_data=True,
    package_data={"pyramid_helpdesk": ["templates/*.pt", "templates/*/*.pt", "static/*",
                                       "migrations/*.mako", "migrations/versions/*.py",
                                       "locale/*.pot", "locale/*/LC_MESSAGES/*.po",
                                       "locale/*/LC_MESSAGES/*.mo"]},
    zip_safe=False,
    install_requires=REQUIRES,
    extras_require=EXTRAS,
    entry_points={
        "paste.app_factory": ["main = pyramid_helpdesk:main"],
        "console_scripts": ["helpdesk = pyramid_helpdesk.launcher:run"],
        "pyramid_helpdesk.plugins": [],
    },
    classifiers=[
        "Framework :: Pyramid",
        "Programming Language :: Python :: 3",
        "Topic :: Internet :: WWW/HTTP :: WSGI :: Application",
    ],
)
