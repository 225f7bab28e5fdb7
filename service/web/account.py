"""The person's own account: changing the password (linked from every page's header)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from service.catalogue import _
from service.errors import ValidationFailed
from service.schemas.auth import PASSWORD_MIN_LENGTH, PASSWORD_RULE
from service.web.blueprint import bp

from service.web.security import current_login, db, login_required, user
from service.workflows import accounts


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password() -> Any:
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("repeat_password", ""):
            errors = [{"field": "repeat_password", "message": _("两次输入的新密码不一致")}]
        else:
            try:
                accounts.change_password(session=db(), user=user(), current=request.form.get("current_password", ""),
                                            new=new, keep_login=current_login())
            except ValidationFailed as exc:
                db().rollback()
                errors = exc.errors
            else:
                flash(_("密码已修改。您在其他浏览器和设备上的登录及 API 令牌均已失效，本次登录继续有效。"), "success")
                return redirect(url_for("web.account_password"))
    return render_template("account_password.html", errors=errors, rule=PASSWORD_RULE,
                           min_length=PASSWORD_MIN_LENGTH), (422 if errors else 200)
