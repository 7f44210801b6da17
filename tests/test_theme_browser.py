"""The theme browser: a static page that shows themes and never runs what customers wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from browser import chromium, needs_chromium
from label_data import IMG_PAYLOAD, SCRIPT_PAYLOAD, make_contacts, make_themes_dir

from cli.main import main
from reports.theme_browser import BrowserConfig, csp_hash, render_theme_browser
from training.labelling.review import review_table
from voc.contracts.themes import read_themes

BREAKOUT = "</script><script>document.title='PWNED2'</script><!--"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser `voc label export` writes beside the sheet, members included."""
    root = tmp_path_factory.mktemp("browser")
    contacts = make_contacts()
    contacts.loc[contacts["contact_id"] == "C1000", "text"] = (
        f"Customer: late parcel {BREAKOUT} {IMG_PAYLOAD}"
    )
    contacts.drop(columns=["root_cause", "theme_id"]).to_parquet(root / "contacts.parquet", index=False)
    run = make_themes_dir(root / "run", contacts, new={3})
    out = root / "review.xlsx"
    args = ["--themes", run, "--contacts", root / "contacts.parquet", "--out", out, "--members", "50"]
    assert main(["--workspace", str(root / "ws"), "label", "export", *map(str, args)]) == 0
    return out.with_suffix(".html")


def test_every_text_is_escaped_and_only_our_script_may_run(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    for payload in (SCRIPT_PAYLOAD, IMG_PAYLOAD, BREAKOUT, "<img src=x"):
        assert payload not in html
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;document.title=&#39;PWNED2&#39;" in html
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1  # the page's own, nothing from the data
    assert f"script-src '{csp_hash(scripts[0])}'" in html
    assert "http://" not in html.replace("http://evil.example", "") and "https://" not in html  # no assets
    assert "example.com" not in html and "[EMAIL]" in html  # members are redacted clean_text


def test_render_without_members_or_changes(tmp_path: Path) -> None:
    themes = read_themes(make_themes_dir(tmp_path / "run", make_contacts()), required=("size",))
    html = render_theme_browser(review_table(themes), config=BrowserConfig(title="Week <47>"))
    assert "<title>Week &lt;47&gt;</title>" in html
    assert html.count('<article class="theme"') == 4 and "<details>" not in html
    with pytest.raises(ValueError, match="max_members"):
        BrowserConfig(max_members=-1)


@needs_chromium
def test_page_in_headless_chromium_shows_themes_and_runs_no_payload(page: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert 'data-ready="1"' in dom  # our inline script ran (allowed by its CSP hash)
    assert "<title>Themes to review</title>" in dom  # the payloads did not retitle the page
    assert "PWNED" not in re.search(r"<title>.*?</title>", dom).group(0)  # type: ignore[union-attr]
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert re.search(r"<body[^>]*>", dom) and 'data-pwned="1"' not in dom
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom  # shown as text
    assert dom.count('<article class="theme"') == 4
    for theme_id, keyword in ((0, "refund"), (1, "parcel"), (2, "size"), (3, "cancel")):
        assert f'id="theme-{theme_id}"' in dom and f"<li>{keyword}</li>" in dom
    assert "4 of 4 themes shown" in dom
    assert '<span class="badge new">new</span>' in dom

    # The search box filters (a search can be given in the URL: page.html#q=...).
    searched = chromium(tmp_path / "profile", "--dump-dom", page.as_uri() + "#q=parcel%20late")
    assert "1 of 4 themes shown" in searched
    visible = re.findall(r'<article class="theme" id="theme-(\d+)"[^>]*?(hidden="")?>', searched)
    assert [t for t, hidden in visible if not hidden] == ["1"]

    shot = tmp_path / "theme_browser.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_cards_carry_the_theme_name_its_group_and_its_best_suggestion(tmp_path: Path) -> None:
    from voc.contracts.themes import SUGGESTION_COLUMNS

    themes = read_themes(make_themes_dir(tmp_path / "run", make_contacts()), required=("size",))
    themes = themes.assign(
        name=[f"Name of theme {t}" for t in themes["theme_id"]], parent_name="Money matters"
    )
    suggestions = pd.DataFrame(
        [(0, "refund_not_received", 0.93, "taxonomy", True)], columns=list(SUGGESTION_COLUMNS)
    )
    html = render_theme_browser(review_table(themes, suggestions=suggestions))
    assert '<h2>Name of theme 0 <span class="id">theme 0</span>' in html
    assert html.count("group: Money matters") == 4
    assert "taxonomy suggests <strong>refund_not_received</strong>, confidence 0.93" in html
    assert html.count('<span class="badge confident">confident</span>') == 1
