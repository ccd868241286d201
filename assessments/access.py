"""Who may read or change an assessment: the one access helper every assessment view and API goes through."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from assessments.models import Assessment
from portal.models import Membership, User


def get_assessment_for(user: User | AnonymousUser, pk: int, *, write: bool = False, owner: bool = False) -> Assessment:
    """The assessment if `user` may read it (or change it, with write/owner); 404 for outsiders.

    Members read their hoster's assessments; supervisors and the assigned auditor read any they may see.
    A member whose role is too weak for `write` (editor or owner) or `owner` gets a 403.
    """
    if not isinstance(user, User) or not user.is_active:
        raise Http404
    assessment = Assessment.objects.select_related("hoster", "questionnaire").filter(pk=pk).first()
    if assessment is None:
        raise Http404
    membership = Membership.objects.filter(user=user, hoster=assessment.hoster).first()
    if membership is None:
        if (user.is_supervisor or assessment.auditor_can_access(user)) and not (write or owner):
            return assessment
        raise Http404
    if owner and not membership.is_owner:
        raise PermissionDenied(_("Only an owner of %(hoster)s may do this.") % {"hoster": assessment.hoster})
    if write and not membership.can_edit:
        raise PermissionDenied(_("Your role lets you read this assessment, not change it."))
    return assessment


def role_in(user: User, assessment: Assessment) -> str | None:
    """The user's member role at the assessment's hoster, or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, hoster=assessment.hoster).values_list("role", flat=True).first()
