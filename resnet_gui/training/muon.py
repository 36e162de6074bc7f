"""Muon for the convolution filters, SGD with Nesterov momentum for every other parameter.

Muon (Keller Jordan, 2024; the optimiser of the airbench and modded-nanoGPT speed runs) replaces each
filter bank's momentum by the nearest semi-orthogonal matrix, found by a few Newton-Schulz iterations,
so every direction of the update moves at the same rate. As in airbench94_muon, each bank is rescaled to
a norm of sqrt(output channels) before its step: a batch norm follows every convolution here, so the
scale carries no information and the step is a rotation of ``muon_lr``'s size.

Kept here rather than ``torch.optim.Muon`` because that takes 2-D parameters only (it raises on a
convolution's 4-D weight) and decays weights instead of normalising them; the Newton-Schulz
coefficients are the ones it and Keller Jordan's reference use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim.sgd import sgd

# The quintic iteration's coefficients (torch.optim.Muon's defaults): the fastest rise at zero, singular
# values ending near 0.7-1.2 rather than exactly 1, which does not hurt the steps.
NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)
NS_STEPS = 5
# Muon's own momentum, airbench94_muon's (the SGD parameters keep ``train.momentum``).
MUON_MOMENTUM = 0.6


def orthogonalise(update: torch.Tensor, steps: int = NS_STEPS) -> torch.Tensor:
    """``update`` (rows x columns) moved to about the nearest semi-orthogonal matrix.

    The quintic iteration X <- q(A) X, with A = X Xt and q(A) = a + bA + cA^2, run on the Gram matrix: q(A)
    is a polynomial in A, so the next Gram matrix is q(A)^2 A and the result is the product of the q's times
    the first X. Only the first and the last product touch the wide matrix (a 3x3 convolution's 9 x
    in-channels columns). It runs in full float32 (float64 where torch is set to round float32 products, as
    TF32 does): a Gram matrix rounded more coarsely, as to bfloat16, has eigenvalues below zero, which the
    recursion amplifies until it overflows (the iteration on X recomputes a positive Gram matrix every step).
    """
    a, b, c = NS_COEFFICIENTS
    exact = torch.float32 if torch.get_float32_matmul_precision() == "highest" else torch.float64
    x = update.to(exact)
    tall = x.shape[0] > x.shape[1]
    if tall:  # work on the smaller Gram matrix
        x = x.T
    x = x / (x.norm() + 1e-7)  # spectral norm at most 1, where the iteration converges
    gram = x @ x.T
    total = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
    for _ in range(steps):
        q = torch.addmm(gram, gram, gram, beta=b, alpha=c)
        q.diagonal().add_(a)
        total = q @ total
        gram = q @ gram @ q
    x = total @ x
    return (x.T if tall else x).to(update.dtype)


def is_filter(param: torch.Tensor) -> bool:
    """Whether Muon steps this parameter: a convolution's weight (out, in, kh, kw)."""
    return param.ndim == 4


class ConvMuon(torch.optim.Optimizer):
    """Muon for the parameter groups marked ``muon``, SGD with Nesterov momentum and weight decay for the rest."""

    def __init__(self, groups: Iterable[dict[str, Any]], lr: float, momentum: float) -> None:
        defaults = {"lr": lr, "momentum": momentum, "weight_decay": 0.0, "muon": False}
        super().__init__(list(groups), defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """One step of every group; ``closure`` re-evaluates the loss, as for any torch optimiser."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            if group["muon"]:
                for p in group["params"]:
                    if p.grad is not None:
                        self._muon_step(p, group["lr"])
            else:
                self._sgd_step(group)
        return loss

    def _muon_step(self, p: torch.Tensor, lr: float) -> None:
        assert p.grad is not None
        state = self.state[p]
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = torch.zeros_like(p)
        buf: torch.Tensor = state["momentum_buffer"]
        buf.mul_(MUON_MOMENTUM).add_(p.grad)
        nesterov = p.grad.add(buf, alpha=MUON_MOMENTUM)
        p.mul_(len(p) ** 0.5 / p.norm().clamp_min(1e-12))
        p.add_(orthogonalise(nesterov.reshape(len(p), -1)).view_as(p), alpha=-lr)

    def _sgd_step(self, group: dict[str, Any]) -> None:
        """``torch.optim.SGD``'s step with Nesterov momentum, through its functional form."""
        params = [p for p in group["params"] if p.grad is not None]
        buffers = [self.state[p].get("momentum_buffer") for p in params]
        momentum = group["momentum"]
        sgd(
            params,
            [p.grad for p in params],
            buffers,
            weight_decay=group["weight_decay"],
            momentum=momentum,
            lr=group["lr"],
            dampening=0.0,
            nesterov=momentum > 0,
            maximize=False,
        )
        if momentum:
            for p, buf in zip(params, buffers, strict=True):
                self.state[p]["momentum_buffer"] = buf
