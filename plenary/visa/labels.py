"""How the site names a visa request's states (personal page, back office, mails)."""

from flask_babel import lazy_gettext as _l

from plenary.visa.models import VisaStatus

STATUS_LABELS = {
    VisaStatus.REQUESTED: _l("Requested"),
    VisaStatus.CORRECTION: _l("Needs correction"),
    VisaStatus.APPROVED: _l("Approved"),
    VisaStatus.DECLINED: _l("Declined"),
    VisaStatus.WITHDRAWN: _l("Withdrawn"),
}
