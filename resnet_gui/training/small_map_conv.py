"""3x3 convolutions whose weight gradient on tiny maps is computed as a forward convolution.

On the development CPUs, oneDNN's bf16 weight-gradient kernel for a 3x3 convolution whose output
is at most 3x3 pixels runs at half the speed of its forward kernel or worse (ResNet-18's last stage
at 96 px, per layer and batch of 256: 42-51 ms against 23-26 ms on an AMD EPYC with AVX512-BF16;
33-63 ms against 22-27 ms on an Intel Xeon with AMX, where whole training steps got 1.14x faster). The same
sum, ``dW[o, i, a, b] = sum over n, h, w of dY[n, o, h, w] * X[n, i, s*h + a - p, s*w + b - p]``,
is a forward convolution of X with its batch and channel axes swapped, using dY (batch and
channels swapped too, dilated by the stride) as the kernel, and oneDNN runs that at forward speed.
``benchmarks/small_map_conv.py`` measures both, layer by layer and as whole training steps.

Only the backward pass differs; parameters, state dicts and outputs are those of ``nn.Conv2d``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .devices import cpu_has_amx

# Measured on the development CPUs (benchmarks/small_map_conv.py): a win at 3x3 outputs
# (0.4-0.7x the time), a loss from 6x6 up (1.2x to 15x) and in float32 at 3x3 for a strided layer,
# hence bf16 and 3x3 only; 4x4 too where the CPU has AMX (it loses on the EPYC), see takes_forward_weight_grad.
MAX_OUTPUT_PIXELS = 9
MAX_OUTPUT_PIXELS_AMX = 16


def takes_forward_weight_grad(out_pixels: int, stride: int, in_size: int) -> bool:
    """Whether a bf16 CPU weight gradient with this output map is computed as a forward convolution here."""
    if out_pixels <= MAX_OUTPUT_PIXELS:
        return True
    # On the AMX Xeon 4x4 outputs win at stride 1 (0.43-0.82x the time for 128 to 512 channels) and
    # strided from 7 px (64->128: 0.70x), but lose strided from 8 px (256->512, 128->256: 1.31x), where
    # the forward convolution computes a row and a column more than the kernel and cuts them off.
    return cpu_has_amx() and out_pixels <= MAX_OUTPUT_PIXELS_AMX and (stride == 1 or in_size % 2 == 1)


def _weight_grad(x: torch.Tensor, grad_out: torch.Tensor, kernel: int, stride: int, padding: int) -> torch.Tensor:
    """dL/dW of a square ``kernel`` convolution as a forward convolution (see the module docstring)."""
    cl = torch.channels_last
    x_t = x.transpose(0, 1).contiguous(memory_format=cl)
    g_t = grad_out.transpose(0, 1).contiguous(memory_format=cl)
    # With a stride, the output grid is sparser than the input's: dilate the dY "kernel" to match.
    # The result can have a row/column more than the kernel (offsets past its edge): cut it off.
    w_t = F.conv2d(x_t, g_t, padding=padding, dilation=stride)[:, :, :kernel, :kernel]
    return w_t.transpose(0, 1).contiguous(memory_format=cl)


class _SmallMapConvFunction(torch.autograd.Function):
    """``F.conv2d`` with the weight gradient computed by ``_weight_grad``; all inputs in one dtype."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, stride: int, padding: int
    ) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.has_bias = stride, padding, bias is not None
        return F.conv2d(x, weight, bias, stride, padding)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        s, p = ctx.stride, ctx.padding
        grad_out = grad_out.contiguous(memory_format=torch.channels_last)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.ops.aten.convolution_backward(
                grad_out, x, weight, None, [s, s], [p, p], [1, 1], False, [0, 0], 1, [True, False, False]
            )[0]
        if ctx.needs_input_grad[1]:
            grad_w = _weight_grad(x, grad_out, weight.shape[-1], s, p)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum((0, 2, 3))
        return grad_x, grad_w, grad_b, None, None


def _output_pixels(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


class SmallMapConv2d(nn.Conv2d):
    """An ``nn.Conv2d`` that trains bf16 CPU steps on small output maps with ``_weight_grad``.

    Which maps: ``takes_forward_weight_grad``.
    """

    def _uses_forward_weight_grad(self, x: torch.Tensor) -> torch.dtype | None:
        """The compute dtype when this call takes the custom backward, else None."""
        if not torch.is_grad_enabled() or x.device.type != "cpu" or x.dim() != 4:
            return None
        dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else x.dtype
        if dtype != torch.bfloat16:
            return None
        k, s, p = self.kernel_size[0], self.stride[0], self.padding
        if not isinstance(p, tuple):
            return None
        h, w = (_output_pixels(n, k, s, p[0]) for n in x.shape[-2:])
        return dtype if takes_forward_weight_grad(h * w, s, x.shape[-1]) else None

    def _conv_forward(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        dtype = self._uses_forward_weight_grad(x)
        if dtype is None:
            return super()._conv_forward(x, weight, bias)
        # Autocast would cast inside the Function, out of autograd's sight: cast here instead, so
        # the gradients flow back to the float32 parameters as autocast's own casts do.
        with torch.autocast("cpu", enabled=False):
            return _SmallMapConvFunction.apply(
                x.to(dtype), weight.to(dtype), None if bias is None else bias.to(dtype), self.stride[0], self.padding[0]
            )


def _qualifies(module: nn.Module) -> bool:
    if type(module) is not nn.Conv2d or not isinstance(module.padding, tuple):
        return False
    return (
        module.kernel_size == (3, 3)
        and module.stride[0] == module.stride[1]
        and module.padding[0] == module.padding[1]
        and module.dilation == (1, 1)
        and module.groups == 1
        and module.padding_mode == "zeros"
    )


def use_small_map_weight_grads(net: nn.Module) -> int:
    """Make every plain square 3x3 ``nn.Conv2d`` in ``net`` a ``SmallMapConv2d``; returns how many.

    The modules keep their parameters and state dict keys: only their class changes, as
    ``torch.nn.utils.parametrize`` does, so optimisers and checkpoints are unaffected.
    """
    converted = 0
    for module in net.modules():
        if _qualifies(module):
            module.__class__ = SmallMapConv2d
            converted += 1
    return converted
