"""The Training plots' tools: log-scale loss, EMA smoothing, hover read-out, PNG/SVG/CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from resnet_gui.gui.tabs.training.plot_series import POINTS_PER_EPOCH, Ema, ema
from resnet_gui.gui.tabs.training.plots import READOUT_HINT, TrainingPlots
from resnet_gui.training.events import BatchEnd, EpochEnd

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

BATCHES = 12


@pytest.fixture
def plots(qtbot) -> TrainingPlots:
    p = TrainingPlots()
    qtbot.addWidget(p)
    p.resize(800, 600)
    p.show()
    qtbot.waitExposed(p)
    for epoch in (1, 2, 3):
        for b in range(1, BATCHES + 1):
            p.add_batch(BatchEnd(epoch, b, BATCHES, 2.0 / (epoch + b / BATCHES), 1000.0, 1.0, 1.0))
        p.add_epoch(EpochEnd(epoch, 1.0 / epoch, 0.5 + epoch / 10, 0.45 + epoch / 10, 1.0, 1000.0, 1e-3))
    p.flush()
    return p


def curve_len(curve) -> int:
    x, _ = curve.getData()
    return 0 if x is None else len(x)


def test_the_debiased_ema_by_hand() -> None:
    # sums 0.5, 1.75, 2.375 over weights handed out 0.5, 0.75, 0.875: no lean toward 0 or the first value
    assert ema([1.0, 3.0, 3.0], 0.5) == pytest.approx([1.0, 7 / 3, 19 / 7])
    assert ema([], 0.9) == []
    assert ema([2.0, 2.0, 2.0], 0.99) == pytest.approx([2.0, 2.0, 2.0])  # plain EMA from 0 gives 0.02, ...
    fed = Ema(0.5, by_epoch=False)
    assert fed.feed([0, 1], [1.0, 3.0]) + fed.feed([2], [3.0]) == pytest.approx(ema([1.0, 3.0, 3.0], 0.5))
    by_epoch = Ema(0.5)  # by epoch: two points 2/50 epoch apart keep 0.5 ** 2 of the past
    assert by_epoch.feed([0.0, 2 / POINTS_PER_EPOCH], [1.0, 3.0]) == pytest.approx(
        [1.0, (0.25 * 0.5 + 0.75 * 3) / 0.875]
    )


def test_smoothing_is_per_fraction_of_an_epoch_so_sparse_points_do_not_trail(qtbot) -> None:
    sparse = TrainingPlots()
    qtbot.addWidget(sparse)
    losses = [2.3 * 0.6**k for k in range(10)]  # a small data set: one batch, so one point, per epoch
    for epoch, loss in enumerate(losses, start=1):
        sparse.add_batch(BatchEnd(epoch, 1, 1, loss, 100.0, 1.0, 1.0))
    sparse.flush()
    _, y = sparse.smoothed_loss.curve.getData()
    assert y[-1] == pytest.approx(losses[-1], rel=0.01)  # once per-point smoothing sat far above it
    sparse.smooth_by.setCurrentIndex(sparse.smooth_by.findData("step"))  # by step: every point one step
    sparse.flush()
    _, y = sparse.smoothed_loss.curve.getData()
    assert list(y) == pytest.approx(ema(losses, sparse.smoothing)) and y[-1] > 2 * losses[-1]
    dense = TrainingPlots()
    qtbot.addWidget(dense)
    raw = [1.0 + (i % 7) / 7 for i in range(2 * POINTS_PER_EPOCH)]
    for i, loss in enumerate(raw, start=1):
        epoch, b = divmod(i - 1, POINTS_PER_EPOCH)
        dense.add_batch(BatchEnd(epoch + 1, b + 1, POINTS_PER_EPOCH, loss, 100.0, 1.0, 1.0))
    dense.flush()
    _, y = dense.smoothed_loss.curve.getData()
    assert list(y) == pytest.approx(ema(raw, dense.smoothing))  # at the reference density: the slider's weight


def test_log_toggle_switches_the_loss_axis(plots) -> None:
    axis = plots.loss_plot.getAxis("left")
    assert not axis.logMode
    plots.log_check.click()
    assert axis.logMode and plots.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert not plots.acc_plot.getAxis("left").logMode
    plots.log_check.click()
    assert not axis.logMode


def test_smoothing_keeps_the_raw_points_and_adds_a_curve_of_the_same_length(plots) -> None:
    raw = 3 * BATCHES
    assert plots.smoothing == pytest.approx(0.6)
    assert curve_len(plots.batch_loss.curve) == raw and curve_len(plots.smoothed_loss.curve) == raw
    assert plots.batch_loss.curve.opts["pen"].color().alpha() < 255  # faint under the smoothed curve
    plots.set_smoothing(0.9)
    assert plots.smooth_value.text() == "0.90"
    x, y = plots.smoothed_loss.curve.getData()
    rx, ry = plots.batch_loss.curve.getData()
    assert len(x) == raw and list(x) == list(rx)
    assert list(y) == pytest.approx(Ema(0.9).feed(list(rx), list(ry)))
    assert max(y) - min(y) < max(ry) - min(ry)  # smoother than the raw loss
    plots.add_batch(BatchEnd(4, 1, BATCHES, 0.3, 1000.0, 1.0, 1.0))
    plots.flush()
    assert curve_len(plots.smoothed_loss.curve) == raw + 1 == curve_len(plots.batch_loss.curve)
    plots.set_smoothing(0)
    assert curve_len(plots.smoothed_loss.curve) == 0 and curve_len(plots.batch_loss.curve) == raw + 1
    assert plots.batch_loss.curve.opts["pen"].color().alpha() == 255


def test_hovering_reads_out_the_values_under_the_mouse(plots) -> None:
    view = plots.loss_plot.getPlotItem().getViewBox()
    scene_pos = view.mapViewToScene(QPointF(2.0, 1.0))
    plots.loss_plot.scene().sigMouseMoved.emit(scene_pos)
    text = plots.readout.text()
    assert text.startswith("epoch 2.00: batch loss 0.6667 (smoothed ")
    assert "epoch 2: loss 0.5000, train acc 0.700, test acc 0.650" in text
    assert plots._crosshairs[plots.acc_plot].isVisible()
    assert plots._crosshairs[plots.acc_plot].value() == pytest.approx(2.0, abs=0.01)
    plots.loss_plot.scene().sigMouseMoved.emit(QPointF(-50, -50))
    assert plots.readout.text() == READOUT_HINT


def test_png_svg_and_csv_exports(plots, tmp_path: Path) -> None:
    png = plots.export_png("loss", tmp_path / "loss.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() == 1200 and image.height() > 300
    svg = plots.export_svg("accuracy", tmp_path / "acc.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Accuracy" in svg

    rows = list(csv.reader(plots.export_csv("loss", tmp_path / "loss.csv").open(encoding="utf-8")))
    assert rows[0] == ["curve", "epoch", "loss"]
    names = [r[0] for r in rows[1:]]
    assert names.count("batch loss") == 3 * BATCHES == names.count("batch loss (smoothed)")
    assert names.count("epoch loss") == 3
    assert ["epoch loss", "2.0", "0.5"] in rows
    rows = list(csv.reader(plots.export_csv("accuracy", tmp_path / "acc.csv").open(encoding="utf-8")))
    assert rows[0] == ["curve", "epoch", "accuracy"] and len(rows) == 1 + 2 * 3
    assert rows[1][0] == "train acc" and float(rows[1][2]) == pytest.approx(0.6)
    rows = list(csv.reader(plots.export_csv("lr", tmp_path / "lr.csv").open(encoding="utf-8")))
    assert rows == [["curve", "epoch", "lr"]] + [["learning rate", f"{e}.0", "0.001"] for e in (1, 2, 3)]
    with pytest.raises(ValueError, match="plot must be one of loss, accuracy, lr"):
        plots.export_csv("speed", tmp_path / "speed.csv")


def test_test_loss_and_the_learning_rate_per_batch_are_drawn_and_read_out(qtbot) -> None:
    p = TrainingPlots()
    qtbot.addWidget(p)
    for b in range(1, 5):
        p.add_batch(BatchEnd(1, b, 4, 1.0, 100.0, 1.0, 1.0, lr=0.1 * b))
    p.add_epoch(EpochEnd(1, 0.9, 0.6, 0.5, 1.0, 100.0, 0.4, test_loss=1.25))
    p.flush()
    x, y = p.lr.curve.getData()
    assert list(x) == [0.25, 0.5, 0.75, 1.0] and list(y) == pytest.approx([0.1, 0.2, 0.3, 0.4])
    x, y = p.test_loss.curve.getData()
    assert list(x) == [1] and list(y) == [1.25]
    text = p.readout_at(1.0)
    assert "epoch 1: loss 0.9000, test loss 1.2500, train acc 0.600" in text and "lr 0.4" in text
    assert p.lr_plot.isVisibleTo(p)
    p.lr_check.click()
    assert not p.lr_plot.isVisibleTo(p)


def test_epochs_without_a_test_score_draw_no_test_point_and_the_read_out_matches_by_epoch(qtbot) -> None:
    p = TrainingPlots()
    qtbot.addWidget(p)
    for epoch, test_acc, test_loss in [(1, None, None), (2, 0.7, 0.8), (3, None, None), (4, 0.8, 0.6)]:
        p.add_epoch(EpochEnd(epoch, 1.0 / epoch, 0.6 + epoch / 100, test_acc, 1.0, 100.0, 1e-3, test_loss=test_loss))
    p.flush()
    x, y = p.test_acc.curve.getData()
    assert list(x) == [2, 4] and list(y) == pytest.approx([0.7, 0.8])
    assert curve_len(p.train_acc.curve) == 4
    assert p.readout_at(3.0).startswith("epoch 3: loss 0.3333, train acc 0.630")
    assert "test" not in p.readout_at(3.0)
    assert "epoch 4: loss 0.2500, test loss 0.6000, train acc 0.640, test acc 0.800" in p.readout_at(4.0)


def test_clear_empties_every_curve(plots) -> None:
    plots.clear()
    assert all(
        curve_len(c) == 0
        for c in (plots.batch_loss.curve, plots.smoothed_loss.curve, plots.epoch_loss.curve, plots.train_acc.curve)
    )
    assert plots.readout_at(1.0) == "epoch 1.00: no data yet"


def test_a_week_long_run_redraws_in_under_30_ms(plots) -> None:
    import statistics
    import time

    import numpy as np

    plots.clear()
    n = 7 * 24 * 3600 * 2  # a week of batch losses at two reports a second
    xs = np.arange(n) / 7200.0
    losses = 2.0 * np.exp(-xs / 50) + 0.1 * np.random.default_rng(0).random(n)
    plots.add_batch_points(list(zip(xs.tolist(), losses.tolist(), strict=True)))
    plots.flush()
    plots.loss_plot.grab()
    costs = []
    for i in range(5):
        start = time.thread_time()  # this thread's CPU time: what the window spends, whatever else runs
        plots.add_batch(BatchEnd(int(xs[-1]) + 2, i + 1, 7200, 0.2, 1.0, 1.0, 1.0))
        plots.flush()
        plots.loss_plot.grab()
        costs.append(time.thread_time() - start)
    assert statistics.median(costs) < 0.030, f"a redraw took {statistics.median(costs) * 1000:.0f} ms"
    assert len(plots.batch_loss.x) == n + 5 and len(plots.smoothed_loss.x) == n + 5


def test_clearing_drops_the_last_run_s_axes_and_the_next_points_fit(plots) -> None:
    plots.clear()
    for plot in (plots.loss_plot, plots.acc_plot, plots.lr_plot):
        (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
        assert (x0, x1, y0, y1) == pytest.approx((0, 1, 0, 1)), "a failed start kept the previous run's axes"
    plots.add_epoch(EpochEnd(1, 5.0, 0.2, 0.1, 1.0, 100.0, 0.5, test_loss=6.0))
    plots.add_epoch(EpochEnd(2, 4.0, 0.3, 0.2, 1.0, 100.0, 0.5, test_loss=5.0))
    plots.flush()
    plots.loss_plot.getPlotItem().getViewBox().updateAutoRange()
    (x0, x1), (y0, y1) = plots.loss_plot.getPlotItem().getViewBox().viewRange()
    assert y0 < 4.0 and y1 > 6.0 and x0 <= 1 and x1 >= 2
