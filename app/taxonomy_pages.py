"""The taxonomy page: root causes in force and proposals for new ones.

``POST /taxonomy/propose`` stores a proposal for an off-taxonomy theme (who, when); on
``POST /taxonomy/proposals/{id}/decide`` an accepted proposal extends the workspace's taxonomy in a
new version (:func:`voc.taxonomy.extend_taxonomy`) and labels its theme with the new root cause as
one catalogue version, validated like any other save; a rejected one is recorded and its theme
goes back to the review list.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from app.pages import pages
from app.review import save_decisions
from app.security import read_form
from training.labelling.proposals import Proposal
from training.labelling.validation import SheetError
from voc.errors import InputError
from voc.taxonomy import FAMILIES, extend_taxonomy

router = APIRouter()


@router.get("/taxonomy")
def taxonomy(request: Request) -> Response:
    p = pages(request)
    table = p.state.proposals().table()
    return p.render(
        request,
        "taxonomy.html.j2",
        title="Taxonomy",
        taxonomy=p.state.taxonomy(),
        pending=table[table["status"] == "pending"].to_dict("records"),
        decided=table[table["status"] != "pending"].to_dict("records"),
    )


@router.post("/taxonomy/propose")
async def propose(request: Request) -> Response:
    p = pages(request)
    form = await read_form(request, p.csrf)
    one = {k: (v[0].strip() if v else "") for k, v in form.items()}
    back = one.get("back") or "/taxonomy"
    theme_id = int(one["theme"]) if one.get("theme", "").lstrip("-").isdigit() else None
    proposal = Proposal(
        cause_id=one.get("cause_id", "").lower(),
        name=one.get("name", ""),
        family=one.get("family", "other") if one.get("family") in FAMILIES else one.get("family", ""),
        owner=one.get("owner", ""),
        description=one.get("description", ""),
        theme_id=theme_id,
    )
    try:
        number = p.state.proposals().propose(proposal, p.state.taxonomy(), p.who(request))
    except InputError as exc:
        return p.redirect(back, f"Nothing was saved: {exc}", "error")
    return p.redirect(
        back,
        f"Proposal {number} stored: new root cause {proposal.name!r} ({proposal.cause_id}), "
        "waiting for a decision.",
    )


@router.post("/taxonomy/proposals/{proposal_id}/decide")
async def decide(request: Request, proposal_id: int) -> Response:
    p = pages(request)
    form = await read_form(request, p.csrf)
    accepted = (form.get("decision") or [""])[0] == "accept"
    state = p.state
    proposals = state.proposals()
    try:
        proposal = proposals.get(proposal_id)
    except InputError as exc:
        return p.redirect("/taxonomy", str(exc), "error")
    who = p.who(request)
    if not accepted:
        proposals.decide(proposal_id, accepted=False, who=who)
        return p.redirect("/taxonomy", f"Proposal {proposal_id} ({proposal.cause_id}) rejected.")
    base = state.taxonomy()
    problems = proposal.problems(base)
    if problems:
        return p.redirect("/taxonomy", f"Nothing was saved: {'; '.join(problems)}", "error")
    extended, path = extend_taxonomy(state.config.workspace.taxonomy_dir, base, [proposal.root_cause()])
    state.use_taxonomy(path)
    message = f"Taxonomy v{extended.version} written ({path.name}) with {proposal.cause_id}."
    if proposal.theme_id is not None:
        try:
            version, _ = save_decisions(
                request,
                [
                    {
                        "theme_id": str(proposal.theme_id),
                        "label": proposal.cause_id,
                        "action": "accept",
                        "notes": f"proposal {proposal_id}",
                    }
                ],
            )
            message += (
                f" Theme {proposal.theme_id} labelled {proposal.cause_id} as catalogue version {version}."
            )
        except SheetError as exc:
            message += (
                f" Theme {proposal.theme_id} not labelled: {'; '.join(pr.message for pr in exc.problems)}."
            )
    proposals.decide(proposal_id, accepted=True, who=who, taxonomy_version=extended.version)
    return p.redirect("/taxonomy", message)
