"""The what-if page: a form in the questionnaire's widgets, scored beside the current card; supervisors only, and it
never writes. The form is sent as a browser would send it: read back from the rendered page, then changed."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessments.models import Answer, Assessment
from portal.models import AuditEvent
from scoring.engine import Metrics, score
from scoring.rating import scorecards
from scoring.rating.models import Rating
from tests.scoring.certification.helpers import approved_assessment
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db
URL = reverse("scorecard_whatif")


class _FormReader(HTMLParser):
    """The values a browser sends for the form `#whatif-form`: text-like inputs, checked radios and boxes, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attr.get("id") == "whatif-form"
        if not self.inside:
            return
        if tag == "input" and attr.get("name"):
            kind = attr.get("type", "text")
            if kind not in ("radio", "checkbox") or "checked" in attr:
                self.values[attr["name"]] = attr.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self.select, self.first_option = attr["name"], None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attr["value"]
                self.values.setdefault(self.select, attr["value"])
            if "selected" in attr:
                self.values[self.select] = attr["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "select":
            self.select = None


def form_of(response) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(response.content.decode())
    assert reader.values.get("whatif") == "1", "the page has no what-if form"
    return reader.values


@pytest.fixture
def assessment_a(hoster_a):
    add_notices(hoster_a, [3.0] * 16 + [40.0, 60.0, None, None])
    return make_assessment(hoster_a, {**best_answers(), "KYC-2": "none", "COM-3": "no", "COM-5": ""})


@pytest.fixture
def supervisor_client(supervisor, client_for):
    return client_for(supervisor)


# Arriving -------------------------------------------------------------------------------------------------------


def test_arriving_from_an_assessment_shows_its_card_twice_and_no_difference(assessment_a, supervisor_client):
    response = supervisor_client.get(URL, {"assessment": assessment_a.pk})
    assert response.status_code == 200
    comparison = response.context["comparison"]
    expected = scorecards.compute_scorecard(assessment_a)
    assert comparison.current.card == expected
    assert comparison.whatif.card == expected
    assert comparison.changed_criteria == [] and comparison.changed_gates == []
    html = response.content.decode()
    assert "No answer, figure or gate differs from the current card." in html
    assert 'id="whatif-KYC-2-value_0"' in html  # the questionnaire's radio buttons
    assert "(current answer)" in html


def test_the_model_in_force_is_preselected_and_every_published_model_offered(assessment_a, supervisor_client):
    response = supervisor_client.get(URL, {"assessment": assessment_a.pk})
    form = form_of(response)
    assert form["model"] == scorecards.model_version().code
    choices = [code for code, _label in response.context["page"].settings.fields["model"].choices]
    assert {"good-hoster-2020", "good-hoster-2024"} <= set(choices)


def test_an_approved_assessment_is_compared_with_its_verified_card(owner_a, hoster_a, supervisor_client):
    assessment = approved_assessment(owner_a, hoster_a)
    response = supervisor_client.get(URL, {"assessment": assessment.pk})
    verified = scorecards.compute_scorecard(assessment, basis=Rating.Basis.VERIFIED)
    assert form_of(response)["basis"] == Rating.Basis.VERIFIED
    assert response.context["comparison"].current.card == verified
    assert response.context["comparison"].whatif.card == verified


# Changing answers, model and figures ----------------------------------------------------------------------------


def test_switching_the_model_after_prefilling_scores_at_the_new_norm(assessment_a, supervisor_client):
    """Issue 14.7: the old page answered 400 ("metrics were computed at a 24-hour norm")."""
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, "model": "good-hoster-2024"})
    assert response.status_code == 200
    version = scorecards.model_version("good-hoster-2024")
    whatif = response.context["comparison"].whatif
    assert whatif.metrics["norm_hours"] == 12
    assert whatif.card == scorecards.compute_scorecard(assessment_a, version)
    assert response.context["comparison"].current.card == scorecards.compute_scorecard(assessment_a)


def test_switching_the_model_with_typed_figures_reads_them_at_the_new_norm(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    typed = form_of(supervisor_client.get(URL, {**form, "figures": "manual"}))
    response = supervisor_client.get(URL, {**typed, "model": "good-hoster-2024"})
    assert response.status_code == 200
    assert response.context["comparison"].whatif.metrics["norm_hours"] == 12


def test_changing_an_answer_marks_the_differences(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, "KYC-2-value": "identity_and_registry"})
    comparison = response.context["comparison"]
    assert [row.code for row in comparison.changed_criteria] == ["KYC-2"]
    gate = next(row for row in comparison.gates if row.code == "identity-verification")
    assert gate.change == "now_passes"
    assert comparison.score.direction == "up" and comparison.whatif.card.score > comparison.current.card.score
    html = response.content.decode()
    assert "now passes" in html and "▲" in html and "(higher)" in html
    assert "1 criterion differs" in html  # the status announced to screen readers


def test_an_answer_can_be_taken_back_to_not_answered_or_not_applicable(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, "CON-1-value": "", "KYC-3-na": "on"})
    card = response.context["comparison"].whatif.card
    assert card.criterion("CON-1").status == "unanswered" and card.criterion("KYC-3").status == "na"
    gate = next(row for row in response.context["comparison"].gates if row.code == "terms-forbid-csam")
    assert gate.change == "now_fails" and card.grade == "F"
    assert "now fails" in response.content.decode()


def test_a_shorter_period_measures_fewer_notices(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, "period_start": "2025-03-01", "period_end": "2025-03-05"})
    whatif = response.context["comparison"].whatif
    assert whatif.metrics["notices"] == 5 and (whatif.metrics["from"], whatif.metrics["to"]) == (
        "2025-03-01",
        "2025-03-06",
    )
    assert whatif.card.criterion("MEA-1").status == "inconclusive"  # 5 notices are fewer than the minimum sample
    assert response.context["comparison"].current.metrics["notices"] == 20


def test_typed_figures_are_scored_as_typed(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    typed = {"figures": "manual", "notices": "200", "within_norm_pct": "95", "p90_hours": "30", "open_over_norm": "1"}
    response = supervisor_client.get(URL, {**form, **typed})
    assert response.status_code == 200
    version = scorecards.model_version()
    metrics = Metrics(notices=200, within_norm=190, p90_hours=30.0, open_over_norm=1, norm_hours=version.norm_hours)
    expected = score(version.parsed_for(assessment_a.questionnaire), scorecards.answers_for(assessment_a), metrics)
    assert response.context["comparison"].whatif.card == expected


def test_choosing_typed_figures_starts_from_the_measured_ones(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    assert form["notices"] == "20" and form["within_norm_pct"] == "80.00"
    response = supervisor_client.get(
        URL,
        {
            key: value
            for key, value in {**form, "figures": "manual"}.items()
            if key not in ("notices", "within_norm_pct", "p90_hours", "open_over_norm")
        },
    )
    typed = form_of(response)
    assert (typed["notices"], typed["open_over_norm"]) == ("20", "2")
    assert response.context["comparison"].whatif.card == response.context["comparison"].current.card


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("notices", "-1", "Ensure this value is greater than or equal to 0."),
        ("notices", "1.5", "Enter a whole number."),
        ("within_norm_pct", "100.5", "Ensure this value is less than or equal to 100."),
        ("within_norm_pct", "abc", "Enter a number."),
        ("p90_hours", "-3", "Ensure this value is greater than or equal to 0."),
        ("open_over_norm", "50", "At most 10: only the notices not removed within the norm can be open beyond it."),
        ("notices", "", "This field is required."),
    ],
)
def test_typed_figures_are_validated(assessment_a, supervisor_client, field, value, message):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    typed = {"figures": "manual", "notices": "100", "within_norm_pct": "90", "p90_hours": "10", "open_over_norm": "0"}
    response = supervisor_client.get(URL, {**form, **typed, field: value})
    assert response.status_code == 400
    assert response.context["comparison"] is None
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert f'id="whatif-{field}_error"' in html and 'aria-invalid="true"' in html
    assert f'<a href="#whatif-{field}">' in html  # the list beside the result links to the field


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_start": "2025-06-01", "period_end": "2025-05-01"}, "The period must end after it starts."),
        ({"period_start": "0001-01-01"}, "Choose a date from"),
        ({"period_start": "yesterday"}, "Enter a valid date."),
        ({"period_end": ""}, "Give a date."),
        ({"model": "no-such-model"}, "Select a valid choice."),
        ({"model": "good-hoster-2020\x00"}, "Select a valid choice."),
        ({"figures": "guess"}, "Select a valid choice."),
        ({"KYC-2-value": "maybe"}, 'href="#whatif-KYC-2-value_0"'),
        ({"KYC-2-value": "maybe"}, "is not an option"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_scored(assessment_a, supervisor_client, changes, message):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, **changes})
    assert response.status_code == 400
    assert response.context["comparison"] is None
    assert message in response.content.decode().replace("&#x27;", "'")


def test_htmx_gets_errors_with_200_so_that_they_are_swapped_in(assessment_a, supervisor_client):
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    response = supervisor_client.get(URL, {**form, "figures": "manual", "notices": "-1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="whatif-notices_error"' in response.content.decode()


def test_the_hash_check_model_asks_for_weeks_with_checks(assessment_a, supervisor_client):
    weeks = scorecards.model_version("good-hoster-2026").parsed.hash_check_weeks
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk, "model": "good-hoster-2026"}))
    typed = {"figures": "manual", "notices": "100", "within_norm_pct": "99", "p90_hours": "5", "open_over_norm": "0"}
    full = supervisor_client.get(URL, {**form, **typed, "hash_check_weeks": str(weeks)})
    assert full.context["comparison"].whatif.card.criterion("MEA-4").points == 10
    none = supervisor_client.get(URL, {**form, **typed, "hash_check_weeks": ""})
    assert none.context["comparison"].whatif.card.criterion("MEA-4").status == "inconclusive"
    too_many = supervisor_client.get(URL, {**form, **typed, "hash_check_weeks": str(weeks + 1)})
    assert too_many.status_code == 400 and too_many.context["comparison"] is None


# A blank what-if and the picker ---------------------------------------------------------------------------------


def test_a_blank_what_if_has_no_current_card_and_no_period(supervisor_client):
    response = supervisor_client.get(URL)
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.current is None and comparison.whatif.card.grade == "F"
    assert "period" not in dict(response.context["page"].settings.fields["figures"].choices)
    form = form_of(response)
    best = {f"{code}-value": value for code, value in best_answers().items()}
    scored = supervisor_client.get(URL, {**form, **best})
    assert scored.context["comparison"].whatif.card.score == 100
    assert supervisor_client.get(URL, {**form, "figures": "period"}).status_code == 400


def test_the_picker_finds_assessments_by_name_and_number(assessment_a, hoster_b, supervisor_client):
    other = make_assessment(hoster_b)
    by_name = supervisor_client.get(reverse("scorecard_whatif_picks"), {"q": "hoster b"})
    assert list(by_name.context["picks"]) == [other]
    assert f'href="{URL}?assessment={other.pk}"' in by_name.content.decode()
    by_number = supervisor_client.get(URL, {"q": str(assessment_a.pk)})
    assert assessment_a in list(by_number.context["picks"])
    for hostile in ("\x00", "²", "x" * 500, "' OR 1=1 --"):
        assert supervisor_client.get(reverse("scorecard_whatif_picks"), {"q": hostile}).status_code == 200


# Access, and nothing stored -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "owner_a", "editor_a", "viewer_a", "owner_b"])
def test_only_supervisors_may_use_what_if(assessment_a, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"assessment": assessment_a.pk}).status_code == 403
    assert client.get(reverse("scorecard_whatif_picks"), {"q": "hoster"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1e3", "\u0661"])
def test_an_unknown_or_malformed_assessment_is_a_404(supervisor_client, value):
    assert supervisor_client.get(URL, {"assessment": value}).status_code == 404


def test_what_if_never_writes(assessment_a, supervisor_client):
    counts = (Rating.objects.count(), AuditEvent.objects.count(), Answer.objects.count(), Assessment.objects.count())
    answers = list(Answer.objects.values_list("criterion_code", "value", "na"))
    form = form_of(supervisor_client.get(URL, {"assessment": assessment_a.pk}))
    supervisor_client.get(URL, {**form, "KYC-2-value": "identity", "model": "good-hoster-2024"})
    supervisor_client.get(URL, {**form, "figures": "manual", "notices": "-5"})
    supervisor_client.get(URL, {**form, "period_start": "2025-02-01"}, HTTP_HX_REQUEST="true")
    assert supervisor_client.post(URL, form).status_code == 405
    after = (Rating.objects.count(), AuditEvent.objects.count(), Answer.objects.count(), Assessment.objects.count())
    assert after == counts
    assert list(Answer.objects.values_list("criterion_code", "value", "na")) == answers
    assessment_a.refresh_from_db()
    assert (assessment_a.period_start, assessment_a.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
