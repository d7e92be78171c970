"""Torch's thread count in a process that trains live: set once, here."""

from __future__ import annotations

import functools

import torch

TORCH_THREADS = 1  # as the runner's workers train: the same numbers as a run of the same config there


@functools.cache
def use_training_threads() -> None:
    """Set torch's intra-op thread count to :data:`TORCH_THREADS`, once per process (later calls do nothing).

    The count is process-wide, and the Streamlit server runs every session's script in a thread of one
    process: setting it around each call and putting it back would change it under another session's
    training, so it is set once and left. One thread, because a live run shares the CPU with the app and
    often with a background experiment, and torch's thread pool slows down many-fold when its threads
    wait for a busy core.
    """
    torch.set_num_threads(TORCH_THREADS)


def use_training_threads_in_this_thread() -> None:
    """Give the calling thread :data:`TORCH_THREADS` too. Torch keeps the count per thread: a new thread starts
    from the count set last anywhere in the process and keeps its own after, so a thread that trains sets its
    own once, at its start, and its numbers do not depend on what other threads set before it."""
    torch.set_num_threads(TORCH_THREADS)
