from __future__ import annotations

from pathlib import Path

import pytest

from voc.taxonomy import FAMILIES, load_taxonomy


def test_bundled_taxonomy_covers_the_journey() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.root_causes) >= 20
    assert {rc.family for rc in taxonomy.root_causes} == set(FAMILIES)
    for must in ("changed_mind", "cannot_cancel", "wrong_size_fit", "refund_not_received", "missed_pickup"):
        assert must in taxonomy
    assert taxonomy.family_of("damaged_in_transit") == "delivery"
    assert taxonomy.family_of("not_a_cause") == "other"
    assert all(rc.owner and rc.description for rc in taxonomy.root_causes)


def test_taxonomy_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yaml"
    bad.write_text(
        "version: '1'\nroot_causes:\n"
        "  - {id: a, name: A, family: return, owner: X, description: d}\n"
        "  - {id: a, name: B, family: return, owner: X, description: d}\n"
    )
    with pytest.raises(ValueError, match="'a' appears twice"):
        load_taxonomy(bad)
    bad.write_text("root_causes:\n  - {id: a, name: A, family: space, owner: X, description: d}\n")
    with pytest.raises(ValueError, match="family 'space'"):
        load_taxonomy(bad)
