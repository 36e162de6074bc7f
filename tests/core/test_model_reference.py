"""The blocks compute what torchvision's do: same weights in, same outputs out, ReLU after the addition."""

import re

import pytest
import torch
from torch import nn

from resnet_gui.model.resnet import Bottleneck, Residual, build_model
from resnet_gui.settings.config import ModelConfig

# torchvision's name for the projection shortcut -> ours (BasicBlock: conv3/bn3, Bottleneck: conv4/bn4).
PROJECTION = {"basic": ("conv3", "bn3"), "bottleneck": ("conv4", "bn4")}


def our_key(key: str, block: str) -> str:
    """The name in our Sequential of a parameter or buffer of a torchvision ResNet."""
    conv, bn = PROJECTION[block]
    key = re.sub(r"^conv1\.", "0.", key)
    key = re.sub(r"^bn1\.", "1.", key)
    key = re.sub(r"^layer(\d+)\.", r"resnet_block\1.", key)
    key = key.replace(".downsample.0.", f".{conv}.").replace(".downsample.1.", f".{bn}.")
    return re.sub(r"^fc\.", "fc.1.", key)


def randomize_batch_norms(net: nn.Module, generator: torch.Generator) -> None:
    """Give every batch norm non-trivial statistics and affine parameters, so eval mode does real work."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.1)


@pytest.mark.parametrize(
    "name,blocks,block", [("resnet18", (2, 2, 2, 2), "basic"), ("resnet50", (3, 4, 6, 3), "bottleneck")]
)
def test_torchvision_weights_give_torchvision_outputs(name: str, blocks: tuple[int, ...], block: str) -> None:
    import torchvision.models as tvm

    torch.manual_seed(0)
    reference = getattr(tvm, name)(weights=None, num_classes=10)
    randomize_batch_norms(reference, torch.Generator().manual_seed(1))
    ours = build_model(
        ModelConfig(
            blocks=blocks,
            channels=64,
            in_channels=3,
            num_classes=10,
            stem="d2l",
            block=block,
            block_style="torchvision",
        )
    )
    state = {our_key(k, block): v for k, v in reference.state_dict().items()}
    ours.load_state_dict(state, strict=True)  # every tensor has its counterpart, of the same shape
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected, got = reference.eval()(x), ours.eval()(x)
    assert expected.abs().max() > 0.1  # the comparison is not between two near-zero outputs
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))


def zeroed(block: nn.Module, last_conv: nn.Conv2d, bias: float) -> nn.Module:
    """``block`` in eval mode with all conv weights zero and ``bias`` on its last conv: the residual branch
    then adds that bias (through an identity batch norm) to the input."""
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.zero_()
                m.bias.zero_()
        last_conv.bias.fill_(bias)
    return block.eval()


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
def test_a_negative_sum_of_branch_and_shortcut_is_cut_to_zero(kind: str) -> None:
    if kind == "basic":
        block = Residual(4, 4)
        block = zeroed(block, block.conv2, -3.0)
    else:
        block = Bottleneck(4, 1)
        block = zeroed(block, block.conv3, -3.0)
    x = torch.tensor([1.0, 5.0]).reshape(1, 1, 1, 2).expand(1, 4, 1, 2).contiguous()
    with torch.no_grad():
        y = block(x)
    branch = -3.0 / (1 + 1e-5) ** 0.5  # the residual branch's output after its (identity) batch norm
    # 1 + branch is negative and must come out as 0; 5 + branch passes through the ReLU unchanged.
    torch.testing.assert_close(y, torch.tensor([0.0, 5.0 + branch]).reshape(1, 1, 1, 2).expand(1, 4, 1, 2))
