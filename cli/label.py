"""``voc label ...``: analysts name themes (review sheets, theme browser, label catalogue).

``export`` writes a review sheet (xlsx or csv) and a theme browser beside it; ``import`` validates
a filled sheet whole and stores it in the label catalogue as one version; ``dataset`` turns the
catalogue into a training set for ``voc train``; ``suggest`` makes an active-learning sheet of the
contacts the model is least sure of; ``history`` lists the catalogue's versions.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.label_inputs import member_texts, previous_sizes, read_contacts_file, shown
from cli.options import VocCommand, VocGroup
from voc.errors import InputError
from voc.outputs import claim_outputs
from voc.workspace import Workspace

# pandas, rich tables and the stages are imported inside the commands: `voc --help` stays fast.
app = typer.Typer(
    cls=VocGroup,
    help="Label themes: review sheets, theme browser, label catalogue.",
    no_args_is_help=True,
    epilog="Examples:\n\n  voc label export --themes workspace/themes --out workspace/labels/review.xlsx\n\n"
    "  voc label import workspace/labels/review.xlsx --who alice\n\n"
    "  voc label dataset --themes workspace/themes --contacts contacts.parquet --out labelled.parquet\n\n"
    "  voc label history",
)
log = logging.getLogger(__name__)

CatalogueOpt = Annotated[
    str | None,
    typer.Option(
        "--catalogue",
        envvar="VOC_LABEL_CATALOGUE",
        help="Label catalogue: a SQLAlchemy URL or a SQLite file. Default: <workspace>/labels.db.",
    ),
]
TaxonomyOpt = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        help="Taxonomy YAML (default: the workspace's, i.e. the bundled one plus accepted proposals).",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite --out even when an analyst has filled it in.")
]


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n"
    "  voc label export --themes workspace/themes --out workspace/labels/review.xlsx\n\n"
    "  voc label export --themes workspace/themes --contacts contacts.parquet --out review.xlsx\n\n"
    "  voc label export --themes themes-w48 --previous workspace/labels.db --out review-w48.xlsx\n\n"
    "  voc label export --themes workspace/themes --out review.csv\n\n"
    "A sheet at --out that holds an analyst's decisions is not overwritten without --force. "
    "With --contacts and --model models:/root-cause@champion the model's suggestions join the "
    "taxonomy's (written to the run's suggestions.parquet). Also writes the theme browser beside "
    "the sheet (review.html).",
)
def export(
    ctx: typer.Context,
    themes: Annotated[Path, typer.Option("--themes", help="Folder written by `voc discover --out`.")],
    out: Annotated[Path, typer.Option("--out", help="Sheet to write: .xlsx or .csv.")],
    contacts: Annotated[
        Path | None, typer.Option(help="Contacts file: member samples and model suggestions need it.")
    ] = None,
    previous: Annotated[
        str | None,
        typer.Option(
            help="For the change in size: the previous run's folder (or its themes .parquet), or the "
            "label catalogue (labels.db or a SQLAlchemy URL: the size when each theme was labelled)."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Classifier URI for suggestions, e.g. models:/NAME@champion.")
    ] = None,
    members: Annotated[int, typer.Option(help="Members shown per theme in the browser.")] = 20,
    suggest_sample: Annotated[int, typer.Option(help="Members per theme the model looks at.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the member samples.")] = 0,
    taxonomy: TaxonomyOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write a review sheet (one row per theme, by group) and a theme browser beside it.

    The sheet has theme_id, name, group, size, change since the previous run, keywords, 5
    exemplars, the best root-cause suggestion (taxonomy and catalogue from `voc discover`; with
    --model also the model's majority over a sample of members, written back to the run's
    suggestions.parquet) with its source, confidence and whether it is confident, and empty
    group_label/group_action (first row of each group: decide the whole group) and label, action
    and notes columns for the analyst. Only redacted text is written. An existing sheet at OUT that
    holds decisions is refused unless --force.
    """
    import pandas as pd

    from reports.theme_browser import BrowserConfig, write_theme_browser
    from training.labelling.review import review_table
    from training.labelling.sheets import theme_sheet_frame, write_sheet
    from voc.contracts.themes import (
        ASSIGNMENTS_FILE,
        SUGGESTIONS_FILE,
        THEMES_FILE,
        read_suggestions,
        read_themes,
        write_suggestions,
    )
    from voc.taxonomy import load_taxonomy

    ws: Workspace = ctx.obj or Workspace.resolve()
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"{out}: --out must end in .xlsx or .csv")
    tax = _taxonomy(load_taxonomy, taxonomy or ws.taxonomy_file)
    # The run's tables are inputs; its suggestions.parquet is refreshed with the model's.
    folder = themes if themes.is_dir() else themes.parent
    inputs = [
        p for p in (folder / THEMES_FILE, folder / ASSIGNMENTS_FILE, contacts, taxonomy) if p is not None
    ]
    if previous and "://" not in previous:
        inputs.append(Path(previous))
    outputs = [out, out.with_suffix(".html")]
    if model is not None:
        outputs.append(folder / SUGGESTIONS_FILE)
    with claim_outputs(outputs, inputs, command=f"voc label export {themes}"):
        _refuse_filled_sheet(out, force)
        found = read_themes(themes, required=("size",))
        notes: list[str] = []
        before = previous_sizes(previous, notes) if previous else None
        texts, from_model = member_texts(
            themes, contacts, found, model, ws, notes, members=members, sample=suggest_sample, seed=seed
        )
        suggestions = read_suggestions(folder)
        if from_model is not None:
            kept = suggestions[suggestions["suggestion_source"] != "model"]
            suggestions = pd.concat([kept, from_model[list(kept.columns)]], ignore_index=True)
            write_suggestions(suggestions, folder)
        if model is None:
            notes.append("no --model: suggestions from the taxonomy and the catalogue only")
        review = review_table(found, before, suggestions)
        meta = {
            "themes_dir": str(folder.resolve()),
            "previous": shown(previous, resolve=True) if previous else "",
            "contacts": str(contacts.resolve()) if contacts else "",
            "model": model or "",
            "notes": "; ".join(notes),
        }
        sheet_path = write_sheet(theme_sheet_frame(review), out, kind="themes", taxonomy=tax, meta=meta)
        page = write_theme_browser(
            out.with_suffix(".html"),
            review,
            members=texts,
            config=BrowserConfig(max_members=members),
            previous=shown(previous) if previous else None,
            model=model if from_model is not None else None,
        )
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    confident = int(review["confident"].fillna(False).astype(bool).sum())
    groups = review["parent_id"].nunique()
    typer.echo(
        f"{len(review)} themes in {groups} groups, {confident} with a confident suggestion -> "
        f"{sheet_path}; browser -> {page}"
    )


@app.command(
    "import",
    cls=VocCommand,
    epilog="Examples:\n\n  voc label import workspace/labels/review.xlsx --who alice\n\n"
    "  voc label import review.csv --themes workspace/themes --who alice --dry-run\n\n"
    "  voc label import uncertain.xlsx --contacts workspace/data/interim/contacts.parquet\n\n"
    "  voc label import review.xlsx --catalogue postgresql+psycopg://voc@db/labels",
)
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A filled review sheet (.xlsx or .csv).")],
    themes: Annotated[
        Path | None,
        typer.Option(help="The discovery folder the sheet was made from (default: recorded in the xlsx)."),
    ] = None,
    contacts: Annotated[
        Path | None, typer.Option(help="Contacts file to check a contacts sheet's ids against.")
    ] = None,
    who: Annotated[str | None, typer.Option(help="Who labelled (default: the OS user).")] = None,
    catalogue: CatalogueOpt = None,
    taxonomy: TaxonomyOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; store nothing.")] = False,
) -> None:
    """Validate a filled sheet whole, then store its labels in the catalogue as one version.

    The kind of sheet (themes or contacts) is told by its columns. Every problem (unknown label or
    theme, bad action, a theme decided twice, accept without label, merge into a missing or merged
    theme) is listed with its row and nothing is stored unless the whole sheet is valid (exit 2).
    """
    import pandas as pd

    from training.labelling.catalogue import ImportInfo, current_user
    from training.labelling.sheets import read_sheet
    from training.labelling.validation import validate_contact_sheet, validate_theme_sheet
    from voc.contracts.themes import read_themes
    from voc.taxonomy import load_taxonomy

    ws: Workspace = ctx.obj or Workspace.resolve()
    tax = _taxonomy(load_taxonomy, taxonomy or ws.taxonomy_file)
    sheet = read_sheet(file)
    if sheet.meta.get("taxonomy_version") and sheet.meta["taxonomy_version"] != tax.version:
        typer.echo(
            f"note: the sheet was made with taxonomy v{sheet.meta['taxonomy_version']}, "
            f"checking against v{tax.version}",
            err=True,
        )
    cat = _catalogue(catalogue, ws)
    info = ImportInfo(who=who or current_user(), source=str(file.resolve()), taxonomy_version=tax.version)
    if sheet.kind == "themes":
        folder = themes or (Path(sheet.meta["themes_dir"]) if sheet.meta.get("themes_dir") else None)
        if folder is None:
            raise InputError(f"{file}: pass --themes DIR, the discovery folder this sheet was made from")
        decisions = validate_theme_sheet(
            sheet, read_themes(folder, required=("size",)), tax, cat.theme_decisions()
        )
        if not decisions:
            typer.echo(f"{file}: no decisions (every label and action is empty); nothing imported")
            return
        counts = pd.Series([d.action for d in decisions]).value_counts()
        summary = ", ".join(f"{n} {a}" for a, n in counts.items())
        if dry_run:
            typer.echo(
                f"{file}: valid, {len(decisions)} theme decisions ({summary}); dry run, nothing stored"
            )
            return
        version = cat.record_theme_decisions(decisions, info)
        typer.echo(f"{file}: {len(decisions)} theme decisions ({summary}) -> {cat.url} version {version}")
    else:
        known = None
        source = contacts or (Path(sheet.meta["contacts"]) if sheet.meta.get("contacts") else None)
        if source is not None and source.is_file():
            known = set(read_contacts_file(source)["contact_id"].astype(str))
        labels = validate_contact_sheet(sheet, tax, known)
        if not labels:
            typer.echo(f"{file}: no labels filled in; nothing imported")
            return
        if dry_run:
            typer.echo(f"{file}: valid, {len(labels)} contact labels; dry run, nothing stored")
            return
        version = cat.record_contact_labels(labels, info)
        typer.echo(f"{file}: {len(labels)} contact labels -> {cat.url} version {version}")
    cat.close()


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n"
    "  voc label dataset --themes workspace/themes --contacts contacts.parquet --out labelled.parquet\n\n"
    "  voc label dataset --themes t/ --contacts c.parquet --out labelled.parquet --min-per-label 5\n\n"
    "Then: voc train labelled.parquet. The .parquet output carries the discovery run and the "
    "catalogue version on to the model (voc train tags its run with them).",
)
def dataset(
    ctx: typer.Context,
    themes: Annotated[Path, typer.Option("--themes", help="Folder written by `voc discover --out`.")],
    contacts: Annotated[Path, typer.Option("--contacts", help="The contacts that run was made from.")],
    out: Annotated[Path, typer.Option("--out", help="Training set: .parquet (recommended), .csv or .jsonl.")],
    min_probability: Annotated[
        float, typer.Option(help="Leave out theme members at or below this membership probability.")
    ] = 0.0,
    min_per_label: Annotated[
        int, typer.Option(help="Leave out labels with fewer rows (voc train needs a few per label).")
    ] = 1,
    catalogue: CatalogueOpt = None,
) -> None:
    """Write a training set from the catalogue's labels for a discovery run's contacts.

    Members of labelled themes get the theme's label with weight = membership probability;
    per-contact corrections override them (weight 1). Columns: contact_id, text, label, weight,
    source (theme | correction), theme_id, catalogue_version, channel. `text` is the original
    contact text, so that `voc train` prepares and redacts it itself: keep the file in the
    workspace. `voc train OUT` reads it directly; a .parquet OUT also names the discovery run and
    the catalogue version, which `voc train` records with the model.
    """
    from training.labelling.dataset import DatasetConfig, build_training_set
    from voc.contracts.themes import read_assignments
    from voc.files import TABLE_SUFFIXES, write_table

    ws: Workspace = ctx.obj or Workspace.resolve()
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{out}: --out must end in {', '.join(TABLE_SUFFIXES)}")
    inputs = [themes, contacts, *_catalogue_file(catalogue, ws)]
    with claim_outputs([out], inputs, command=f"voc label dataset {themes}"):
        cat = _catalogue(catalogue, ws)
        labelled = cat.labelled_themes()
        corrections = cat.contact_labels()
        if labelled.empty and corrections.empty:
            raise InputError(f"{cat.url}: the catalogue has no labels yet; run `voc label import` first")
        assignments = read_assignments(themes)
        table = build_training_set(
            assignments,
            read_contacts_file(contacts),
            labelled,
            corrections,
            DatasetConfig(min_probability=min_probability, min_per_label=min_per_label),
        )
        if table.empty:
            raise InputError(
                f"{themes}: no contact of this run is in a labelled theme or corrected; "
                "is the catalogue from the same themes?"
            )
        # Lineage for `voc train` (kept in the Parquet metadata; CSV and JSONL have no room for it).
        table.attrs["voc"] = {
            "discovery_run_id": assignments.attrs.get("voc", {}).get("discovery_run_id", ""),
            "catalogue_version": int(table["catalogue_version"].max()),
            "catalogue": shown(cat.url),
            "themes": str(themes.resolve()),
        }
        write_table(table, out)
    counts = table["label"].value_counts()
    thin = counts[counts < 5]
    if len(thin):
        typer.echo(
            f"note: labels with fewer than 5 rows: {', '.join(f'{k} ({v})' for k, v in thin.items())}; "
            "label more with `voc label suggest`, or leave them out with --min-per-label 5",
            err=True,
        )
    by_source = table["source"].value_counts()
    typer.echo(
        f"{len(table):,} labelled contacts ({', '.join(f'{n:,} {s}' for s, n in by_source.items())}), "
        f"{table['label'].nunique()} labels -> {out}"
    )


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n"
    "  voc label suggest workspace/data/interim/contacts.parquet --out uncertain.xlsx\n\n"
    "  voc label suggest contacts.parquet --themes workspace/themes --n 100 --out uncertain.xlsx\n\n"
    "  voc label suggest contacts.parquet --model models:/root-cause/3 --out uncertain.xlsx\n\n"
    "  voc label import uncertain.xlsx",
)
def suggest(
    ctx: typer.Context,
    contacts: Annotated[Path, typer.Argument(help="Contacts to choose from: .csv, .parquet or .jsonl.")],
    out: Annotated[Path, typer.Option("--out", help="Sheet to write: .xlsx or .csv.")],
    model: Annotated[
        str, typer.Option("--model", help="Classifier URI, e.g. models:/NAME@champion.")
    ] = "models:/root-cause@champion",
    themes: Annotated[
        Path | None, typer.Option(help="Discovery folder: spread the picks over its themes.")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Contacts to pick.")] = 200,
    per_theme: Annotated[int | None, typer.Option(help="At most this many per theme.")] = None,
    pool: Annotated[int, typer.Option(help="Score at most this many contacts (a random sample).")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the pool sample.")] = 0,
    catalogue: CatalogueOpt = None,
    taxonomy: TaxonomyOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write an active-learning sheet of the contacts the model is least sure of.

    Picks the lowest-confidence contacts, spread over themes round-robin, into a sheet with
    contact_id, theme_id, clean_text, the suggested root cause, its confidence and an empty label.
    Contacts already labelled in the catalogue are skipped; import the filled sheet with
    `voc label import`. An existing sheet at OUT that holds labels is refused unless --force."""
    import pandas as pd

    from training.labelling.active_learning import SuggestConfig, contact_sheet_frame, pick_uncertain
    from training.labelling.sheets import write_sheet
    from training.pyfunc import load_predictor, predict_contacts
    from voc.contracts.themes import read_assignments
    from voc.taxonomy import load_taxonomy
    from voc.tracking import configure_uri

    ws: Workspace = ctx.obj or Workspace.resolve()
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"{out}: --out must end in .xlsx or .csv")
    config = SuggestConfig(n=n, per_theme=per_theme)
    tax = _taxonomy(load_taxonomy, taxonomy or ws.taxonomy_file)
    inputs = [p for p in (contacts, themes, taxonomy) if p is not None] + _catalogue_file(catalogue, ws)
    with claim_outputs([out], inputs, command=f"voc label suggest {contacts}"):
        _refuse_filled_sheet(out, force)
        configure_uri(ws)
        classifier, _ = load_predictor(model)
        cat = _catalogue(catalogue, ws)
        done = set(cat.contact_labels()["contact_id"].astype(str))
        frame = read_contacts_file(contacts)
        frame = frame[~frame["contact_id"].astype(str).isin(done)]
        if len(frame) > pool:
            frame = frame.sample(n=pool, random_state=seed)
        if frame.empty:
            raise InputError(f"{contacts}: no contacts left to suggest (all are labelled already)")
        frame = frame.assign(contact_id=frame["contact_id"].astype(str)).reset_index(drop=True)
        if themes is not None:
            theme_of = read_assignments(themes).set_index("contact_id")["theme_id"]
            frame["theme_id"] = frame["contact_id"].map(theme_of).fillna(-1).astype("int64")
        else:
            frame["theme_id"] = -1
        # Raw text in: the model prepares and redacts each contact once and hands back the clean_text.
        predicted = predict_contacts(classifier, frame, batch_size=config.batch_size, progress=True)
        scored = pd.concat([frame[["contact_id", "theme_id"]], predicted], axis=1)
        picked = pick_uncertain(scored, config)
        meta = {
            "contacts": str(contacts.resolve()),
            "themes_dir": str(themes.resolve()) if themes else "",
            "model": model,
        }
        path = write_sheet(contact_sheet_frame(picked), out, kind="contacts", taxonomy=tax, meta=meta)
    typer.echo(
        f"{len(picked)} contacts from {picked['theme_id'].nunique()} themes "
        f"(confidence {picked['confidence'].min():.2f}-{picked['confidence'].max():.2f}) -> {path}"
    )


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n  voc label history\n\n  voc label history --catalogue workspace/labels.db",
)
def history(ctx: typer.Context, catalogue: CatalogueOpt = None) -> None:
    """List the catalogue's versions: who imported what, when."""
    from rich.console import Console
    from rich.table import Table

    ws: Workspace = ctx.obj or Workspace.resolve()
    cat = _catalogue(catalogue, ws)
    versions = cat.history()
    table = Table(title=f"label catalogue {cat.url}")
    for col in ("version", "created_at", "who", "kind", "n_decisions", "source"):
        table.add_column(col)
    for rec in versions.to_dict("records"):
        table.add_row(
            str(rec["version"]),
            f"{rec['created_at']:%Y-%m-%d %H:%M}",
            str(rec["who"]),
            str(rec["kind"]),
            str(rec["n_decisions"]),
            str(rec["source"]),
        )
    Console().print(table)
    typer.echo(f"{len(cat.labelled_themes())} labelled themes, {len(cat.contact_labels())} contact labels")


def _refuse_filled_sheet(path: Path, force: bool) -> None:
    """An analyst's filled-in sheet is their work: it is overwritten only with ``--force``.

    A sheet whose label, action and notes cells are all empty (as exported) may be replaced; a file
    at ``path`` that cannot be read as a sheet is not replaced either, since it cannot be checked.
    """
    if force or not path.is_file() or path.stat().st_size == 0:
        return
    from training.labelling.sheets import read_sheet

    fix = "pass --force to overwrite it, or choose another --out"
    try:
        rows = read_sheet(path).rows
    except InputError as exc:
        raise InputError(
            f"{path}: already exists and cannot be read as a review sheet whose decisions can be "
            f"counted, so it was not overwritten; {fix}"
        ) from exc
    from training.labelling.sheets import ANALYST_COLUMNS

    filled = (rows[ANALYST_COLUMNS] != "").any(axis=1)
    if filled.any():
        raise InputError(
            f"{path}: holds {int(filled.sum())} analyst decision(s) (a label, action, group or notes "
            "cell filled in) "
            f"and was not overwritten; import it first (voc label import {path}), or {fix}"
        )


def _catalogue_file(url: str | None, ws: Workspace) -> list[Path]:
    """The catalogue's file when it is one (default or SQLite), as an input no output may replace."""
    from training.labelling.catalogue import CATALOGUE_FILE

    if url is None:
        return [ws.root / CATALOGUE_FILE]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return [Path(url.removeprefix("sqlite:///"))]
    return [] if "://" in url else [Path(url)]


def _catalogue(url: str | None, ws: Workspace) -> Any:
    from training.labelling.catalogue import Catalogue

    return Catalogue(url) if url else Catalogue.in_workspace(ws.root)


def _taxonomy(loader: Any, path: Path | None) -> Any:
    try:
        return loader(path)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
