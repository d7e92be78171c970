"""A live comparison trained in a thread of its own, so the page that shows it only draws.

The Streamlit server runs a page's script in one thread; training there would keep it from answering a
click until the training slice ended. :class:`Background` trains a
:class:`~bnviz.live.comparison.LiveComparison` in a daemon thread while it is running and someone is
watching (the page calls :meth:`Background.seen` whenever it draws), so Pause and Stop wait for one
step, never for a slice, and training goes on while the page draws. It idles while paused or unwatched
(a closed tab, another page) and ends with the run, or after :data:`ABANDONED` seconds unwatched.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref

from bnviz.live import threads
from bnviz.live.comparison import LiveComparison

SLICE = 0.05  # seconds of training between two checks for a pause or an absent viewer
UNWATCHED = 15.0  # seconds without a draw after which training waits for the page to come back
ABANDONED = 600.0  # seconds without a draw after which the thread stops the run and ends
POLL = 0.05  # seconds between two looks at a paused or unwatched run


_ALIVE: weakref.WeakSet = weakref.WeakSet()  # every Background whose thread may still train


@atexit.register
def stop_all(timeout: float | None = 0) -> None:
    """Stop every run still training in this process after its step in flight, and wait up to ``timeout``
    seconds for each thread to end (None: until it ends).

    Called at exit, without waiting: a daemon thread killed inside torch aborts the process. The tests call it
    after each test: a run a page test started would otherwise train on for :data:`UNWATCHED` seconds, taking
    the CPU from the tests after it and drawing from torch's global generator under them."""
    for bg in list(_ALIVE):
        bg.lc.stop()
    if timeout != 0:
        for bg in list(_ALIVE):
            bg.join(timeout)


class Background:
    """Trains ``lc`` in a daemon thread from construction until it is done (or abandoned)."""

    def __init__(self, lc: LiveComparison, clock=time.monotonic):
        self.lc = lc
        self._clock = clock
        self.last_seen = clock()
        self.idle = False  # waiting (paused or unwatched), not inside a training slice
        self._thread = threading.Thread(target=self._train, name="bnviz-live-training", daemon=True)
        _ALIVE.add(self)
        self._thread.start()

    def seen(self) -> None:
        """The page drew the run: keep training."""
        self.last_seen = self._clock()

    @property
    def watched(self) -> bool:
        return self._clock() - self.last_seen < UNWATCHED

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _train(self) -> None:
        threads.use_training_threads_in_this_thread()  # the count the runner's workers train with
        lc = self.lc
        while not lc.done:
            if self._clock() - self.last_seen >= ABANDONED:
                lc.stop()
                return
            if lc.running and self.watched:
                self.idle = False
                lc.advance(SLICE)
            else:
                self.idle = True
                time.sleep(POLL)
