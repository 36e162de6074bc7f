"""What the settings form shows: its sections and their fields in order, and its starting settings."""

from __future__ import annotations

from ...settings.config import SPECS, DataConfig, RunConfig

INITIAL_DEVICES = ("auto", "cpu")
# The seed's recipe on the bundled sample: the app trains out of the box, offline.
DEFAULT_CONFIG = RunConfig(data=DataConfig(dataset="sample", resize=96))
SECTIONS: dict[str, tuple[str, ...]] = {
    "Network": (
        "model.blocks",
        "model.channels",
        "model.block",
        "model.block_style",
        "model.stem",
        "model.stem_pool",
        "model.pool_first",
    ),
    "Data": (
        "data.dataset",
        "data.folder",
        "data.root",
        "data.resize",
        "train.augment",
        "train.start_size",
        "train.full_size_epoch",
        "data.image_size",
        "data.channels",
        "data.test_fraction",
    ),
    "Training": (
        "train.optimizer",
        "train.lr",
        "train.momentum",
        "train.muon_lr",
        "train.weight_decay",
        "train.decay_norms",
        "train.batch_size",
        "train.epochs",
        "train.early_stop_patience",
        "train.early_stop_min_delta",
        "train.schedule",
        "train.warmup_epochs",
        "train.label_smoothing",
        "train.test_flips",
        "train.test_shifts",
        "train.test_every",
    ),
    "Advanced": ("train.device", "train.precision", "train.seed", "train.compile"),
}
FOLDED = ("Advanced",)
FORM_KEYS = tuple(key for keys in SECTIONS.values() for key in keys)
# Fields holding a folder, with a Browse… button; the title of its folder dialog.
PATH_FIELDS = {"data.folder": "Image folder", "data.root": "Data location"}


def hidden_when_unused(key: str) -> bool:
    """The data set's own fields disappear for other data sets; other unused fields are greyed out."""
    only_when = SPECS[key].only_when
    return only_when is not None and only_when[0] == "data.dataset"
