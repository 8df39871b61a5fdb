"""Queries of the points feature: ledger, boards, imports, seasons (one module each).

Every ledger entry goes through ``ledger.append_entry``, which also moves the team's weekly
total in the same transaction, so boards never scan the ledger.
"""

#: Largest IN (...) list sent in one statement (SQLite's default variable limit is 32766;
#: older builds allow 999).
CHUNK = 900
