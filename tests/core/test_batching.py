"""Device batches: whole-batch scaling, resizing and augmentation, shuffled per epoch."""

import pytest
import torch

from resnet_gui.data.batching import DeviceBatcher, augment_batch, random_crop_flip, random_erase


def make(n: int = 10, **kw) -> DeviceBatcher:
    x = torch.arange(n * 28 * 28, dtype=torch.int64).remainder(256).to(torch.uint8).reshape(n, 1, 28, 28)
    return DeviceBatcher(x, torch.arange(n), 4, torch.device("cpu"), **kw)


def test_batches_cover_every_image_once_and_reshuffle() -> None:
    b = make()
    assert len(b) == 3
    g = torch.Generator().manual_seed(0)
    first = torch.cat([y for _, y in b.batches(b.shuffled_order(g))])
    second = torch.cat([y for _, y in b.batches(b.shuffled_order(g))])
    assert sorted(first.tolist()) == list(range(10)) == sorted(second.tolist())
    assert first.tolist() != second.tolist()
    ordered = torch.cat([y for _, y in b.batches()])
    assert ordered.tolist() == list(range(10))
    order = b.shuffled_order(g)
    rest = torch.cat([y for _, y in b.batches(order, start_batch=1)])
    assert rest.tolist() == order[4:].tolist()


def test_scaled_to_unit_range_and_resized() -> None:
    x, _ = next(make(resize=96).batches())
    assert x.shape == (4, 1, 96, 96) and x.dtype == torch.float32
    assert x.min().item() >= 0.0 and x.max().item() <= 1.0
    x28, _ = next(make().batches())
    assert x28.shape == (4, 1, 28, 28)
    assert torch.equal(x28 * 255, make().images[:4].float())


def test_flip_only_gives_the_image_or_its_mirror() -> None:
    x = torch.rand(16, 1, 8, 8)
    out = random_crop_flip(x, padding=0, generator=torch.Generator().manual_seed(1))
    same = [torch.equal(o, i) for o, i in zip(out, x, strict=False)]
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=False)]
    assert all(s or f for s, f in zip(same, flipped, strict=False)) and any(same) and any(flipped)


def test_the_flip_mode_mirrors_about_half_the_batch_and_never_crops() -> None:
    images = torch.randint(0, 256, (64, 1, 8, 8), dtype=torch.uint8)
    batcher = DeviceBatcher(images, torch.zeros(64, dtype=torch.long), 64, torch.device("cpu"), augment="flip")
    out, _ = next(batcher.batches(generator=torch.Generator().manual_seed(3)))
    x = images.float() / 255
    same = [torch.equal(o, i) for o, i in zip(out, x, strict=False)]
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=False)]
    assert all(s or f for s, f in zip(same, flipped, strict=False)) and 16 < sum(flipped) < 48
    plain, _ = next(DeviceBatcher(images, torch.zeros(64, dtype=torch.long), 64, torch.device("cpu")).batches())
    assert torch.equal(plain, x)


def test_crop_shifts_inside_the_padding() -> None:
    x = torch.ones(32, 1, 8, 8)
    out = random_crop_flip(x, padding=2, generator=torch.Generator().manual_seed(2))
    assert out.shape == x.shape
    zeros_per_image = (out == 0).flatten(1).sum(1)
    assert zeros_per_image.max() > 0 and zeros_per_image.min() >= 0
    assert (out.flatten(1).sum(1) >= 6 * 6).all()


def test_erasing_blacks_out_one_rectangle_in_about_half_the_images() -> None:
    x = torch.ones(400, 1, 28, 28)
    out = random_erase(x, generator=torch.Generator().manual_seed(4))
    erased = (out == 0).flatten(1).sum(1)
    assert 150 < int((erased > 0).sum()) < 250  # p = 0.5
    for image, n in zip(out[:, 0], erased.tolist(), strict=True):
        if n:
            rows = (image == 0).any(1).nonzero().flatten()
            cols = (image == 0).any(0).nonzero().flatten()
            height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
            assert n == height * width  # one solid rectangle, nothing else touched
            assert 0.02 * 784 * 0.5 <= n <= 0.33 * 784 * 1.25  # its area (rounded, clipped to the image)
    areas = erased[erased > 0].float()
    assert areas.max() > 4 * areas.min()  # sizes differ from image to image


def test_the_erase_mode_flips_and_erases_the_training_batches() -> None:
    images = torch.full((64, 1, 28, 28), 200, dtype=torch.uint8)
    images[:, :, :, :14] = 100  # left half darker: a mirrored image shows it on the right
    batcher = DeviceBatcher(images, torch.zeros(64, dtype=torch.long), 64, torch.device("cpu"), augment="flip+erase")
    out, _ = next(batcher.batches(generator=torch.Generator().manual_seed(5)))
    template = images[0].float() / 255
    kept = out != 0
    same = ((out == template) | ~kept).flatten(1).all(1)
    mirrored = ((out == template.flip(-1)) | ~kept).flatten(1).all(1)
    assert bool((same ^ mirrored).all()) and 16 < int(mirrored.sum()) < 48
    assert 16 < int((out == 0).flatten(1).any(1).sum()) < 48


def test_an_unknown_augmentation_is_refused_not_skipped() -> None:
    with pytest.raises(ValueError, match=r"unknown augmentation 'flip\+crop'"):
        augment_batch(torch.zeros(2, 1, 8, 8), "flip+crop")
