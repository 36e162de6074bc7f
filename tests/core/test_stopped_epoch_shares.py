"""A stopped epoch's sums so far (over every rank) split between the ranks that resume it."""

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
