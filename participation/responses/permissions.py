"""Who may answer ideas, post implementation progress, see answers before publication, and read an inbox."""
from __future__ import annotations

from participation.accounts.models import Role
from participation.accounts.permissions import is_admin


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_deleted)


def is_official_of(user, department_id: int | None) -> bool:
    return _active(user) and user.has_role(Role.OFFICIAL) and department_id is not None and user.department_id == department_id


def can_answer(user, due) -> bool:
    """Officials of the department the idea is routed to, and admins. `due` is the idea's
    ResponseDue: an idea without one needs no answer."""
    return due is not None and (is_official_of(user, due.department_id) or is_admin(user))


def can_post_progress(user, response) -> bool:
    """The answering department's officials and admins, once the answer commits to doing it."""
    from participation.responses.models import IMPLEMENTING

    if response is None or response.decision not in IMPLEMENTING:
        return False
    return is_official_of(user, response.department_id) or is_admin(user)


def can_read_inbox(user) -> bool:
    """An official with a department, or an admin (who sees every department)."""
    return _active(user) and ((user.has_role(Role.OFFICIAL) and user.department_id is not None) or is_admin(user))


def can_see_answers(user, round_, department_id: int | None = None) -> bool:
    """Before a round's outcome is published, its selection and answers are the
    administration's working papers: the answering department and admins see them;
    everyone sees them from publication on."""
    if round_.published_at is not None:
        return True
    return is_admin(user) or (department_id is not None and is_official_of(user, department_id)) or (
        _active(user) and user.has_role(Role.OFFICIAL) and user.department_id == round_.department_id
    )


def can_see_idea_results(user, idea, due=None) -> bool:
    """can_see_answers for one idea: besides the round's coordinating department, the
    department its category routes to (who answers it), or the department its clock names."""
    round_ = idea.round
    if can_see_answers(user, round_):
        return True
    if not (_active(user) and user.has_role(Role.OFFICIAL) and user.department_id is not None):
        return False  # anyone else is told no without loading the category
    departments = {idea.category.department_id, due.department_id if due is not None else None}
    return user.department_id in departments


def can_view_response_stats(user) -> bool:
    """Public: every department's record of answering on time."""
    return True


def can_publish_early(user) -> bool:
    return is_admin(user)

