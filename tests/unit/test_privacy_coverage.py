"""Every table that can hold a member's id or personal data is handled by the privacy
service's export AND erasure (``bot.services.privacy.MEMBER_DATA``).

The rule, read from the schema alone: a column holds member data when
- its name is ``user_id`` or ends in ``_user_id``, or is one of the member-id names the
  schema uses (``voter_id``, ``asker_id``, ``actor_id``, ``host_id``), or starts with
  ``captain``, or ends in ``_by`` (``created_by``, ``voided_by``, ``locked_by`` …);
- its name holds ``phone``, ``email``, ``display_name``, ``full_name`` or ``nickname``;
- it is a foreign key to ``subscribers`` (a WhatsApp number: the outbox, consent records).
A table with such a column must be in both registries, and each such column must have an
erasure action.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table

from bot.services.privacy import ERASED_TABLES, EXPORTED_TABLES, MEMBER_DATA
from storage.schema import metadata

MEMBER_ID_NAMES = {"user_id", "voter_id", "asker_id", "actor_id", "host_id"}
PERSONAL_FRAGMENTS = ("phone", "email", "display_name", "full_name", "nickname")


def holds_member_data(column: Column[object]) -> bool:
    """The coverage rule for one column (see the module docstring)."""
    name = column.name
    if name in MEMBER_ID_NAMES or name.endswith("_user_id"):
        return True
    if name.startswith("captain") or name.endswith("_by"):
        return True
    if any(fragment in name for fragment in PERSONAL_FRAGMENTS):
        return True
    return any(fk.column.table.name == "subscribers" for fk in column.foreign_keys)


def unhandled(
    schema: MetaData,
    exported: frozenset[str],
    erased: frozenset[str],
    actions: Mapping[str, Mapping[str, str]],
) -> list[str]:
    """``table`` or ``table.column`` for each piece of member data the registries miss."""
    missing = []
    for table in schema.sorted_tables:
        flagged = [c.name for c in table.columns if holds_member_data(c)]
        if not flagged:
            continue
        if table.name not in exported or table.name not in erased:
            missing.append(table.name)
            continue
        missing += [
            f"{table.name}.{name}" for name in flagged if name not in actions.get(table.name, {})
        ]
    return missing


def test_every_table_holding_member_data_is_exported_and_erased() -> None:
    assert unhandled(metadata, EXPORTED_TABLES, ERASED_TABLES, MEMBER_DATA) == []


def test_the_registry_names_only_real_tables_and_columns() -> None:
    for table, columns in MEMBER_DATA.items():
        assert table in metadata.tables, table
        for column in columns:
            assert column in metadata.tables[table].c, f"{table}.{column}"


def test_a_table_removed_from_the_registry_is_reported_by_name() -> None:
    without_votes = frozenset(EXPORTED_TABLES - {"votes"})
    assert unhandled(metadata, without_votes, ERASED_TABLES, MEMBER_DATA) == ["votes"]
    not_erased = frozenset(ERASED_TABLES - {"subscribers"})
    assert unhandled(metadata, EXPORTED_TABLES, not_erased, MEMBER_DATA) == ["subscribers"]


def test_a_new_table_with_a_member_column_fails_until_it_is_handled() -> None:
    extra = MetaData()
    Table(
        "fan_mail",
        extra,
        Column("id", Integer, primary_key=True),
        Column("sender_user_id", BigInteger, nullable=False),
        Column("body", String(200)),
    )
    Table("weather", extra, Column("id", Integer, primary_key=True), Column("sky", String(20)))
    assert unhandled(extra, EXPORTED_TABLES, ERASED_TABLES, MEMBER_DATA) == ["fan_mail"]
    handled = {"fan_mail": {"sender_user_id": "delete"}}
    both = frozenset({"fan_mail"})
    assert unhandled(extra, both, both, handled) == []


def test_a_new_member_column_in_a_handled_table_is_reported() -> None:
    extra = MetaData()
    Table(
        "votes",
        extra,
        Column("id", Integer, primary_key=True),
        Column("voter_id", BigInteger),
        Column("witness_phone", String(20)),
    )
    assert unhandled(extra, EXPORTED_TABLES, ERASED_TABLES, MEMBER_DATA) == ["votes.witness_phone"]
