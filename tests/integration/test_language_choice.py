"""A language choice survives a response that was already on its way with the older cookie."""
from __future__ import annotations

from typing import Any

from tests.web_client import logged_in


def test_a_stale_response_does_not_undo_the_language_choice(sqlite_app: Any) -> None:
    client, _token = logged_in(sqlite_app, "hc_submitter")
    older = client.get_cookie("session").value
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    # A request the inbox sent before the switch (a stylesheet, a poll) carries the older cookie and answers after it.
    stale = sqlite_app.test_client()
    stale.set_cookie("session", older)
    for header in stale.get("/static/app.css").headers.getlist("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        client.set_cookie(name, value)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_an_answer_that_changes_nothing_in_the_session_does_not_rewrite_its_cookie(sqlite_app: Any) -> None:
    """The class of the race above: only a request that changes the session (log in or out, a language) writes it."""
    client, _token = logged_in(sqlite_app, "hc_submitter")
    for path in ("/", "/applications", "/notifications", "/static/app.css", "/api/tasks"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session=")], path
    assert client.get("/lang/en").headers.getlist("Set-Cookie")
