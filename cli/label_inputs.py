"""What ``voc label export`` and ``voc label dataset`` read besides the themes: members, sizes, models.

Helpers of :mod:`cli.label`, kept apart so each module stays small: each theme's redacted member
texts and the model's suggestions, the previous sizes (a run or the catalogue), a contacts file
read without column options, and URLs shown without passwords.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from voc.errors import InputError
from voc.workspace import Workspace

if TYPE_CHECKING:  # pandas is imported when a command runs: `voc --help` stays fast
    import pandas as pd


def member_texts(
    themes: Path,
    contacts: Path | None,
    found: pd.DataFrame,
    model: str | None,
    ws: Workspace,
    notes: list[str],
    *,
    members: int,
    sample: int,
    seed: int,
) -> tuple[dict[int, list[str]], pd.DataFrame | None]:
    """Each theme's redacted member texts for the browser, and the model's suggestions (or None)."""
    from training.labelling.active_learning import theme_suggestions
    from training.labelling.review import sample_members
    from training.pyfunc import predict_contacts
    from voc.contracts.themes import read_assignments

    texts: dict[int, list[str]] = {}
    suggestions = None
    if contacts is None:
        notes.append("no --contacts: no member samples and no model suggestions")
        return texts, None
    assignments = read_assignments(themes)
    per_theme = max(members, sample if model else 0)
    picked = sample_members(assignments, per_theme, seed=seed, themes=set(found["theme_id"]))
    frame = read_contacts_file(contacts)
    frame = frame.assign(contact_id=frame["contact_id"].astype(str)).set_index("contact_id")
    picked = picked[picked["contact_id"].isin(frame.index)]
    member_contacts = frame.loc[picked["contact_id"]].reset_index()
    classifier = classifier_or_note(model, ws, notes) if model else None
    if classifier is not None:
        # The model prepares and redacts each member once and hands back the clean_text.
        predicted = predict_contacts(classifier, member_contacts)
        suggestions = theme_suggestions(predicted.assign(theme_id=picked["theme_id"].to_numpy()))
        clean_text = predicted["clean_text"].to_numpy()
    else:
        from cli.progress import step
        from nlp.prepare import prepare_contacts

        with step(f"preparing {len(member_contacts):,} member contacts"):
            clean_text = prepare_contacts(member_contacts)["clean_text"].to_numpy()
    picked = picked.assign(clean_text=clean_text)
    for theme_id, group in picked.groupby("theme_id"):
        texts[int(theme_id)] = list(group["clean_text"].head(members))  # type: ignore[arg-type]
    return texts, suggestions


def previous_sizes(target: str, notes: list[str]) -> pd.DataFrame:
    """``--previous`` of ``export`` as ``theme_id, size``: a previous run or the label catalogue.

    A discovery folder (or its themes ``.parquet``) gives each theme's size in that run; a
    catalogue (a ``.db`` file or a SQLAlchemy URL, as ``voc discover --previous`` takes) gives the
    size each theme had when it was last labelled.
    """
    import pandas as pd
    from sqlalchemy.exc import SQLAlchemyError

    from training.labelling.catalogue import Catalogue
    from voc.contracts.themes import read_themes

    path = Path(target)
    if "://" not in target and (path.is_dir() or path.suffix.lower() in (".parquet", ".pq")):
        return read_themes(path, required=("size",))
    if "://" not in target and not path.is_file():
        raise InputError(f"--previous {target}: neither a discovery folder nor a label catalogue file")
    try:
        cat = Catalogue(target)
        try:
            decided = cat.theme_decisions()
        finally:
            cat.close()
    except SQLAlchemyError as exc:
        raise InputError(
            f"--previous {shown(target)}: not a readable label catalogue ({type(exc).__name__}); "
            "give a discovery folder, labels.db or a catalogue URL"
        ) from exc
    notes.append("--previous is the label catalogue: change is against each theme's size when last labelled")
    decided = decided[decided["size"].notna()]
    return pd.DataFrame(
        {"theme_id": decided["theme_id"].astype("int64"), "size": decided["size"].astype("int64")}
    )


def shown(target: str, resolve: bool = False) -> str:
    """A path or catalogue URL as it may be shown in a sheet or page: never a URL's password."""
    if "://" not in target:
        return str(Path(target).resolve()) if resolve else target
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(target).render_as_string(hide_password=True)
    except ArgumentError:
        return target.split("://", 1)[0] + "://..."


def read_contacts_file(path: Path) -> pd.DataFrame:
    """A contacts file's accepted rows; its errors point to `voc data validate` for the options
    (--text-column, --dayfirst) that the label commands do not have."""
    from voc.contracts.contacts import read_contacts
    from voc.contracts.reading import ContractConfig

    return read_contacts(path, ContractConfig(column_options=False))


def classifier_or_note(uri: str, ws: Workspace, notes: list[str]) -> Any:
    """The model at ``uri``, or ``None`` with a note (the sheet is still useful without it)."""
    from training.pyfunc import load_predictor
    from voc.tracking import configure_uri

    configure_uri(ws)
    try:
        return load_predictor(uri)[0]
    except InputError as exc:
        notes.append(f"suggestion columns left empty: {exc}")
        return None
