"""Where a notification sends its reader: every path a notification links to is built here.

A notification's context carries ``link`` as a site path built by one of these
functions; the outbox prefixes ``BASE_URL`` when it renders the message, and the
in-app inbox keeps the path. The pages behind the paths live in ``service/web``
(``lists.py``, ``pages.py``); ``tests/integration/test_notification_links.py``
opens every link of every notification as its recipient, so a path here that no
page serves, or a page that offers its reader nothing to do, fails there.

Targets:

* an application's page (what happened to it, its status and result);
* "my task on this application": whatever the reader has to do on it now (the
  main leader's sign-off, the submitter's form), resolved when the link is opened,
  so an e-mail read late still lands somewhere sensible;
* the applications list (the unit's applications; "new application" while a window is open);
* a task (its form for a candidate; a read-only supervision view for the office
  and the group leader, with the "urge" action);
* the task list, optionally the overdue tasks of everyone (the office's digest);
* a supervising union's forwarding page (an item approved and waiting to be forwarded, past or near its deadline);
* a one-time link to set one's password (a new account's, or after the office's reset): it
  works without logging in, once.
"""
from __future__ import annotations

from urllib.parse import urlencode


def application(application_id: int) -> str:
    return f"/applications/{application_id}"


def application_task(application_id: int) -> str:
    return f"/applications/{application_id}/task"


def applications(*, campaign_id: int | None = None) -> str:
    return "/applications" + _query(campaign=campaign_id)


def task(task_id: int) -> str:
    return f"/tasks/{task_id}"


def tasks(*, everyone: bool = False, overdue: bool = False) -> str:
    return "/tasks" + _query(scope="all" if everyone else None, overdue=1 if overdue else None)


def objections(campaign_id: int) -> str:
    """The office's list of a campaign's objections to its public notice, with the finding forms."""
    return f"/office/campaigns/{campaign_id}/objections"


def public_notice(campaign_id: int) -> str:
    """The public notice of a campaign (no login)."""
    return f"/notice/{campaign_id}"


def forwarding(campaign_id: int) -> str:
    """A supervising union's vetting and forwarding page (统一上报) of a campaign."""
    return f"/campaigns/{campaign_id}/forwarding"


MEETING_PAGES = {"forwarded": forwarding}
"""Where an item waiting for a decision is acted on (the waiting row's message → the page of its campaign)."""


def waiting_for(message: str, campaign_id: int) -> str | None:
    """The page on which the decision an item waits for (``message``) is taken, if it has one."""
    page = MEETING_PAGES.get(message)
    return page(campaign_id) if page is not None else None


def set_password(token: str) -> str:
    return f"/password/{token}"


def _query(**params: object) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return f"?{urlencode(given)}" if given else ""


# Pages that fix a readiness problem (campaign set-up, organisation, forms, processes).


def campaign_setup(campaign_id: int, section: str | None = None) -> str:
    return f"/office/campaigns/{campaign_id}/setup" + (f"#{section}" if section else "")


def org_unit(unit_id: int) -> str:
    """The organisation page of one unit: its people and their roles."""
    return f"/office/org/units/{unit_id}"


def forms_admin() -> str:
    return "/admin/forms"


def processes_admin() -> str:
    return "/admin/processes"
