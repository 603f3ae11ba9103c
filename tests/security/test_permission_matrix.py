"""Who may do what, over every page and API route: one table, checked for every persona.

The cases come from the URL conf: a named route that the table does not list fails
``test_every_route_is_in_the_table``, and a method that a route accepts but the table
does not list fails that route's test. Each request runs as each persona against one
members-only assembly (tests/security/world.py) and is rolled back afterwards.

Outcomes (tests/security/matrix.py): ``ok`` passed every gate, ``deny`` refused,
``hide`` not found for this persona, ``login`` sent to log in, ``405`` not accepted.
Columns: anonymous, outsider, observer, member, working-group member (co-author of the
group's proposal), facilitator (of the live session), operator (staff, in no assembly).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.security.matrix import METHODS, OUTCOMES, client_for, outcome
from tests.security.world import PERSONAS, Route, World, routes

pytestmark = pytest.mark.django_db

TABLE = """
# route                            method anon   outs   obs    member wg     facil  oper
amendment_accept                   GET    login  hide   ok     ok     ok     ok     hide
amendment_accept                   POST   login  hide   deny   deny   ok     deny   hide
amendment_decline                  GET    login  hide   ok     ok     ok     ok     hide
amendment_decline                  POST   login  hide   deny   deny   ok     deny   hide
amendment_promote                  GET    login  hide   ok     ok     ok     ok     hide
amendment_promote                  POST   login  hide   deny   deny   ok     deny   hide
amendment_rebase                   GET    login  hide   ok     ok     ok     ok     hide
amendment_rebase                   POST   login  hide   deny   ok     deny   deny   hide
api_amendment                      GET    hide   hide   ok     ok     ok     ok     hide
api_amendment_accept               POST   hide   hide   deny   deny   ok     deny   hide
api_amendment_comments             GET    hide   hide   ok     ok     ok     ok     hide
api_amendment_comments             POST   hide   hide   deny   ok     ok     ok     hide
api_amendment_decline              POST   hide   hide   deny   deny   ok     deny   hide
api_amendment_promote              POST   hide   hide   deny   deny   ok     deny   hide
api_amendment_rebase               POST   hide   hide   deny   ok     deny   deny   hide
api_comment                        GET    hide   hide   ok     ok     ok     ok     hide
api_comment                        PATCH  hide   hide   deny   ok     deny   deny   hide
api_comment_answer                 POST   hide   hide   deny   ok     deny   deny   hide
api_comment_hide                   POST   hide   hide   deny   deny   deny   ok     hide
api_comment_moderation             GET    hide   hide   deny   ok     deny   ok     hide
api_comment_reaction               PUT    hide   hide   deny   ok     ok     ok     hide
api_comment_reaction               DELETE hide   hide   deny   ok     ok     ok     hide
api_comment_request_restore        POST   hide   hide   deny   ok     deny   deny   hide
api_comment_restore                POST   hide   hide   deny   deny   deny   ok     hide
api_decision                       GET    hide   hide   ok     ok     ok     ok     hide
api_decision_close                 POST   hide   hide   deny   deny   deny   ok     hide
api_decision_followups             POST   hide   hide   deny   ok     ok     ok     hide
api_decision_record                POST   hide   hide   deny   deny   deny   ok     hide
api_decision_rounds                POST   hide   hide   deny   deny   deny   ok     hide
api_decision_stance                POST   hide   hide   deny   ok     ok     ok     hide
api_docs                           GET    ok     ok     ok     ok     ok     ok     ok
api_followup                       GET    hide   hide   ok     ok     ok     ok     hide
api_followup_carriers              POST   hide   hide   deny   ok     ok     ok     hide
api_followup_carriers              DELETE hide   hide   deny   ok     deny   deny   hide
api_followup_updates               POST   hide   hide   deny   ok     deny   deny   hide
api_followups                      GET    ok     ok     ok     ok     ok     ok     ok
api_proposal                       GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_amendments            GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_amendments            POST   hide   hide   deny   ok     ok     ok     hide
api_proposal_authors               POST   hide   hide   deny   deny   ok     deny   hide
api_proposal_back_to_discussion    POST   hide   hide   deny   deny   ok     deny   hide
api_proposal_comments              GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_comments              POST   hide   hide   deny   ok     ok     ok     hide
api_proposal_cosign                GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_cosign                POST   hide   hide   deny   ok     deny   ok     hide
api_proposal_cosign                DELETE hide   hide   hide   hide   hide   hide   hide
api_proposal_diff                  GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_invitation_accept     POST   deny   hide   hide   hide   ok     hide   hide
api_proposal_invitation_decline    POST   deny   hide   hide   hide   ok     hide   hide
api_proposal_open                  POST   hide   hide   deny   deny   ok     deny   hide
api_proposal_version               GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_versions              GET    hide   hide   ok     ok     ok     ok     hide
api_proposal_versions              POST   hide   hide   deny   deny   ok     deny   hide
api_proposal_withdraw              POST   hide   hide   deny   deny   ok     deny   hide
api_proposals                      GET    ok     ok     ok     ok     ok     ok     ok
api_proposals                      POST   deny   deny   deny   ok     ok     ok     deny
api_register                       GET    ok     ok     ok     ok     ok     ok     ok
api_register                       POST   hide   hide   deny   ok     ok     ok     hide
api_schema                         GET    ok     ok     ok     ok     ok     ok     ok
api_session_people                 GET    hide   hide   ok     ok     ok     ok     hide
api_session_state                  GET    hide   hide   ok     ok     ok     ok     hide
assembly                           GET    hide   hide   ok     ok     ok     ok     hide
assembly                           POST   hide   hide   ok     ok     ok     ok     hide
assembly_decision_create           GET    login  hide   ok     ok     ok     ok     hide
assembly_decision_create           POST   login  hide   deny   ok     ok     ok     hide
assembly_followups                 GET    hide   hide   ok     ok     ok     ok     hide
assembly_followups                 POST   hide   hide   ok     ok     ok     ok     hide
assembly_proposals                 GET    hide   hide   ok     ok     ok     ok     hide
assembly_proposals                 POST   hide   hide   ok     ok     ok     ok     hide
audit_log                          GET    hide   hide   deny   ok     ok     ok     ok
audit_log                          POST   hide   hide   deny   ok     ok     ok     ok
audit_stances                      GET    hide   hide   deny   ok     ok     ok     ok
audit_stances                      POST   hide   hide   deny   ok     ok     ok     ok
comment_answer                     GET    login  hide   ok     ok     ok     ok     hide
comment_answer                     POST   login  hide   deny   ok     deny   deny   hide
comment_edit                       GET    login  hide   ok     ok     ok     ok     hide
comment_edit                       POST   login  hide   deny   ok     deny   deny   hide
comment_hide                       GET    login  hide   ok     ok     ok     ok     hide
comment_hide                       POST   login  hide   deny   deny   deny   ok     hide
comment_react                      GET    login  hide   ok     ok     ok     ok     hide
comment_react                      POST   login  hide   deny   ok     ok     ok     hide
comment_request_restore            GET    login  hide   ok     ok     ok     ok     hide
comment_request_restore            POST   login  hide   deny   ok     deny   deny   hide
comment_restore                    GET    login  hide   ok     ok     ok     ok     hide
comment_restore                    POST   login  hide   deny   deny   deny   ok     hide
decision                           GET    hide   hide   ok     ok     ok     ok     hide
decision                           POST   hide   hide   ok     ok     ok     ok     hide
decision_create                    GET    login  hide   ok     ok     ok     ok     hide
decision_create                    POST   login  hide   deny   deny   deny   ok     hide
decision_detail                    GET    hide   hide   ok     ok     ok     ok     hide
decision_detail                    POST   hide   hide   ok     ok     ok     ok     hide
decision_record                    GET    login  405    405    405    405    405    405
decision_record                    POST   login  hide   deny   deny   deny   ok     hide
decision_round                     GET    login  405    405    405    405    405    405
decision_round                     POST   login  hide   deny   deny   deny   ok     hide
decision_stance                    GET    login  405    405    405    405    405    405
decision_stance                    POST   login  hide   deny   ok     ok     ok     hide
dissent_resolve                    GET    login  405    405    405    405    405    405
dissent_resolve                    POST   login  hide   deny   deny   deny   ok     hide
followup                           GET    hide   hide   ok     ok     ok     ok     hide
followup                           POST   hide   hide   ok     ok     ok     ok     hide
followup_add                       GET    login  405    405    405    405    405    405
followup_add                       POST   login  hide   deny   ok     ok     ok     hide
followup_carry                     GET    login  405    405    405    405    405    405
followup_carry                     POST   login  hide   deny   ok     ok     ok     hide
followup_update                    GET    login  405    405    405    405    405    405
followup_update                    POST   login  hide   deny   ok     deny   deny   hide
group_membership                   GET    login  405    405    405    405    405    405
group_membership                   POST   login  deny   deny   ok     ok     ok     deny
home                               GET    ok     ok     ok     ok     ok     ok     ok
home                               POST   ok     ok     ok     ok     ok     ok     ok
invitation_create                  GET    login  405    405    405    405    405    405
invitation_create                  POST   login  hide   deny   ok     ok     ok     hide
join                               GET    ok     ok     ok     ok     ok     ok     ok
join                               POST   ok     ok     ok     ok     ok     ok     ok
leave                              GET    login  ok     ok     ok     ok     ok     ok
leave                              POST   login  ok     ok     ok     ok     ok     ok
login                              GET    ok     ok     ok     ok     ok     ok     ok
login                              POST   ok     ok     ok     ok     ok     ok     ok
logout                             POST   ok     ok     ok     ok     ok     ok     ok
my_data                            GET    login  ok     ok     ok     ok     ok     ok
my_data                            POST   login  ok     ok     ok     ok     ok     ok
my_data_json                       GET    login  ok     ok     ok     ok     ok     ok
my_data_json                       POST   login  ok     ok     ok     ok     ok     ok
privacy                            GET    ok     ok     ok     ok     ok     ok     ok
privacy                            POST   ok     ok     ok     ok     ok     ok     ok
profile                            GET    login  ok     ok     ok     ok     ok     ok
profile                            POST   login  ok     ok     ok     ok     ok     ok
proposal                           GET    hide   hide   ok     ok     ok     ok     hide
proposal                           POST   hide   hide   ok     ok     ok     ok     hide
proposal_amend                     GET    login  hide   ok     ok     ok     ok     hide
proposal_amend                     POST   login  hide   deny   ok     ok     ok     hide
proposal_comment                   GET    login  hide   ok     ok     ok     ok     hide
proposal_comment                   POST   login  hide   deny   ok     ok     ok     hide
proposal_cosign                    GET    login  hide   ok     ok     ok     ok     hide
proposal_cosign                    POST   login  hide   deny   ok     deny   ok     hide
proposal_create                    GET    login  hide   hide   ok     ok     ok     hide
proposal_create                    POST   login  hide   hide   ok     ok     ok     hide
proposal_decide                    GET    login  hide   deny   deny   ok     ok     hide
proposal_decide                    POST   login  hide   deny   deny   ok     ok     hide
proposal_diff                      GET    hide   hide   ok     ok     ok     ok     hide
proposal_diff                      POST   hide   hide   ok     ok     ok     ok     hide
proposal_invitation                GET    login  hide   ok     ok     ok     ok     hide
proposal_invitation                POST   login  hide   hide   hide   ok     hide   hide
proposal_invite                    GET    login  hide   ok     ok     ok     ok     hide
proposal_invite                    POST   login  hide   deny   deny   ok     deny   hide
proposal_state                     GET    login  hide   ok     ok     ok     ok     hide
proposal_state                     POST   login  hide   deny   deny   ok     deny   hide
proposal_version                   GET    login  hide   ok     ok     ok     ok     hide
proposal_version                   POST   login  hide   deny   deny   ok     deny   hide
proposal_version_page              GET    hide   hide   ok     ok     ok     ok     hide
proposal_version_page              POST   hide   hide   ok     ok     ok     ok     hide
register                           GET    ok     ok     ok     ok     ok     ok     ok
register                           POST   ok     ok     ok     ok     ok     ok     ok
register_csv                       GET    ok     ok     ok     ok     ok     ok     ok
register_csv                       POST   ok     ok     ok     ok     ok     ok     ok
register_feed                      GET    ok     ok     ok     ok     ok     ok     ok
register_feed                      POST   ok     ok     ok     ok     ok     ok     ok
register_json                      GET    ok     ok     ok     ok     ok     ok     ok
register_json                      POST   ok     ok     ok     ok     ok     ok     ok
session                            GET    hide   hide   ok     ok     ok     ok     hide
session                            POST   hide   hide   ok     ok     ok     ok     hide
session_agenda                     POST   hide   hide   deny   deny   deny   ok     hide
session_command                    POST   hide   hide   deny   deny   deny   ok     hide
session_plan                       GET    login  hide   hide   ok     ok     ok     hide
session_plan                       POST   login  hide   hide   ok     ok     ok     hide
set_language                       POST   ok     ok     ok     ok     ok     ok     ok
set_preferences                    POST   ok     ok     ok     ok     ok     ok     ok
"""


def parse(table: str) -> dict[tuple[str, str], tuple[str, ...]]:
    rows: dict[tuple[str, str], tuple[str, ...]] = {}
    for line in table.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        route, method, *expected = line.split()
        assert len(expected) == len(PERSONAS), line
        assert set(expected) <= set(OUTCOMES), line
        assert (route, method) not in rows, f"twice in the table: {route} {method}"
        rows[(route, method)] = tuple(expected)
    return rows


EXPECTED = parse(TABLE)
SITE_ROUTES = [r for r in routes() if not r.name.startswith("admin:")]
#: The admin's own gate (``admin_site.admin_view``) wraps each of its pages alike: its
#: index and every list of records stand for the rest.
ADMIN_ROUTES = [
    r
    for r in routes()
    if r.name == "admin:index" or (r.name.startswith("admin:") and r.name.endswith("_changelist"))
]


def methods_to_check(route: Route) -> tuple[str, ...]:
    """Pages take GET and POST (a browser sends nothing else); the API every method."""
    return METHODS if route.is_api else ("GET", "POST")


def row(route: Route, method: str, observed: tuple[str, ...]) -> str:
    return f"{route.name:<35}{method:<7}" + " ".join(f"{o:<6}" for o in observed).rstrip()


def test_every_route_is_in_the_table() -> None:
    names = {r.name for r in SITE_ROUTES}
    missing = sorted(names - {route for route, _ in EXPECTED})
    assert not missing, f"routes without a row in the permission table: {missing}"
    stale = sorted({route for route, _ in EXPECTED} - names)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for route, method in EXPECTED:
        assert method in METHODS, (route, method)


@pytest.mark.parametrize("route", SITE_ROUTES, ids=lambda r: r.name)
def test_route(world: World, route: Route) -> None:
    world.clients.clear()  # their sessions were rolled back with the previous test
    wrong = []
    for method in methods_to_check(route):
        expected = EXPECTED.get((route.name, method))
        if expected is None:
            # Not in the table: not accepted, even from someone who passes every gate.
            got, status = outcome(world, route, method, "facilitator")
            if got != "405":
                wrong.append(f"{method} is accepted ({status}) but not in the table")
            continue
        observed = tuple(outcome(world, route, method, persona)[0] for persona in PERSONAS)
        if observed != expected:
            wrong.append(
                f"expected {row(route, method, expected)}\n   found  "
                + row(route, method, observed)
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.name)
def test_admin_is_for_operators_only(world: World, route: Route) -> None:
    url = reverse(route.name)
    # Every persona at the door; the lists, which cost more to render, for two of them.
    personas = PERSONAS if route.name == "admin:index" else ("member", "operator")
    for persona in personas:
        response = client_for(world.people[persona]).get(url)
        if persona == "operator":
            assert response.status_code == 200, (persona, response.status_code)
        else:
            assert response.status_code == 302, (persona, response.status_code)
            assert response["Location"].startswith(reverse("admin:login")), persona


UNSAFE = sorted(
    (route, method)
    for (route, method), expected in EXPECTED.items()
    if method != "GET" and set(expected) != {"405"}
)


@pytest.mark.parametrize("case", UNSAFE, ids=lambda c: f"{c[0]}-{c[1]}")
def test_every_write_needs_the_csrf_token(world: World, case: tuple[str, str]) -> None:
    """A logged-in facilitator's browser, tricked by another site, sends no token: refused."""
    from tests.security.matrix import request

    name, method = case
    route = next(r for r in SITE_ROUTES if r.name == name)
    client = client_for(world.people["facilitator"], csrf=True)
    with transaction.atomic():
        response = request(client, world, route, method)
        transaction.set_rollback(True)
    assert response.status_code == 403, (name, method, response.status_code)
    if not route.is_api:
        assert b"CSRF" in response.content
