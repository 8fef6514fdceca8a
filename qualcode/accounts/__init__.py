"""Accounts of a team server (``qualcode serve --team``): who signs in, with which role,
and what they did.

- :mod:`.models`: the tables (migration 0006).
- :mod:`.passwords`: Argon2id at OWASP's parameters.
- :mod:`.users`: accounts made by a lead with a one-time invitation link; disable, reset.
- :mod:`.sessions` and :mod:`.throttle`: signing in and out; failures slow the next try.
- :mod:`.audit`: the log of changes to codebook, assignments, rounds and users.
"""
