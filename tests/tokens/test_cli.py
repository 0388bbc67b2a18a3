"""``helpdesk token``: an operator creates a token for someone (the secret printed once,
alone on its line), lists tokens without their secrets, and revokes one."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.orm import Session

from pyramid_helpdesk.people.services import create_person
from pyramid_helpdesk.tokens.models import ApiToken, TokenScope
from pyramid_helpdesk.tokens.services import TokenService


def add_people(installation):
    """Two people in the installation's database (as ``helpdesk user add`` would)."""
    engine = installation.engine()
    try:
        with Session(engine) as session, session.begin():
            create_person(session, "user@example.org", name="Uma User")
            create_person(session, "other-user@example.org", name="Otto Other")
    finally:
        engine.dispose()


def test_an_operator_creates_lists_and_revokes_a_token(migrated, db):
    add_people(migrated)

    out = migrated.ok("token", "create", "--person", "USER@example.org", "--name",
                      "backup script", "--scope", "write", "--expires", "90d").splitlines()

    assert len(out) == 2 and out[0].startswith("created 1  hd_")
    secret = out[1]
    assert secret.startswith("hd_") and secret[:10] in out[0]
    session = db()
    [token] = session.query(ApiToken).all()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.name, token.scope) == ("backup script", TokenScope.write)
    assert token.expires_at - token.created_at == timedelta(days=90)
    assert TokenService(session, 20).authenticate(secret).person.email == "user@example.org"
    session.rollback()

    migrated.ok("token", "create", "--person", "other-user@example.org", "--name", "theirs",
                "--scope", "read")
    listed = migrated.ok("token", "list").splitlines()
    assert len(listed) == 2
    assert "other-user@example.org" in listed[0] and "expires never" in listed[0]
    assert "user@example.org" in listed[1] and "'backup script'" in listed[1]
    assert "active" in listed[1] and secret not in "\n".join(listed)
    only = migrated.ok("token", "list", "--person", "user@example.org").splitlines()
    assert len(only) == 1 and only[0].startswith("1  ")

    assert migrated.ok("token", "revoke", "1") == \
        f"revoked token 1 ({secret[:10]}...) of user@example.org\n"
    assert "revoked" in migrated.ok("token", "list", "--person", "user@example.org")
    assert migrated.ok("token", "revoke", "1").startswith("token 1 was already revoked on ")
    session = db()
    assert TokenService(session, 20).authenticate(secret) is None


def test_refusals_are_one_clear_line(migrated):
    add_people(migrated)
    assert migrated.fails("token", "create", "--person", "nobody@example.org", "--name", "x",
                          "--scope", "read") == "Error: no person with address nobody@example.org"
    assert migrated.fails("token", "list", "--person", "nobody@example.org") == \
        "Error: no person with address nobody@example.org"
    assert migrated.fails("token", "revoke", "42") == "Error: no token with id 42"
    assert migrated.fails("token", "create", "--person", "user@example.org", "--name", " ",
                          "--scope", "read") == "Error: Please give the token a name."
    assert migrated.ok("token", "list") == "no tokens\n"

    config = migrated.write_ini("small.ini", helpdesk__tokens__max_active="1")
    migrated.ok("token", "create", "--person", "user@example.org", "--name", "one",
                "--scope", "read", config=config)
    line = migrated.fails("token", "create", "--person", "user@example.org", "--name", "two",
                          "--scope", "read", config=config)
    assert line == "Error: Already 1 active tokens, the most allowed: revoke one first."


def test_bad_arguments_are_refused_before_the_database_is_opened(offline):
    done = offline.run("token", "create", "--person", "user@example.org", "--name", "x",
                       "--scope", "read", "--expires", "3 months")
    assert done.returncode == 2
    assert "expected a lifetime such as 90d, 12h, 2w or never" in done.stderr
    done = offline.run("token", "create", "--person", "user@example.org", "--name", "x",
                       "--scope", "admin")
    assert done.returncode == 2 and "'admin' is not one of 'read', 'write'" in done.stderr
