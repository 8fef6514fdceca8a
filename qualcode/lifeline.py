"""Worker processes that end when the process that started them ends, however it ends.

A worker waiting on a ``multiprocessing`` queue never notices that its parent is gone:
it holds the write end of that queue itself, so no end of file ever comes. A ``kill -9``
of an import used to leave the spaCy worker running for good, and with it the
resource tracker that waits for every holder of its pipe.

:func:`die_with_parent`, called first thing in a worker, gives two ways out. On Linux
the kernel sends the worker SIGKILL the moment its parent dies (``prctl`` with
``PR_SET_PDEATHSIG``); everywhere, a thread checks ``os.getppid()`` every second and
ends the worker once the parent has changed (an orphan is adopted by another process).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL_S = 1.0


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (its parent's pid) ends.

    The kernel's signal follows the *thread* that started the worker: start workers
    from a thread that outlives them (the main thread, as the CLI does).
    """
    if sys.platform.startswith("linux"):
        _ask_the_kernel()
    if os.getppid() != parent:  # the parent died before the kernel was asked
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="qualcode-lifeline", daemon=True).start()


def _ask_the_kernel() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # a C library without prctl: the watching thread still does the job


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    os._exit(1)
