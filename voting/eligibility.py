"""Who may take part in a decision: the one statement of the rule.

A person takes part in a decision when they are a member (not an observer) of its assembly
and, for a decision of a working group, a member of that group too; in a decision of a
session they take part once checked in to it.

The rule is read inside the queries that need it, so it is written here as SQL fragments,
each fact once: a cast reads its caster's standing with the decision in one statement, and
the tallies count the eligible and present members of many decisions in one query (the
ORM's nested subqueries for that took longer to compile than the database took to count
2,000 members). :class:`Standing` applies the rule to what those fragments read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from assembly.models import Role

#: The membership role that takes part (a constant, written into the SQL as a literal).
MEMBER = Role.MEMBER.value
assert MEMBER.isidentifier()  # noqa: S101 (safe to write into SQL)


@dataclass(frozen=True)
class Standing:
    """What the rule needs to know of one person for one decision: their role in the
    assembly (None without a membership), whether they are in the decision's working
    group (True when it has none), and whether they are checked in to its session."""

    role: str | None
    in_group: bool
    present: bool

    @property
    def eligible(self) -> bool:
        return self.role == MEMBER and self.in_group


NOBODY = Standing(role=None, in_group=False, present=False)


# --- The facts, as SQL fragments over a decision row ``d`` and a user id expression ``u`` --


def role_sql(d: str, u: str) -> str:
    return f"""(SELECT m.role FROM assembly_membership m
        WHERE m.assembly_id = {d}.assembly_id AND m.user_id = {u})"""  # noqa: S608 (names from this module)


def in_group_sql(d: str, u: str) -> str:
    return f"""({d}.working_group_id IS NULL OR EXISTS (
        SELECT 1 FROM assembly_workinggroupmembership g
        WHERE g.group_id = {d}.working_group_id AND g.user_id = {u}))"""  # noqa: S608 (names from this module)


def present_sql(d: str, u: str) -> str:
    return f"""EXISTS (SELECT 1 FROM assembly_attendance a
        WHERE a.session_id = {d}.session_id AND a.member_id = {u})"""  # noqa: S608 (names from this module)


def standing_sql(d: str, u: str, prefix: str = "") -> str:
    """The three columns of a :class:`Standing`, in its order (named ``<prefix>role``,
    ``<prefix>in_group`` and ``<prefix>present`` when a ``prefix`` is given)."""
    columns = (role_sql(d, u), in_group_sql(d, u), present_sql(d, u))
    if not prefix:
        return ", ".join(columns)
    names = ("role", "in_group", "present")
    return ", ".join(f"{c} AS {prefix}{n}" for c, n in zip(columns, names, strict=True))


def _eligible_members(d: str) -> str:
    """The memberships that take part in decision ``d`` (the rule of
    :attr:`Standing.eligible`, over the memberships of its assembly)."""
    return f"""FROM assembly_membership em
        WHERE em.assembly_id = {d}.assembly_id AND em.role = '{MEMBER}'
        AND {in_group_sql(d, "em.user_id")}"""


# --- Reading them -------------------------------------------------------------------------


def count_eligible() -> RawSQL:
    """For a query of decisions: how many members may take part in each."""
    sql = f"(SELECT COUNT(*) {_eligible_members('voting_decision')})"
    return RawSQL(sql, (), IntegerField())  # noqa: S611 (constant text)


def count_present() -> RawSQL:
    """For a query of decisions: how many of those who may take part are checked in to
    the decision's session (none for a decision without a session)."""
    present = present_sql("voting_decision", "em.user_id")
    sql = f"(SELECT COUNT(*) {_eligible_members('voting_decision')} AND {present})"
    return RawSQL(sql, (), IntegerField())  # noqa: S611 (constant text)


def standing(user: Any, decision: Any) -> Standing:
    """``user``'s standing for ``decision``, in one query."""
    if user is None or not user.is_authenticated:
        return NOBODY
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {standing_sql('d', '%s')} FROM voting_decision d WHERE d.id = %s",  # noqa: S608 (constant text)
            [user.pk, user.pk, user.pk, decision.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return NOBODY
    role, in_group, present = row
    return Standing(role=role, in_group=bool(in_group), present=bool(present))


def eligible_count(decision: Any) -> int:
    """How many members may take part in ``decision``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) {_eligible_members('d')}) FROM voting_decision d"  # noqa: S608 (constant text)
            " WHERE d.id = %s",
            [decision.pk],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
