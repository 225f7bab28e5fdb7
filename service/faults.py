"""Named fault-injection points, used only by the fault tests.

A test starts the server with ``APPRAISAL_FAULT_POINT`` naming a point and
``APPRAISAL_FAULT_ARMED_FILE`` naming a file; when a request reaches that point
while the file exists, the file is renamed to ``<file>.hit`` and the request
stops there (sleeps) so the test can kill the process at exactly that moment.
Unset (always, in production) a point costs one attribute lookup (service/config.py reads the variables).
"""
from __future__ import annotations

import os
import time

from service import config

POINT_ENV = "APPRAISAL_FAULT_POINT"
ARMED_ENV = "APPRAISAL_FAULT_ARMED_FILE"


def point(name: str) -> None:
    """Pause here if a test armed this point."""
    settings = config.current()
    if settings.fault_point != name:
        return
    armed = settings.fault_armed_file
    if not armed:
        return
    try:
        os.replace(armed, armed + ".hit")
    except OSError:
        return  # not armed (or another request got here first)
    time.sleep(settings.fault_pause_seconds)
