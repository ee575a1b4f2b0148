"""What the back office reads: plenaries with their counts, and filtered registration lists."""

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration


def plenaries_with_counts() -> list[tuple[Plenary, dict[str, int]]]:
    """Every plenary (drafts too), newest first, with its registrations counted by status (two queries)."""
    plenaries = db.session.scalars(sa.select(Plenary).order_by(Plenary.starts_at.desc())).all()
    counts: dict[int, dict[str, int]] = {p.id: {} for p in plenaries}
    rows = db.session.execute(
        sa.select(Registration.plenary_id, Registration.status, sa.func.count()).group_by(
            Registration.plenary_id, Registration.status
        )
    ).all()
    for plenary_id, status, count in rows:
        counts.setdefault(plenary_id, {})[status] = count
    return [(p, counts[p.id]) for p in plenaries]


def registration_page(plenary_id: int, search: str = "", status: str = "", page: int = 1, per_page: int = 50):
    """One page of a plenary's registrations, searched and filtered; newest first."""
    query = sa.select(Registration).where(Registration.plenary_id == plenary_id)
    if status:
        query = query.where(Registration.status == status)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Registration.first_name).like(pattern),
                sa.func.lower(Registration.last_name).like(pattern),
                sa.func.lower(Registration.organisation).like(pattern),
                Registration.email.like(pattern),
                Registration.name_zh.like(pattern),
            )
        )
    return db.paginate(query.order_by(Registration.id.desc()), page=page, per_page=per_page, error_out=False)


def status_counts(plenary_id: int) -> dict[str, int]:
    """Registrations of a plenary by status."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count()).where(Registration.plenary_id == plenary_id)
        .group_by(Registration.status)
    ).all()  # fmt: skip
    return dict(rows)
