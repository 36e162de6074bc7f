"""``resnet-gui summary --batch-size``: the memory training the network needs, as a line and in the JSON."""

import contextlib
import io
import json

import pytest
from cli_helpers import run

from resnet_gui.cli.main import main
from resnet_gui.model.memory import estimate_memory
from resnet_gui.settings.config import ModelConfig

BYTES_KEYS = ("parameters_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes", "data_bytes", "peak_bytes")


def test_json_has_the_memory_by_part() -> None:
    code, out, _ = run(
        "summary",
        "--input",
        "1,96,96",
        "--batch-size",
        "256",
        "--precision",
        "fp32",
        "--optimizer",
        "adam",
        "--device",
        "cpu",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["total_params"] == 11_178_378
    memory = doc["memory"]
    expected = estimate_memory(ModelConfig(), (1, 96, 96), 256, "fp32", "adam", device="cpu")
    assert {k: memory[k] for k in BYTES_KEYS} == expected.to_dict()
    assert memory["parameters_bytes"] == memory["gradients_bytes"] == 4 * 11_178_378
    assert memory["optimizer_bytes"] == 2 * memory["parameters_bytes"]
    assert memory["data_bytes"] == 0  # no data set: training adds it where it lives on the device
    assert memory["peak_bytes"] == sum(memory[k] for k in BYTES_KEYS[:-1])
    assert (memory["batch_size"], memory["precision"], memory["optimizer"], memory["device"]) == (
        256,
        "fp32",
        "adam",
        "cpu",
    )


def test_sgd_and_bf16_change_the_parts() -> None:
    def memory(*extra: str) -> dict:
        return json.loads(
            run("summary", "--input", "1,96,96", "--batch-size", "64", "--device", "cpu", "--json", *extra)[1]
        )["memory"]

    adam, sgd = memory("--precision", "fp32"), memory("--precision", "fp32", "--optimizer", "sgd")
    assert sgd["optimizer_bytes"] * 2 == adam["optimizer_bytes"] and sgd["optimizer"] == "sgd"
    muon = memory("--precision", "fp32", "--optimizer", "muon")  # one momentum buffer, as SGD's
    assert muon["optimizer_bytes"] == sgd["optimizer_bytes"] and muon["optimizer"] == "muon"
    bf16 = memory("--precision", "bf16")
    assert bf16["activations_bytes"] < adam["activations_bytes"] and bf16["precision"] == "bf16"


def test_text_table_gets_a_memory_line() -> None:
    code, out, _ = run("summary", "--input", "1,96,96", "--batch-size", "256", "--precision", "bf16", "--device", "cpu")
    last = out.strip().splitlines()[-1]
    assert code == 0 and "total parameters: 11,178,378" in out
    assert last.startswith("Memory for batch 256 (bf16, Adam, cpu): about ")
    assert " at the peak — parameters 45 MB, gradients 45 MB, optimizer 89 MB, activations " in last


def test_no_batch_size_no_estimate() -> None:
    code, out, _ = run("summary", "--input", "1,96,96")
    assert code == 0 and "Memory for" not in out
    assert "memory" not in json.loads(run("summary", "--json")[1])


def test_the_hundred_billion_parameter_network_is_summarised_with_its_memory() -> None:
    code, out, _ = run(
        "summary",
        "--channels",
        "256",
        "--blocks",
        "64,64,64,64,64,64",
        "--input",
        "1,28,28",
        "--batch-size",
        "256",
        "--precision",
        "fp32",
        "--device",
        "cpu",
        "--json",
    )
    memory = json.loads(out)["memory"]
    assert code == 0 and memory["parameters_bytes"] == 4 * 102_702_789_130
    assert memory["peak_bytes"] > 1.6e12


@pytest.mark.parametrize(
    "args,reason",
    [
        (("--batch-size", "0"), "--batch-size: must be between 1 and 65536"),
        (("--batch-size", "8", "--precision", "fp16"), "invalid choice"),
        (("--batch-size", "8", "--optimizer", "lbfgs"), "invalid choice"),
    ],
)
def test_bad_memory_options_exit_with_one_line(args: tuple[str, ...], reason: str) -> None:
    code, _, err = run("summary", *args)
    assert code != 0 and reason in err and len(err.strip().splitlines()) == 1
