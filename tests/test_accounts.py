"""Accounts of a team server: invitation links that work once, Argon2id passwords,
sessions kept as digests, sign-ins slowed after failures, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from qualcode import QualcodeError
from qualcode.accounts import audit, report, sessions, throttle, users
from qualcode.accounts.models import Account, AccountLink, LoginFailure, WebSession
from qualcode.accounts.tokens import digest
from qualcode.cli import cli
from qualcode.coding import get_coder
from qualcode.errors import NotAllowed
from qualcode.models import utcnow
from qualcode.team import assign, set_round

PASSWORD = "correct horse battery"


def invited(project, name="priya", role="lead"):
    with project.transaction() as session:
        return users.add_user(session, name, role, by="admin")


def test_an_invitation_sets_a_password_once_and_the_password_signs_in(project):
    secret = invited(project)
    with project.transaction() as session:
        assert users.account_of_link(session, secret).name == "priya"
        users.redeem(session, secret, PASSWORD)
    with project.transaction() as session, pytest.raises(NotAllowed, match="used already"):
        users.redeem(session, secret, "another password")
    with project.transaction() as session:
        stored = session.scalars(select(Account.password_hash)).one()
        # Argon2id at OWASP's parameters, and no password or link kept as such
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert PASSWORD not in stored
        assert session.get(AccountLink, digest(secret)) is not None
        assert session.get(AccountLink, secret) is None
        sid = sessions.sign_in(session, "priya", PASSWORD, "10.0.0.1")
    with project.transaction() as session:
        who = sessions.identify(session, sid)
        assert (who.name, who.role) == ("priya", "lead")
        assert session.get(WebSession, sid) is None  # only the digest is stored
        sessions.sign_out(session, sid)
    with project.transaction() as session:
        assert sessions.identify(session, sid) is None


def test_an_expired_link_and_an_expired_session_do_not_work(project):
    secret = invited(project, role="coder")
    with project.transaction() as session:
        session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    with project.transaction() as session, pytest.raises(NotAllowed, match="expired"):
        users.redeem(session, secret, PASSWORD)
    with project.transaction() as session:
        users.redeem(session, users.reset(session, "priya", by="admin"), PASSWORD)
        sid = sessions.sign_in(session, "priya", PASSWORD, None)
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    with project.transaction() as session:
        assert sessions.identify(session, sid) is None


def test_a_short_password_is_refused(project):
    secret = invited(project)
    with project.transaction() as session, pytest.raises(QualcodeError, match="at least 10"):
        users.redeem(session, secret, "short")


def test_failed_sign_ins_slow_the_next_try_per_account_and_address(project):
    with project.transaction() as session:
        users.redeem(session, users.add_user(session, "sam", "coder", by="admin"), PASSWORD)
    for _ in range(throttle.FREE):
        with project.transaction() as session, pytest.raises(NotAllowed, match="wrong name"):
            sessions.sign_in(session, "sam", "wrong guess!", "10.0.0.9")
    # now even the right password waits, from that address or any other
    for address in ("10.0.0.9", "10.0.0.10"):
        with project.transaction() as session, pytest.raises(throttle.TooManyTries):
            sessions.sign_in(session, "sam", PASSWORD, address)
    # an unknown account is counted the same, by its address too
    with project.transaction() as session, pytest.raises(throttle.TooManyTries):
        sessions.sign_in(session, "nobody", PASSWORD, "10.0.0.9")
    with project.transaction() as session:
        session.execute(update(LoginFailure).values(last_at=utcnow() - timedelta(hours=1)))
        assert sessions.sign_in(session, "sam", PASSWORD, "10.0.0.9")
        assert session.get(LoginFailure, "account:sam") is None


def test_disable_and_reset_end_every_session(project):
    with project.transaction() as session:
        users.redeem(session, users.add_user(session, "sam", "coder", by="priya"), PASSWORD)
        first = sessions.sign_in(session, "sam", PASSWORD, None)
        users.disable(session, "sam", by="priya")
    with project.transaction() as session:
        assert sessions.identify(session, first) is None
        with pytest.raises(NotAllowed):
            sessions.sign_in(session, "sam", PASSWORD, None)
        link = users.reset(session, "sam", by="priya")
        users.redeem(session, link, "a new password here")
    frame = users.users(project)
    assert frame[["name", "role", "status"]].values.tolist() == [["sam", "coder", "active"]]


def test_a_viewer_is_no_coder_and_a_coder_cannot_become_a_viewer(project):
    with project.transaction() as session:
        get_coder(session, "ana")
        with pytest.raises(QualcodeError, match="is a coder of this project"):
            users.add_user(session, "ana", "viewer", by="admin")
        users.add_user(session, "author", "viewer", by="admin")
        users.add_user(session, "ben", "coder", by="admin")
        with pytest.raises(QualcodeError, match="two accounts"):
            users.set_role(session, "ben", "viewer", by="admin")
        users.set_role(session, "ben", "lead", by="admin")
        assert get_coder(session, "ben").role == "lead"


def test_a_coder_cannot_make_themselves_a_lead(runner, example_project):
    root = ["--project", str(example_project.root)]
    assert runner.invoke(cli, [*root, "coder", "lee", "--role", "lead"]).exit_code == 0
    assert runner.invoke(cli, [*root, "coder", "lee", "--role", "lead"]).exit_code == 0  # again
    refused = runner.invoke(cli, [*root, "--as", "ana", "coder", "ana", "--role", "lead"])
    assert refused.exit_code == 1
    assert "ana is not a lead: only a lead gives roles" in refused.output
    nameless = runner.invoke(cli, [*root, "coder", "ana", "--role", "lead"])
    assert "nobody said who is asking" in nameless.output
    made = runner.invoke(cli, [*root, "--as", "lee", "coder", "ana", "--role", "lead"])
    assert made.output == "ana: lead\n"


def test_the_audit_log_names_who_changed_users_assignments_rounds_and_codebook(example_project):
    doc = "area-1-mapping-workshop.md"
    with example_project.transaction() as session:
        users.add_user(session, "lee", "lead", by="admin")
        assert assign(session, [doc], ["ana", "ben"], by="lee") == [(doc, "ana"), (doc, "ben")]
        assert assign(session, [doc], ["ana"], by="lee") == []  # kept once
        set_round(session, "lee", open_=True)
    token = audit.ACTOR.set("lee")
    try:
        from qualcode.lookup import find_code

        with example_project.transaction() as session:
            find_code(session, "Trust").description = "changed by the lead"
    finally:
        audit.ACTOR.reset(token)
    frame = report.audit(example_project)
    rows = frame[["actor", "action", "target"]].values.tolist()
    assert rows[:5] == [
        ["lee", "code change", "Trust"], ["lee", "round open", ""],
        ["lee", "assign", doc], ["lee", "assign", doc], ["admin", "user add", "lee"],
    ]  # fmt: skip
    assert frame["detail"][0] == {"fields": ["description"]}
