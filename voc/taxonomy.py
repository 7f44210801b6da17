"""The root-cause taxonomy: a versioned YAML file (``data/taxonomy.yaml``).

Each root cause has an ``id`` (what models predict and labels use), a display ``name``, a
``family`` (cancellation, return, refund, delivery, other), an ``owner`` team and a one-line
``description``; optionally a ``next_step`` (the fix recommended to the owner team, shown beside the
pain point in the report and the app) and ``examples`` (a few customer phrasings of the cause, which
zero-shot theme suggestions compare with a theme).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from voc.files import write_text

FAMILIES = ("cancellation", "return", "refund", "delivery", "other")
DEFAULT_TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "taxonomy.yaml"


@dataclass(frozen=True)
class RootCause:
    id: str
    name: str
    family: str
    owner: str
    description: str
    next_step: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    version: str
    name: str
    root_causes: tuple[RootCause, ...]

    @property
    def ids(self) -> list[str]:
        return [rc.id for rc in self.root_causes]

    def __contains__(self, cause_id: object) -> bool:
        return any(rc.id == cause_id for rc in self.root_causes)

    def __getitem__(self, cause_id: str) -> RootCause:
        for rc in self.root_causes:
            if rc.id == cause_id:
                return rc
        raise KeyError(f"unknown root cause {cause_id!r} (taxonomy {self.name} v{self.version})")

    def family_of(self, cause_id: str, default: str = "other") -> str:
        """Family of ``cause_id``, or ``default`` for a label outside the taxonomy."""
        return self[cause_id].family if cause_id in self else default


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and check a taxonomy file; ``None`` loads the bundled ``data/taxonomy.yaml``.

    Raises ``ValueError`` naming the file and entry when an id repeats, a field is missing or a
    family is unknown.
    """
    source = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{source}: cannot read taxonomy: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("root_causes"), list):
        raise ValueError(f"{source}: expected a mapping with a 'root_causes' list")
    causes: list[RootCause] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["root_causes"], start=1):
        missing = [k for k in ("id", "name", "family", "owner", "description") if not entry.get(k)]
        if missing:
            raise ValueError(f"{source}: root cause #{i} lacks {', '.join(missing)}")
        if entry["id"] in seen:
            raise ValueError(f"{source}: root cause id {entry['id']!r} appears twice")
        if entry["family"] not in FAMILIES:
            raise ValueError(
                f"{source}: root cause {entry['id']!r} has family {entry['family']!r}; "
                f"expected one of {', '.join(FAMILIES)}"
            )
        seen.add(entry["id"])
        examples = entry.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
            raise ValueError(f"{source}: root cause {entry['id']!r}: examples must be a list of phrases")
        causes.append(
            RootCause(
                **{k: str(entry[k]) for k in ("id", "name", "family", "owner", "description")},
                next_step=str(entry.get("next_step") or ""),
                examples=tuple(e.strip() for e in examples),
            )
        )
    return Taxonomy(
        version=str(doc.get("version", "0")),
        name=str(doc.get("name", source.stem)),
        root_causes=tuple(causes),
    )


# -- versions made in a workspace ----------------------------------------------------------------
# Accepted taxonomy proposals extend the taxonomy in place of editing the bundled file: each
# extension is a new file ``<workspace>/taxonomy/taxonomy-<n>.yaml`` with version
# ``<base version>+ws<n>``, and the newest one is the workspace's taxonomy from then on.

_WORKSPACE_FILE = re.compile(r"^taxonomy-(\d+)\.yaml$")


def current_taxonomy_file(folder: str | Path) -> Path:
    """The newest ``taxonomy-<n>.yaml`` in ``folder``, else the bundled taxonomy."""
    found = [
        (int(m.group(1)), p)
        for p in Path(folder).glob("taxonomy-*.yaml")
        if (m := _WORKSPACE_FILE.match(p.name))
    ]
    return max(found)[1] if found else DEFAULT_TAXONOMY


def extend_taxonomy(folder: str | Path, base: Taxonomy, causes: list[RootCause]) -> tuple[Taxonomy, Path]:
    """Write ``base`` plus ``causes`` as the next version in ``folder``; the new taxonomy and its file.

    Raises ``ValueError`` when a cause's id is already in ``base``.
    """
    clash = [c.id for c in causes if c.id in base]
    if clash:
        raise ValueError(f"root cause id {clash[0]!r} is already in taxonomy v{base.version}")
    folder = Path(folder)
    numbers = [
        int(m.group(1)) for p in folder.glob("taxonomy-*.yaml") if (m := _WORKSPACE_FILE.match(p.name))
    ]
    n = max(numbers, default=0) + 1
    extended = Taxonomy(
        version=f"{base.version.split('+ws')[0]}+ws{n}",
        name=base.name,
        root_causes=(*base.root_causes, *causes),
    )
    doc = {
        "version": extended.version,
        "name": extended.name,
        "families": list(FAMILIES),
        "root_causes": [
            {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(rc).items()
                if v or k in ("id", "name", "family", "owner", "description")
            }
            for rc in extended.root_causes
        ],
    }
    added = ", ".join(c.id for c in causes)
    header = f"# Taxonomy v{extended.version}: v{base.version} plus accepted proposals ({added}).\n"
    path = folder / f"taxonomy-{n}.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    write_text(path, header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100))
    return extended, path
