"""Small-map 3x3 convolutions: same gradients as nn.Conv2d, used only where they were measured faster."""

import pytest
import torch
from torch import nn

from resnet_gui.data.datasets import load_sample
from resnet_gui.model.resnet import build_model
from resnet_gui.settings.config import ModelConfig, RunConfig, with_changes
from resnet_gui.training import engine, small_map_conv
from resnet_gui.training.small_map_conv import SmallMapConv2d, _SmallMapConvFunction, use_small_map_weight_grads

CL = torch.channels_last


@pytest.mark.parametrize(("size", "stride"), [(3, 1), (5, 1), (6, 2), (7, 2)])
def test_function_gradients_are_exact_in_double(size: int, stride: int) -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 3, size, size, dtype=torch.double).contiguous(memory_format=CL).requires_grad_()
    w = torch.randn(4, 3, 3, 3, dtype=torch.double).contiguous(memory_format=CL).requires_grad_()
    b = torch.randn(4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *a: _SmallMapConvFunction.apply(*a, stride, 1), (x, w, b))


def _pair(stride: int) -> tuple[nn.Conv2d, SmallMapConv2d]:
    torch.manual_seed(1)
    plain = nn.Conv2d(64, 32, 3, stride=stride, padding=1).to(memory_format=CL)
    small = nn.Conv2d(64, 32, 3, stride=stride, padding=1).to(memory_format=CL)
    small.load_state_dict(plain.state_dict())
    assert use_small_map_weight_grads(small) == 1
    assert isinstance(small, SmallMapConv2d)
    return plain, small


def _grads(conv: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, str, list[torch.Tensor]]:
    x = x.clone().requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = conv(x)
    (y.float() ** 2).sum().backward()
    return y, type(y.grad_fn).__name__, [x.grad, conv.weight.grad, conv.bias.grad]


@pytest.mark.parametrize(("size", "stride"), [(3, 1), (6, 2)])
def test_bf16_training_on_3x3_outputs_takes_the_forward_weight_gradient(size: int, stride: int) -> None:
    plain, small = _pair(stride)
    x = torch.randn(16, 64, size, size).contiguous(memory_format=CL)
    y_ref, _, ref = _grads(plain, x)
    y, grad_fn, got = _grads(small, x)
    assert grad_fn == "_SmallMapConvFunctionBackward"
    assert y.dtype == torch.bfloat16 and torch.equal(y, y_ref)
    for a, b in zip(ref, got, strict=False):
        assert a.dtype == b.dtype == torch.float32  # the float32 parameters get float32 gradients
        assert ((a - b).norm() / a.norm()).item() < 1e-2


@pytest.mark.parametrize("amx", [True, False])
def test_4x4_outputs_take_the_forward_weight_gradient_only_where_the_cpu_has_amx(
    amx: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(small_map_conv, "cpu_has_amx", lambda: amx)
    plain, small = _pair(2)
    x = torch.randn(16, 64, 7, 7).contiguous(memory_format=CL)  # stride 2: 4x4 outputs, as fast-cpu's last stage
    _, _, ref = _grads(plain, x)
    _, grad_fn, got = _grads(small, x)
    assert grad_fn == ("_SmallMapConvFunctionBackward" if amx else "ConvolutionBackward0")
    for a, b in zip(ref, got, strict=False):
        assert ((a - b).norm() / a.norm()).item() < 1e-2
    # 4x4 strided from an even size (measured slower there) and 5x5 outputs take oneDNN's own kernel on every CPU.
    assert _grads(small, torch.randn(4, 64, 8, 8).contiguous(memory_format=CL))[1] == "ConvolutionBackward0"
    assert _grads(small, torch.randn(4, 64, 9, 9).contiguous(memory_format=CL))[1] == "ConvolutionBackward0"
    _, stride_1 = _pair(1)
    assert _grads(stride_1, torch.randn(4, 64, 4, 4).contiguous(memory_format=CL))[1] == (
        "_SmallMapConvFunctionBackward" if amx else "ConvolutionBackward0"
    )


def test_larger_maps_fp32_and_inference_use_the_plain_convolution() -> None:
    _, small = _pair(1)
    assert _grads(small, torch.randn(4, 64, 6, 6).contiguous(memory_format=CL))[1] == "ConvolutionBackward0"
    x = torch.randn(4, 64, 3, 3, requires_grad=True)
    assert type(small(x).grad_fn).__name__ == "ConvolutionBackward0"  # float32, no autocast
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert small(x).grad_fn is None


def test_converting_the_seed_network_keeps_its_parameters_and_outputs() -> None:
    torch.manual_seed(0)
    net = build_model(ModelConfig())
    plain = build_model(ModelConfig())
    plain.load_state_dict(net.state_dict())
    assert use_small_map_weight_grads(net) == 16  # the two 3x3 convs of each of the 8 residual blocks
    assert isinstance(net[0], nn.Conv2d) and not isinstance(net[0], SmallMapConv2d)  # the 7x7 stem
    assert list(net.state_dict()) == list(plain.state_dict())
    x = torch.randn(2, 1, 96, 96)
    net.eval(), plain.eval()
    with torch.no_grad():
        assert torch.equal(net(x), plain(x))


CPU_BF16 = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 8},
    train={"epochs": 1, "precision": "bf16"},
)


def test_the_engine_converts_for_bf16_cpu_training_only() -> None:
    data = load_sample()

    def converted(cfg: RunConfig) -> int:
        net = engine.Trainer(cfg, data=data).net
        return sum(isinstance(m, SmallMapConv2d) for m in net.modules())

    assert converted(CPU_BF16) == 4
    assert converted(with_changes(CPU_BF16, train={"precision": "fp32"})) == 0


def test_a_converted_run_trains_and_saves_a_plain_checkpoint(tmp_path) -> None:
    cfg = with_changes(CPU_BF16, data={"resize": 0}, model={"blocks": (1, 1, 1, 1)})  # 28 px: 2x2 maps at the end
    result = engine.fit(cfg, data=load_sample(), checkpoint_dir=tmp_path)
    assert result.status == "finished" and 0 < result.history[0].loss < 2.3
    ckpt = torch.load(tmp_path / "last.pt", weights_only=False)
    fresh = build_model(engine.replace(cfg.model, in_channels=1, num_classes=10))
    fresh.load_state_dict(ckpt["model"])  # strict: same keys and shapes as an unconverted network
    with torch.no_grad():
        x = torch.rand(2, 1, 28, 28)
        torch.testing.assert_close(fresh.eval()(x), result.model.eval()(x))
