"""Every write to proposals: drafting, versions, amendments, discussion, co-signing.

Each service checks access through :mod:`proposals.permissions`, applies the rule from
:mod:`proposals.domain` and writes in one transaction; errors are
:mod:`common.errors` (400, 403, 404, 409 in the API). The order of checks is: the
thing exists and may be read (404), the actor may do this (403), the input is valid
(400), the proposal's state allows it (409).

``decision_round_opened``, ``decision_round_closed`` and ``decision_recorded`` keep a
proposal's state in step with the decisions taken on it: they follow :mod:`voting.hooks`
(connected in ``ProposalsConfig.ready``), in the transaction that opens or closes a round
or records a decision.
"""

from __future__ import annotations

from proposals.services.amendments import accept_amendment as accept_amendment
from proposals.services.amendments import decline_amendment as decline_amendment
from proposals.services.amendments import promote_amendment as promote_amendment
from proposals.services.amendments import propose_amendment as propose_amendment
from proposals.services.amendments import ranked_alternatives as ranked_alternatives
from proposals.services.amendments import rebase_amendment as rebase_amendment
from proposals.services.base import ADOPTED_OUTCOMES as ADOPTED_OUTCOMES
from proposals.services.base import current_text as current_text
from proposals.services.base import lock_proposal as lock_proposal
from proposals.services.discussion import add_comment as add_comment
from proposals.services.discussion import edit_comment as edit_comment
from proposals.services.discussion import moderate as moderate
from proposals.services.discussion import react as react
from proposals.services.discussion import unreact as unreact
from proposals.services.drafting import adopted_version as adopted_version
from proposals.services.drafting import change_state as change_state
from proposals.services.drafting import cosign as cosign
from proposals.services.drafting import create_proposal as create_proposal
from proposals.services.drafting import create_version as create_version
from proposals.services.drafting import integrate_objection as integrate_objection
from proposals.services.drafting import invite_coauthor as invite_coauthor
from proposals.services.drafting import respond_to_invitation as respond_to_invitation
from proposals.services.drafting import version_for_round as version_for_round
from proposals.services.drafting import withdraw_cosign as withdraw_cosign
from proposals.services.following import decision_recorded as decision_recorded
from proposals.services.following import decision_round_closed as decision_round_closed
from proposals.services.following import decision_round_opened as decision_round_opened
