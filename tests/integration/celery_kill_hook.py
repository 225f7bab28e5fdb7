"""Loaded into a test worker with ``--include``: dies right after a delivery, before the ack.

When the file named by ``APPRAISAL_TEST_KILL_MARKER`` exists, the first
``appraisal.deliver_notification`` that returns removes it, writes the job's
id and message id next to it and SIGKILLs its own worker process. The job's
outcome is already committed; Celery (``acks_late``) has not acknowledged it.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from celery.signals import task_postrun


@task_postrun.connect
def _die_before_ack(sender: Any = None, task_id: str | None = None, args: Any = None, retval: Any = None,
                    **_: Any) -> None:
    marker = os.environ.get("APPRAISAL_TEST_KILL_MARKER")
    if not marker or getattr(sender, "name", "") != "appraisal.deliver_notification" or retval != "sent":
        return
    path = Path(marker)
    if not path.exists():
        return
    path.unlink()
    Path(marker + ".killed").write_text(f"{task_id} {args[0]}")
    os.kill(os.getpid(), signal.SIGKILL)
