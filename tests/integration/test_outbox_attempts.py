"""An outbox row is retried after transient errors and is dead after exactly OUTBOX_MAX_ATTEMPTS of them."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from notifications import TransientDeliveryError
from service import clock
from service.models import OutboxMessage
from service.workflows import outbox
from tests.api_client import Api
from tests.integration import flows


class _Refusing:
    def deliver(self, notification: Any) -> Any:
        raise TransientDeliveryError("421 try again later")


def test_a_row_is_dead_after_exactly_max_attempts_transient_errors(sqlite_app: Any) -> None:
    app = sqlite_app
    app_id = flows.create(Api(app), "hc_submitter")["id"]
    flows.submit(Api(app), app_id, "hc_submitter", "hc_leader")
    sessions = app.extensions["appraisal.sessions"]
    with sessions() as s:
        message_id = s.scalar(select(OutboxMessage.id).where(OutboxMessage.channel == "email"))
    statuses = []
    for attempt in range(1, 4):
        with sessions() as s:
            row = s.get(OutboxMessage, message_id)
            row.next_attempt_at = clock.now() - timedelta(seconds=1)  # due again
            s.commit()
        with sessions() as s:
            statuses.append(outbox.deliver(session=s, message_id=message_id, make_dispatcher=lambda sink: _Refusing(),
                                           max_attempts=3, backoff_seconds=30))
    with sessions() as s:
        row = s.get(OutboxMessage, message_id)
        assert statuses == ["pending", "pending", "dead"] and row.attempts == 3
        assert row.last_error == "TransientDeliveryError: 421 try again later"
