"""Many coders at once through a team server's API: no 5xx, no coding doubled, and every
write the server acknowledged is in the database afterwards (tests/team_load.py drives
them; bench/team.py runs the same for 60 s and times it)."""

from __future__ import annotations

import pytest
from team_load import build, check, run, serving


@pytest.mark.slow
def test_eight_coders_on_sqlite(tmp_path):
    team = build(tmp_path / "study", f"sqlite:///{tmp_path / 'study' / 'qualcode.db'}", 8, 200)
    with serving(team) as (base, _pid):
        outcome = run(base, team, seconds=8, pause=0.1)
    assert outcome.actions >= len(team.coders) and len(outcome.held) == len(team.coders)
    check(team, outcome)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("coders", [8, 32])
def test_many_coders_on_postgresql_with_two_workers(tmp_path, postgres_server, coders):
    team = build(tmp_path / "study", postgres_server.database(), coders, 200)
    with serving(team, workers=2) as (base, _pid):
        outcome = run(base, team, seconds=10, pause=0.2)
    assert outcome.actions >= len(team.coders) and len(outcome.held) == len(team.coders)
    check(team, outcome)
