"""The app's review side through HTTP (Starlette's TestClient): what an analyst sees and saves.

Each save must land in the label catalogue as one version with who and when, through the same
validation as `voc label import`; a bad save stores nothing and says why; customer text is escaped;
the app refuses requests that are not its own (other hosts, missing token, forms without CSRF).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.security import check_bind
from app.server import create_app
from app.state import AppConfig
from tests.app_data import write_run
from training.labelling.catalogue import Catalogue
from training.labelling.proposals import Proposals
from voc.errors import InputError
from voc.taxonomy import load_taxonomy
from voc.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    write_run(tmp_path / "themes")
    return Workspace(tmp_path)


def client_for(ws: Workspace, **kwargs: object) -> TestClient:
    config = AppConfig(workspace=ws, themes=ws.root / "themes", who="tester", **kwargs)  # type: ignore[arg-type]
    return TestClient(create_app(config), base_url="http://127.0.0.1:8765")


def csrf_of(client: TestClient, url: str = "/review") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)
    assert match, "no form on the page"
    return match.group(1)


def post(client: TestClient, url: str, data: dict[str, object]) -> str:
    """POST a form as the page would, follow the redirect, return the page shown after it."""
    response = client.post(url, data={"csrf": csrf_of(client), **data}, follow_redirects=True)
    assert response.status_code == 200, response.text[:500]
    return response.text


def flash(page: str) -> str:
    match = re.search(r'id="flash">(.*?)</p>', page, re.S)
    assert match, "no message shown"
    return match.group(1)


def test_review_page_groups_named_themes_with_suggestions(ws: Workspace) -> None:
    page = client_for(ws).get("/review").text
    assert "Cannot cancel an order" in page and "Gift cards and warranty" in page
    assert "Cancel button greyed out" in page
    # The group whose open themes all carry the same confident suggestion can be accepted at once.
    assert "Accept “Cannot cancel” for 3 themes" in page
    assert "93%" in page and "taxonomy" in page
    assert "0 of 5 themes decided" in page


def test_accepting_a_whole_group_is_one_catalogue_version(ws: Workspace) -> None:
    client = client_for(ws)
    page = post(client, "/review/accept", {"theme": ["0", "1", "2"], "back": "/review"})
    assert "Saved 3 accept as catalogue version 1 (by tester)" in flash(page)
    catalogue = Catalogue.in_workspace(ws.root)
    history = catalogue.history()
    assert history["n_decisions"].tolist() == [3] and history["who"].tolist() == ["tester"]
    decisions = catalogue.theme_decisions()
    assert dict(zip(decisions["theme_id"], decisions["label"], strict=True)) == {
        0: "cannot_cancel",
        1: "cannot_cancel",
        2: "cannot_cancel",
    }
    # Decided themes leave the "to review" list and show their label under "decided".
    assert "3 of 5 themes decided" in client.get("/review").text
    done = client.get("/review?status=done").text
    assert done.count('class="theme labelled"') == 3


def test_group_label_and_noise_and_merge(ws: Workspace) -> None:
    client = client_for(ws)
    post(client, "/review/decide", {"theme": ["3", "4"], "label": "", "action": "noise", "back": "/review"})
    page = post(
        client,
        "/review/decide",
        {"theme": "1", "label": "", "action": "merge_into", "merge_into": "0", "back": "/review"},
    )
    # Merging into a theme not yet labelled has nothing to inherit: the import's own message.
    assert "Nothing was saved" in flash(page)
    post(client, "/review/decide", {"theme": "0", "label": "cannot_cancel", "action": "accept", "back": "/"})
    page = post(
        client,
        "/review/decide",
        {"theme": "1", "label": "", "action": "merge_into", "merge_into": "0", "back": "/review"},
    )
    assert "1 merge_into" in flash(page)
    decisions = Catalogue.in_workspace(ws.root).theme_decisions().set_index("theme_id")
    assert decisions.loc[1, "action"] == "merge_into" and decisions.loc[1, "label"] == "cannot_cancel"
    assert decisions.loc[3, "action"] == "noise" and decisions.loc[4, "action"] == "noise"
    assert len(Catalogue.in_workspace(ws.root).history()) == 3  # the failed merge stored nothing


def test_unknown_label_gives_the_import_message_and_stores_nothing(ws: Workspace) -> None:
    from training.labelling.validation import _unknown_label

    client = client_for(ws)
    page = post(client, "/review/decide", {"theme": "0", "label": "cannot_cancell", "action": "accept"})
    expected = _unknown_label("cannot_cancell", load_taxonomy())
    assert "Nothing was saved" in flash(page)
    assert f"theme 0, label: {expected}".replace("'", "&#39;") in flash(page)
    assert Catalogue.in_workspace(ws.root).history().empty


def test_member_search_matches_the_phrase_not_the_words(ws: Workspace) -> None:
    client = client_for(ws)
    page = client.get("/review", params={"q": "gift card", "status": "all"}).text
    assert 'id="theme-3"' in page and "Gift card balance missing" in page
    assert 'id="theme-4"' not in page  # the warranty theme says "gift" and "card", never "gift card"
    assert "3 members say “gift card”" in page
    members = client.get("/themes/3", params={"q": "gift card"}).text
    assert "<mark>gift card</mark>" in members
    assert "where is the balance of my <mark>gift card</mark>" in members


def test_customer_script_is_shown_as_text(ws: Workspace) -> None:
    page = client_for(ws).get("/themes/0").text
    assert "<script>window" not in page and "<img src=x" not in page
    assert (
        "&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;img src=x onerror=&#34;window.__xss = 2&#34;&gt;"
        in page
    )


def test_proposing_and_accepting_a_root_cause_extends_the_taxonomy(ws: Workspace) -> None:
    client = client_for(ws)
    page = post(
        client,
        "/taxonomy/propose",
        {
            "theme": "3",
            "cause_id": "gift_card_balance",
            "name": "Gift card balance",
            "family": "refund",
            "owner": "Payments",
            "description": "Gift card balance missing or wrong after an order or refund.",
            "back": "/themes/3",
        },
    )
    assert "Proposal 1 stored" in flash(page)
    assert "New root cause proposed: Gift card balance" in client.get("/themes/3").text
    proposals = Proposals(str(ws.root / "labels.db")).table()
    assert proposals.loc[0, "who"] == "tester" and proposals.loc[0, "status"] == "pending"

    page = post(client, "/taxonomy/proposals/1/decide", {"decision": "accept"})
    message = flash(page)
    assert "Taxonomy v2026.11.1+ws1 written" in message and "Theme 3 labelled gift_card_balance" in message
    taxonomy = load_taxonomy(ws.taxonomy_file)
    assert taxonomy.version == "2026.11.1+ws1" and taxonomy["gift_card_balance"].owner == "Payments"
    assert "cannot_cancel" in taxonomy  # the bundled causes stay
    decisions = Catalogue.in_workspace(ws.root).theme_decisions().set_index("theme_id")
    assert decisions.loc[3, "label"] == "gift_card_balance"
    assert Catalogue.in_workspace(ws.root).history()["taxonomy_version"].tolist() == ["2026.11.1+ws1"]


def test_bad_proposal_is_refused_with_every_problem(ws: Workspace) -> None:
    client = client_for(ws)
    page = post(
        client,
        "/taxonomy/propose",
        {
            "theme": "3",
            "cause_id": "Cannot Cancel",
            "name": "",
            "family": "misc",
            "owner": "x",
            "description": "y",
        },
    )
    message = flash(page)
    assert "Nothing was saved" in message and "lower-case" in message and "family" in message
    assert "name is empty" in message
    assert Proposals(str(ws.root / "labels.db")).table().empty


def test_forms_need_the_csrf_token_and_the_same_site(ws: Workspace) -> None:
    client = client_for(ws)
    response = client.post("/review/decide", data={"theme": "0", "label": "cannot_cancel", "csrf": "forged"})
    assert response.status_code == 403
    response = client.post(
        "/review/decide",
        data={"theme": "0", "label": "cannot_cancel", "csrf": csrf_of(client)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert Catalogue.in_workspace(ws.root).history().empty


def test_only_loopback_hosts_without_a_token(ws: Workspace) -> None:
    client = client_for(ws)
    assert client.get("/review", headers={"Host": "evil.example:8765"}).status_code == 421
    page = client.get("/review")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    with pytest.raises(InputError, match="token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", "s3cret")
    check_bind("127.0.0.1", None)
    check_bind("::1", None)


def test_a_token_is_traded_for_a_cookie(ws: Workspace) -> None:
    client = client_for(ws, token="s3cret")
    assert client.get("/review").status_code == 401
    first = client.get("/review?token=s3cret&status=all", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/review?status=all"
    assert client.get("/review").status_code == 200  # the cookie now carries it
    other = TestClient(client.app, base_url="http://127.0.0.1:8765")
    assert other.get("/review?token=wrong").status_code == 401


def test_missing_inputs_are_named(tmp_path: Path) -> None:
    client = TestClient(create_app(AppConfig(workspace=Workspace(tmp_path))), base_url="http://127.0.0.1")
    page = client.get("/review")
    assert page.status_code == 400 and "--themes DIR" in page.text
    assert client.get("/dashboard").status_code == 400


def test_voc_app_refuses_a_public_address_without_a_token(ws: Workspace) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "VOC_WORKSPACE": str(ws.root)}
    env.pop("VOC_APP_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "app", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--host 0.0.0.0" in result.stderr and "token" in result.stderr
    assert "Traceback" not in result.stderr
