"""A faithful copy of the d2l chapter's data loading and training loop, the baseline of the benchmarks.

``load_data_fashion_mnist``, ``evaluate_accuracy`` and ``train_ch5`` are the seed's code
(/work/shared/seed/resnet-d2l-chapter.txt) with only these changes: the data root is an argument
(and optional index subsets, for the parity check), ``train_ch5`` returns its epoch numbers as
well as printing the seed's epoch line, and ``evaluate_accuracy`` keeps just its ``nn.Module``
branch. ``train_batches`` is ``train_ch5``'s inner loop body, run for a fixed number of batches.
Per image: PIL Resize + ToTensor in 4 DataLoader worker processes; per batch: ``.cpu().item()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
import torchvision
from torch import nn


def load_data_fashion_mnist(
    batch_size: int,
    resize: int | None = None,
    root: str = "~/Datasets/FashionMNIST",
    num_workers: int = 4,
    train_indices: Sequence[int] | None = None,
    test_indices: Sequence[int] | None = None,
) -> tuple[torch.utils.data.DataLoader, torch.utils.data.DataLoader]:
    """The seed's loader: torchvision FashionMNIST, per-image Resize + ToTensor, 4 workers."""
    trans: list = []
    if resize:
        trans.append(torchvision.transforms.Resize(size=resize))
    trans.append(torchvision.transforms.ToTensor())
    transform = torchvision.transforms.Compose(trans)
    mnist_train = torchvision.datasets.FashionMNIST(root=root, train=True, download=True, transform=transform)
    mnist_test = torchvision.datasets.FashionMNIST(root=root, train=False, download=True, transform=transform)
    train_set: torch.utils.data.Dataset = mnist_train
    test_set: torch.utils.data.Dataset = mnist_test
    if train_indices is not None:
        train_set = torch.utils.data.Subset(mnist_train, list(train_indices))
    if test_indices is not None:
        test_set = torch.utils.data.Subset(mnist_test, list(test_indices))

    train_iter = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    test_iter = torch.utils.data.DataLoader(test_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    return train_iter, test_iter


def evaluate_accuracy(
    data_iter: torch.utils.data.DataLoader, net: nn.Module, device: torch.device | None = None
) -> float:
    """The seed's test accuracy: eval mode, one ``.cpu().item()`` per batch."""
    if device is None and isinstance(net, torch.nn.Module):
        device = next(iter(net.parameters())).device
    acc_sum, n = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            net.eval()
            acc_sum += (net(X.to(device)).argmax(dim=1) == y.to(device)).float().sum().cpu().item()
            net.train()
            n += y.shape[0]
    return acc_sum / n


@dataclass(frozen=True)
class SeedEpoch:
    """The numbers of one line the seed's ``train_ch5`` prints."""

    epoch: int
    loss: float
    train_acc: float
    test_acc: float
    seconds: float


def train_ch5(
    net: nn.Module,
    train_iter: torch.utils.data.DataLoader,
    test_iter: torch.utils.data.DataLoader,
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    num_epochs: int,
) -> list[SeedEpoch]:
    """The seed's training loop, printing its epoch lines; returns them as numbers too."""
    net = net.to(device)
    print("training on ", device)
    loss = torch.nn.CrossEntropyLoss()
    history: list[SeedEpoch] = []
    for epoch in range(num_epochs):
        train_l_sum, train_acc_sum, n, batch_count, start = 0.0, 0.0, 0, 0, time.time()
        for X, y in train_iter:
            X = X.to(device)
            y = y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            train_l_sum += l.cpu().item()
            train_acc_sum += (y_hat.argmax(dim=1) == y).sum().cpu().item()
            n += y.shape[0]
            batch_count += 1
        test_acc = evaluate_accuracy(test_iter, net)
        seconds = time.time() - start
        print(
            "epoch %d, loss %.4f, train acc %.3f, test acc %.3f, time %.1f sec"
            % (epoch + 1, train_l_sum / batch_count, train_acc_sum / n, test_acc, seconds),
            flush=True,
        )
        history.append(SeedEpoch(epoch + 1, train_l_sum / batch_count, train_acc_sum / n, test_acc, seconds))
    return history


def train_batches(
    net: nn.Module,
    batches: Iterator[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    count: int,
    loss: nn.Module | None = None,
) -> int:
    """``train_ch5``'s loop body for ``count`` batches of ``batches``; returns the images seen."""
    loss = loss or torch.nn.CrossEntropyLoss()
    train_l_sum, train_acc_sum, n = 0.0, 0.0, 0
    for _ in range(count):
        X, y = next(batches)
        X = X.to(device)
        y = y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        train_l_sum += l.cpu().item()
        train_acc_sum += (y_hat.argmax(dim=1) == y).sum().cpu().item()
        n += y.shape[0]
    return n
