"""The head of delegation's actions on their colleagues (routes on the registration blueprint).

Each answers the same for a colleague of another head, an erased colleague and an id that does not
exist ("not possible" on the head's own page): nothing about other registrations is revealed.
"""

from flask import redirect, render_template, url_for

from plenary.extensions import db
from plenary.registration import delegation, states
from plenary.registration.forms import AttendanceForm, ConfirmForm
from plenary.registration.models import Registration
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import _act, bp, personal_page_limit


def _colleague(head: Registration, colleague_id: int, action: str) -> Registration | None:
    """The colleague ``head`` may take ``action`` on now, else None."""
    colleague = db.session.get(Registration, colleague_id)
    if colleague is None or states.head_refusal(head, colleague, action) is not None:
        return None
    return colleague


@bp.route("/registrations/<token>/delegation/<int:colleague_id>/cancel", methods=["GET", "POST"])
@personal_page_limit
def cancel_colleague(token: str, colleague_id: int):
    """Ask, then cancel a colleague's registration."""
    head = registration_or_404(token)
    colleague = _colleague(head, colleague_id, "cancel")
    if colleague is None:
        return redirect(url_for(".personal", token=token, done="not_possible", _anchor="delegation-title"))
    form = ConfirmForm()
    if form.validate_on_submit():
        return _act(token, "colleague_cancelled", lambda: delegation.cancel_colleague(head.id, colleague.id),
                    colleague=colleague.id)
    return render_template("registration/colleague_cancel.html", registration=head, colleague=colleague,
                           token=token, form=form)  # fmt: skip


@bp.post("/registrations/<token>/delegation/<int:colleague_id>/resend")
@personal_page_limit
def resend_colleague_link(token: str, colleague_id: int):
    """Send a colleague their personal link again (to the colleague's address)."""
    head = registration_or_404(token)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".personal", token=token))
    return _act(token, "colleague_resent", lambda: delegation.resend_colleague_link(head.id, colleague_id),
                colleague=colleague_id)


@bp.post("/registrations/<token>/delegation/<int:colleague_id>/attendance")
@personal_page_limit
def switch_colleague(token: str, colleague_id: int):
    """Move a colleague to the other attendance mode, if there is room."""
    head = registration_or_404(token)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return redirect(url_for(".personal", token=token))
    return _act(token, "colleague_attendance",
                lambda: delegation.switch_colleague(head.id, colleague_id, form.attendance.data),
                colleague=colleague_id)  # fmt: skip

