"""Taxonomy proposals: a new root cause an analyst suggests for an off-taxonomy theme.

A theme whose friction the taxonomy has no id for (an app crash, a gift-card balance) used to have
one way out, ``noise``, which hides a real pain point. Instead the analyst proposes a root cause
(id, name, family, owner, description) for it. Proposals live in the label catalogue's database
(table ``taxonomy_proposals``: who, when, status, who decided, the taxonomy version an accepted
proposal created) and are decided by a second step:

* **accept**: the workspace gets a new taxonomy version, the current taxonomy plus the new root
  cause (:func:`voc.taxonomy.extend_taxonomy`, written to ``<workspace>/taxonomy/``), and the theme
  is labelled with the new id as one catalogue version, so next week's models can learn it;
* **reject**: recorded with who and when; the theme stays to be labelled.

Until it is decided, a theme with a pending proposal is reported under the proposed name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from training.labelling.catalogue import catalogue_url
from voc.errors import InputError
from voc.taxonomy import FAMILIES, RootCause, Taxonomy

CAUSE_ID = re.compile(r"^[a-z][a-z0-9_]{2,49}$")
STATUSES = ("pending", "accepted", "rejected")
COLUMNS = [
    "proposal_id",
    "theme_id",
    "cause_id",
    "name",
    "family",
    "owner",
    "description",
    "who",
    "created_at",
    "status",
    "decided_by",
    "decided_at",
    "taxonomy_version",
]


class _Base(DeclarativeBase):
    pass


class ProposalRow(_Base):
    __tablename__ = "taxonomy_proposals"

    proposal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    theme_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    cause_id: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    taxonomy_version: Mapped[str | None] = mapped_column(String(50), nullable=True)


@dataclass(frozen=True)
class Proposal:
    """What an analyst proposes: a root cause in the taxonomy's own terms."""

    cause_id: str
    name: str
    family: str
    owner: str
    description: str
    theme_id: int | None = None

    def problems(self, taxonomy: Taxonomy) -> list[str]:
        """Everything wrong with the proposal against ``taxonomy`` (empty when it can be stored)."""
        found = []
        if not CAUSE_ID.match(self.cause_id):
            found.append(
                f"id {self.cause_id!r}: use 3-50 lower-case letters, digits or _ starting with a letter"
            )
        elif self.cause_id in taxonomy:
            found.append(f"id {self.cause_id!r} is already a root cause ({taxonomy[self.cause_id].name})")
        if self.family not in FAMILIES:
            found.append(f"family {self.family!r}: expected one of {', '.join(FAMILIES)}")
        for field in ("name", "owner", "description"):
            if not getattr(self, field).strip():
                found.append(f"{field} is empty")
        return found

    def root_cause(self) -> RootCause:
        return RootCause(
            id=self.cause_id,
            name=self.name.strip(),
            family=self.family,
            owner=self.owner.strip(),
            description=self.description.strip(),
        )


class Proposals:
    """The proposals table in the catalogue database at ``url`` (created on first use)."""

    def __init__(self, url: str) -> None:
        self.url = catalogue_url(url)
        self._engine: Engine = create_engine(self.url)
        _Base.metadata.create_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def propose(self, proposal: Proposal, taxonomy: Taxonomy, who: str) -> int:
        """Store ``proposal`` as pending; its number. Raises InputError listing every problem."""
        problems = proposal.problems(taxonomy)
        pending = self.table(status="pending")
        if (pending["cause_id"] == proposal.cause_id).any():
            problems.append(f"id {proposal.cause_id!r} is already proposed and waiting for a decision")
        if problems:
            raise InputError("proposal not stored: " + "; ".join(problems))
        with Session(self._engine) as session, session.begin():
            row = ProposalRow(
                theme_id=proposal.theme_id,
                cause_id=proposal.cause_id,
                name=proposal.name.strip(),
                family=proposal.family,
                owner=proposal.owner.strip(),
                description=proposal.description.strip(),
                who=who,
                created_at=datetime.now(UTC),
                status="pending",
            )
            session.add(row)
            session.flush()
            return int(row.proposal_id)

    def get(self, proposal_id: int) -> Proposal:
        """The pending proposal ``proposal_id``; InputError when there is none."""
        with Session(self._engine) as session:
            row = session.get(ProposalRow, int(proposal_id))
            if row is None or row.status != "pending":
                raise InputError(f"proposal {proposal_id}: no such pending proposal")
            return Proposal(row.cause_id, row.name, row.family, row.owner, row.description, row.theme_id)

    def decide(self, proposal_id: int, accepted: bool, who: str, taxonomy_version: str | None = None) -> None:
        """Mark a pending proposal accepted (with the taxonomy version it created) or rejected."""
        with Session(self._engine) as session, session.begin():
            row = session.get(ProposalRow, int(proposal_id))
            if row is None or row.status != "pending":
                raise InputError(f"proposal {proposal_id}: no such pending proposal")
            row.status = "accepted" if accepted else "rejected"
            row.decided_by = who
            row.decided_at = datetime.now(UTC)
            row.taxonomy_version = taxonomy_version

    def table(self, status: str | None = None) -> pd.DataFrame:
        """Every proposal (or those with ``status``), newest first, with the columns of ``COLUMNS``."""
        query = select(ProposalRow).order_by(ProposalRow.proposal_id.desc())
        if status is not None:
            query = query.where(ProposalRow.status == status)
        with Session(self._engine) as session:
            rows = session.execute(query).scalars().all()
            records = [{c: getattr(r, c) for c in COLUMNS} for r in rows]
        out = pd.DataFrame.from_records(records, columns=COLUMNS)
        out["theme_id"] = out["theme_id"].astype("Int64")
        return out
