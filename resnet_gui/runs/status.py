"""How a run stands: the one list of run statuses, and which of them allow what."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """A run's status as the run history stores it (a StrEnum, so it compares equal to its text)."""

    RUNNING = "running"
    FINISHED = "finished"
    FINISHED_EARLY = "finished early"  # early stopping: no better test accuracy for its patience
    STOPPED = "stopped"  # by the user (Stop, Ctrl-C, SIGTERM), after the current batch, with a checkpoint
    FAILED = "failed"  # with an error message
    CRASHED = "crashed"  # recorded as running, but its process is gone (killed, power cut)
    PRUNED = "pruned"  # a sweep's trial ended early: its test accuracy trailed the other trials'


ENDED = frozenset(
    {
        RunStatus.FINISHED,
        RunStatus.FINISHED_EARLY,
        RunStatus.STOPPED,
        RunStatus.FAILED,
        RunStatus.CRASHED,
        RunStatus.PRUNED,
    }
)

RESUMABLE = frozenset({RunStatus.STOPPED, RunStatus.CRASHED})
# Ended in the window with weights worth using (a failed run's, if any, are not).
WITH_MODEL = frozenset({RunStatus.FINISHED, RunStatus.FINISHED_EARLY, RunStatus.STOPPED})
