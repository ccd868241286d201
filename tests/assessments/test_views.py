"""Assessment pages: starting, answering with autosave, N/A rules, read-only viewers, progress and the dashboard."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from assessments import services
from assessments.models import Answer, Assessment, last_full_months
from portal.models import AuditEvent


def test_the_default_period_is_the_last_twelve_full_months():
    assert last_full_months(date(2026, 3, 15)) == (date(2025, 3, 1), date(2026, 2, 28))
    assert last_full_months(date(2026, 1, 1)) == (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.django_db
@time_machine.travel("2026-03-15 12:00 +01:00", tick=False)
def test_owner_starts_an_assessment_on_the_current_version(client_for, owner_a, hoster_a, questionnaire):
    client = client_for(owner_a)
    page = client.get("/assessments/start/hoster-a/")
    assert page.status_code == 200
    assert page.context["form"].initial == {"period_start": date(2025, 3, 1), "period_end": date(2026, 2, 28)}
    response = client.post("/assessments/start/hoster-a/", {"period_start": "2025-03-01", "period_end": "2026-02-28"})
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assessments/{assessment.pk}/"
    assert (assessment.hoster, assessment.questionnaire, assessment.status) == (hoster_a, questionnaire, "draft")
    assert AuditEvent.objects.filter(action="assessments.assessment.started", object_id=str(assessment.pk)).exists()
    again = client.post("/assessments/start/hoster-a/", {"period_start": "2025-03-01", "period_end": "2026-02-28"})
    assert again.status_code == 400
    assert "already has an assessment in progress" in again.content.decode()
    assert Assessment.objects.count() == 1


@pytest.mark.django_db
def test_only_owners_start(client_for, editor_a, viewer_a, owner_b, questionnaire):
    for user in (editor_a, viewer_a, owner_b):
        response = client_for(user).post(
            "/assessments/start/hoster-a/", {"period_start": "2025-01-01", "period_end": "2025-12-31"}
        )
        assert response.status_code == 404, user
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_a_period_ending_in_the_future_is_refused(client_for, owner_a, questionnaire):
    response = client_for(owner_a).post(
        "/assessments/start/hoster-a/", {"period_start": "2025-01-01", "period_end": "2999-12-31"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"period_end": ["The measurement period cannot end in the future."]}


@pytest.mark.django_db
def test_the_section_page_shows_why_and_the_evidence_rule_with_labels(client_for, editor_a, draft_a):
    response = client_for(editor_a).get(f"/assessments/{draft_a.pk}/sections/KYC/")
    html = response.content.decode()
    kyc2 = draft_a.questionnaire.criteria_by_code["KYC-2"]
    assert kyc2.why.en in html and kyc2.text.en in html
    assert "Evidence: a document" in html
    assert f'hx-post="/assessments/{draft_a.pk}/answers/KYC-2/"' in html
    assert 'aria-live="polite"' in html
    assert '<label class="form-check-label mt-0 fw-normal" for="id_KYC-2_value_4">' in html
    assert html.count("<fieldset") >= len(draft_a.questionnaire.parsed.sections[0].criteria)


@pytest.mark.django_db
def test_the_section_page_speaks_dutch(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    response = client.get(f"/assessments/{draft_a.pk}/sections/KYC/", HTTP_ACCEPT_LANGUAGE="nl")
    kyc2 = draft_a.questionnaire.criteria_by_code["KYC-2"]
    assert kyc2.text.nl in response.content.decode()


@pytest.mark.django_db
def test_autosave_stores_one_answer_and_returns_status_and_progress(client_for, editor_a, draft_a):
    response = client_for(editor_a).post(
        f"/assessments/{draft_a.pk}/answers/KYC-2/",
        {"value": "identity", "comment": "ID check by our payment provider"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved at" in html
    assert 'id="progress-section-KYC"' in html and 'hx-swap-oob="true"' in html
    assert f"1 of {len(draft_a.questionnaire.parsed.criteria)} questions answered" in html
    answer = Answer.objects.get(assessment=draft_a, criterion_code="KYC-2")
    assert (answer.value, answer.comment, answer.updated_by) == (
        "identity",
        "ID check by our payment provider",
        editor_a,
    )
    event = AuditEvent.objects.get(action="assessments.answers.saved")
    assert event.data["answers"]["KYC-2"]["value"] == "identity" and event.actor == editor_a


@pytest.mark.django_db
def test_autosave_reports_a_bad_option_and_stores_nothing(client_for, editor_a, draft_a):
    response = client_for(editor_a).post(
        f"/assessments/{draft_a.pk}/answers/KYC-2/", {"value": "foo"}, HTTP_HX_REQUEST="true"
    )
    assert "Not saved:" in response.content.decode()
    assert "&#x27;foo&#x27; is not an option: choose one of none, contact, payment" in response.content.decode()
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_plain_post_without_javascript_saves_and_redirects(client_for, owner_a, draft_a):
    response = client_for(owner_a).post(f"/assessments/{draft_a.pk}/answers/CON-5/", {"value": "7"})
    assert response.status_code == 302 and response["Location"].endswith("/sections/CON/#crit-CON-5")
    assert Answer.objects.get().value == "7"


@pytest.mark.django_db
def test_na_requires_a_justification(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    url = f"/assessments/{draft_a.pk}/answers/KYC-3/"
    response = client.post(url, {"na": "on"})
    assert response.status_code == 400
    assert response.context["items"][2]["form"].errors == {
        "justification": ["A justification is required when you answer N/A."]
    }
    assert not Answer.objects.exists()
    client.post(url, {"na": "on", "justification": "We offer no upload services."})
    answer = Answer.objects.get()
    assert (answer.na, answer.value, answer.justification) == (True, "", "We offer no upload services.")


@pytest.mark.django_db
def test_na_is_refused_where_the_criterion_does_not_allow_it(editor_a, draft_a):
    with pytest.raises(services.AnswersInvalid) as excinfo:
        services.save_answer(editor_a, draft_a, "CON-1", services.AnswerInput(na=True, justification="why not"))
    assert excinfo.value.errors == {"CON-1": ["na: N/A is not allowed for CON-1; give an answer."]}


@pytest.mark.django_db
def test_values_are_checked_by_type(editor_a, draft_a):
    with pytest.raises(services.AnswersInvalid) as excinfo:
        services.save_answers(
            editor_a,
            draft_a,
            {"CON-5": services.AnswerInput(value="many"), "HCS-5": services.AnswerInput(value="-3")},
        )
    assert excinfo.value.errors == {"CON-5": ["'many' is not a number."], "HCS-5": ["Give a number of zero or more."]}
    assert services.save_answer(editor_a, draft_a, "CON-5", services.AnswerInput(value="12,0")).value == "12"


@pytest.mark.django_db
def test_a_viewer_reads_but_cannot_edit(client_for, viewer_a, draft_a, owner_a):
    services.save_answer(owner_a, draft_a, "KYC-1", services.AnswerInput(value="yes"))
    client = client_for(viewer_a)
    page = client.get(f"/assessments/{draft_a.pk}/sections/KYC/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "hx-post" not in html and "<fieldset aria-describedby" in html and " disabled>" in html
    assert "Add evidence" not in html
    events = AuditEvent.objects.count()
    for url, data in (
        (f"/assessments/{draft_a.pk}/answers/KYC-1/", {"value": "no"}),
        (f"/assessments/{draft_a.pk}/answers/KYC-1/evidence/", {"url": "https://x.example/"}),
        (f"/assessments/{draft_a.pk}/submit/", {}),
    ):
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403, url
    assert Answer.objects.get().value == "yes"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_progress_counts_answers_per_section(owner_a, draft_a):
    services.save_answers(
        owner_a,
        draft_a,
        {
            "KYC-1": services.AnswerInput(value="yes"),
            "KYC-3": services.AnswerInput(na=True, justification="no uploads"),
        },
    )
    progress = services.progress_of(draft_a)
    kyc = progress.section("KYC")
    assert (kyc.answered, kyc.total) == (2, len(draft_a.questionnaire.parsed.sections[0].criteria))
    assert progress.answered == 2 and progress.total == len(draft_a.questionnaire.parsed.criteria)


@pytest.mark.django_db
def test_dashboard_panel_lists_assessments_and_offers_start_to_owners(client_for, owner_a, viewer_a, owner_b, draft_a):
    html = client_for(owner_a).get("/dashboard/").content.decode()
    assert '<a class="dropdown-item" href="/assessments/">Self-assessments</a>' in html
    assert f'href="/assessments/{draft_a.pk}/"' in html
    assert "Start a self-assessment" not in html  # one is already in progress
    assert 'href="/assessments/start/hoster-b/"' in client_for(owner_b).get("/dashboard/").content.decode()
    viewer_html = client_for(viewer_a).get("/dashboard/").content.decode()
    assert f'href="/assessments/{draft_a.pk}/"' in viewer_html and "/assessments/start/" not in viewer_html


@pytest.mark.django_db
def test_the_list_shows_only_visible_assessments(client_for, owner_a, supervisor, draft_a, draft_b):
    assert [row[0] for row in client_for(owner_a).get("/assessments/").context["rows"]] == [draft_a]
    assert len(client_for(supervisor).get("/assessments/").context["rows"]) == 2
    assert set(Assessment.objects.visible_to(owner_a)) == {draft_a}
    assert set(Assessment.objects.visible_to(supervisor)) == {draft_a, draft_b}


@pytest.mark.django_db
def test_section_page_embeds_the_live_score_preview_and_autosave_refreshes_it(client_for, editor_a, draft_a):
    client = client_for(editor_a)
    html = client.get(f"/assessments/{draft_a.pk}/sections/KYC/").content.decode()
    assert f'hx-get="/scorecards/assessments/{draft_a.pk}/preview/"' in html
    assert 'hx-trigger="load, answerSaved from:body"' in html
    saved = client.post(f"/assessments/{draft_a.pk}/answers/KYC-2/", {"value": "identity"}, HTTP_HX_REQUEST="true")
    assert saved["HX-Trigger"] == "answerSaved"
    refused = client.post(f"/assessments/{draft_a.pk}/answers/KYC-2/", {"value": "foo"}, HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in refused
    preview = client.get(f"/scorecards/assessments/{draft_a.pk}/preview/", HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
