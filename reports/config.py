"""Settings shared by the weekly report and the dashboard: :class:`ReportConfig`.

One settings object for both, so that the report's week and the same week in the dashboard are
tested with the same baseline, significance level and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

DEFAULT_APP_URL = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class ReportConfig:
    """Settings of the weekly report and the dashboard.

    Parameters
    ----------
    baseline_weeks : weeks before a week that form its baseline (4).
    trend_weeks : weeks in the report's trend sparklines and chart, report week included (8).
    alpha : significance level of the growth/fall tests (0.01).
    min_count : fewest contacts in a week for a significant growth flag or an emerging theme (10).
    review_share : share of ``needs_review`` contacts that makes an unlabelled theme emerging (0.5).
    explained_share : a new or growing theme with this share of its contacts in one root cause is
        explained by that cause and not reported as a theme (0.6).
    n_verbatims : customer quotes per pain point (3).
    verbatim_chars : quotes are cut to this many characters (180).
    min_responses : fewest CSAT/NPS answers before a score is shown or a drag counts (5).
    sustained_weeks : recent weeks pooled by the sustained-rise test (3).
    repeat_days : a contact about an order that had another contact in the days before is a
        repeat contact (30).
    app_url : where ``voc app`` serves the workspace; each pain point links to its page there.
    """

    baseline_weeks: int = 4
    trend_weeks: int = 8
    alpha: float = 0.01
    min_count: int = 10
    review_share: float = 0.5
    explained_share: float = 0.6
    n_verbatims: int = 3
    verbatim_chars: int = 180
    min_responses: int = 5
    sustained_weeks: int = 3
    repeat_days: int = 30
    app_url: str = DEFAULT_APP_URL

    def __post_init__(self) -> None:
        if not 1 <= self.baseline_weeks <= 26:
            raise ValueError(f"baseline_weeks must be 1..26, got {self.baseline_weeks}")
        if self.trend_weeks < self.baseline_weeks + 1:
            raise ValueError("trend_weeks must cover the baseline and the report week")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be in (0, 0.5), got {self.alpha}")
        if self.min_count < 1 or self.n_verbatims < 0 or self.min_responses < 1:
            raise ValueError("min_count and min_responses must be >= 1 and n_verbatims >= 0")
        if not 0 < self.review_share <= 1 or not 0 < self.explained_share <= 1:
            raise ValueError("review_share and explained_share must be in (0, 1]")
        if not 2 <= self.sustained_weeks <= self.trend_weeks - self.baseline_weeks:
            raise ValueError("sustained_weeks must be >= 2 and leave room for a baseline in the trend")
        if self.verbatim_chars < 20:
            raise ValueError("verbatim_chars must be at least 20")
        if self.repeat_days < 1:
            raise ValueError(f"repeat_days must be >= 1, got {self.repeat_days}")
        url = urlsplit(self.app_url)
        # Only a web address: the link goes into href attributes of the report page.
        if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
            raise ValueError(f"app URL must be http(s)://host[:port][/path], got {self.app_url!r}")

    @property
    def history_weeks(self) -> int:
        """Weeks a week's numbers look back over: the trend, or a baseline before the sustained weeks."""
        return max(self.trend_weeks, self.baseline_weeks + self.sustained_weeks)


def pain_point_url(app_url: str, key: str, first_week: str, last_week: str) -> str:
    """The page of pain point ``key`` (a root cause id or ``theme:<id>``) in ``voc app`` for a range.

    ``pain_point_url("http://127.0.0.1:8765", "theme:12", "2026-W40", "2026-W47")`` is
    ``http://127.0.0.1:8765/pain/theme%3A12?first_week=2026-W40&last_week=2026-W47``.
    """
    query = urlencode({"first_week": first_week, "last_week": last_week})
    return f"{app_url.rstrip('/')}/pain/{quote(key, safe='')}?{query}"
