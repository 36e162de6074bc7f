"""A torchrun process's context without a process group: a stopped epoch's sums split between the ranks that
resume it, and what a rank says when another one ended first."""

import pytest
import torch

from resnet_gui.training.distributed import DistContext

STATE = {"loss_sum": 12.5, "correct": 1001, "seen": 2400}


@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_the_ranks_shares_add_up_to_the_stopped_epochs_sums(world: int) -> None:
    parts = [DistContext(rank, world).epoch_so_far(STATE, torch.device("cpu")) for rank in range(world)]
    assert sum(int(correct) for _, correct, _ in parts) == 1001
    assert sum(seen for _, _, seen in parts) == 2400
    # Every rank carries the loss: epoch_totals averages it over the ranks.
    assert all(float(loss) == 12.5 for loss, _, _ in parts)
    assert [seen for _, _, seen in parts[1:]] == [2400 // world] * (world - 1)  # the main rank takes the rest


def test_a_new_epoch_starts_from_zero_on_every_rank() -> None:
    loss, correct, seen = DistContext(1, 2).epoch_so_far(None, torch.device("cpu"))
    assert (float(loss), int(correct), seen) == (0.0, 0, 0)
    assert correct.dtype == torch.long


def test_a_lost_peer_is_said_in_words_and_other_errors_are_left_alone() -> None:
    gloo = RuntimeError("[third_party/gloo/gloo/transport/tcp/pair.cc:561] Connection closed by peer [127.0.0.1]:1920")
    said = DistContext(1, 2).peer_lost(gloo)
    assert said is not None
    assert str(said) == "process 1 of 2 stopped: another process of this run ended first (its message is above)"
    assert DistContext(1, 2).peer_lost(ValueError("a setting is wrong")) is None
    assert DistContext().peer_lost(gloo) is None  # alone, the message is the error's own
