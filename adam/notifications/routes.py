"""The inbox page: a user reads their notifications, opens the project each is about, marks them read."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from adam.extensions import db
from adam.i18n import translate
from adam.notifications.inbox import inbox_query, mark_read, own_notification, unread_count
from adam.overlap.notify import notification_text as stored_notification_text

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def notification_text(note) -> str:  # noqa: ANN001
    """A notification in the reader's language."""
    return stored_notification_text(note, translate)


@bp.get("/")
@login_required
def index():
    page = db.paginate(inbox_query(current_user.id), per_page=current_app.config.get("NOTIFICATIONS_PER_PAGE", 50),
                       error_out=False)
    return render_template("notifications/index.html", page=page, form=FlaskForm(),
                           unread=unread_count(db.session, current_user.id))


@bp.post("/read")
@login_required
def read_all():
    if not FlaskForm().validate_on_submit():
        abort(400)
    changed = mark_read(db.session, current_user.id)
    db.session.commit()
    flash(_("%(count)s notification(s) marked as read.", count=changed), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark it read and go to the project it is about (or back to the inbox if that project is gone)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    note = own_notification(db.session, current_user.id, notification_id)
    if note is None:
        abort(404)
    mark_read(db.session, current_user.id, note.id)
    db.session.commit()
    if note.project_id is not None:
        return redirect(url_for("projects.detail", project_id=note.project_id))
    return redirect(url_for("notifications.index"))


def register(app) -> None:  # noqa: ANN001
    """The inbox link with its unread count, in the header of every signed-in page."""
    @app.context_processor
    def notification_helpers():
        def unread_notifications() -> int:
            return unread_count(db.session, current_user.id) if current_user.is_authenticated else 0
        return {"unread_notifications": unread_notifications, "notification_text": notification_text}
