"""Run every example of examples/ in its offline --smoke mode and check what it prints and writes.

The examples are scripts, not a package: each is imported from its file and its
``main(argv)`` called in this process (one torch import for all of them).
"""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The smoke models are tiny: a second intra-op thread only adds synchronisation, which
    costs seconds per fit on a busy machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name, capsys, *args):
    result = load_example(name).main(["--smoke", *map(str, args)])
    return result, capsys.readouterr().out.splitlines()


def matching(lines, pattern):
    return [m for m in (re.fullmatch(pattern, line) for line in lines) if m]


def assert_png(path):
    path = Path(path)
    assert path.exists()
    with open(path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE


def test_every_tutorial_has_an_example():
    names = sorted(p.stem for p in EXAMPLES.glob("s[0-9]_*.py"))
    assert [n[:2] for n in names] == ["s0", "s1", "s2", "s3", "s4"]
    for name in names:
        module = load_example(name)
        assert "Published" in module.__doc__ and "--smoke" in module.__doc__
        assert callable(module.main)


def test_s0_mnist_rows_tf1(capsys, tmp_path):
    result, lines = run("s0_mnist_rows_tf1", capsys, "--output-dir", tmp_path)
    assert lines[0] == "data: mnist_csv.zip: 512 training and 200 test images of 784 pixels"
    steps = matching(lines, r"step +(\d+): mini-batch accuracy (\d\.\d{4})")
    assert [int(m[1]) for m in steps] == [0, 2]  # every --display-step (2 in smoke mode)
    assert result["n_steps"] == 4  # 4 steps of 128 = one epoch on a 512-image subset
    assert [s for s, _ in result["batch_accuracies"]] == [0, 2]
    assert all(0.0 <= float(m[2]) <= 1.0 for m in steps)
    (final,) = matching(lines, r"test accuracy: (\d\.\d{4}) \(200 images\)")
    assert float(final[1]) == pytest.approx(result["test_accuracy"], abs=1e-4)


def test_s0_csv_zip_round_trip(tmp_path):
    from lstm_forecast.datasets import load_mnist_csv_zip

    module = load_example("s0_mnist_rows_tf1")
    images, labels = module.random_digits(5, np.random.default_rng(0))
    path = module.write_mnist_csv_zip(tmp_path / "mnist.zip", {"test": (images, labels)})
    X, y = load_mnist_csv_zip(path, kind="test")
    np.testing.assert_array_equal(X, images.reshape(5, -1))
    np.testing.assert_array_equal(y, labels)


def test_s1_sine(capsys, tmp_path):
    result, lines = run("s1_sine", capsys, "--output-dir", tmp_path)
    assert lines[0] == "train: 990 windows of 10 values; test: 100 points"
    rmses = matching(lines, r"\[(.*)\] RMSE: (\d+\.\d{6})")
    assert [m[1] for m in rmses] == ["tutorial settings: Adagrad lr=0.1",
                                     "library defaults: Adam lr=1e-2, cosine"]
    assert float(rmses[0][2]) == pytest.approx(result["rmse"], abs=1e-6)
    assert 0 < result["rmse"] < 0.5 and 0 < result["rmse_defaults"] < 0.5
    assert matching(lines, r"\[tutorial settings.*\] trained 2 epochs \(62 steps of 32\) in .*")
    assert_png(tmp_path / "s1_sine.png")
    assert_png(tmp_path / "s1_sine_defaults.png")


def test_s2_imdb(capsys, tmp_path):
    result, lines = run("s2_imdb", capsys, "--output-dir", tmp_path)
    assert lines[0] == "200 train sequences, 100 test sequences; padded/truncated to 500 tokens"
    epochs = matching(lines, r"Epoch (\d)/3 - loss: [\d.]+ - acc: [\d.]+ - val_loss: [\d.]+ "
                             r"- val_acc: ([\d.]+)")
    assert [int(m[1]) for m in epochs] == [1, 2, 3]
    np.testing.assert_allclose([float(m[2]) for m in epochs],
                               result["history"][:, "valid_acc"], atol=1e-4)
    (loss,) = matching(lines, r"Test loss: (\d+\.\d{4})")
    (accuracy,) = matching(lines, r"Test accuracy: (\d\.\d{4})")
    assert float(loss[1]) == pytest.approx(result["test_loss"], abs=1e-4) and result["test_loss"] > 0
    assert float(accuracy[1]) == pytest.approx(result["test_accuracy"], abs=1e-4)
    assert_png(tmp_path / "s2_imdb_history.png")


def test_s3_fashion_mnist(capsys):
    result, lines = run("s3_fashion_mnist", capsys)
    assert lines[0] == "Fashion-MNIST: 300 training, 100 test images"
    losses = matching(lines, r"Epoch \[1/1\], Step \[(\d)/3\], Loss: (\d+\.\d{4})")
    assert [int(m[1]) for m in losses] == [1, 2, 3]  # batches of 100, printed every batch
    assert [round(v, 4) for *_, v in result["losses"]] == [float(m[2]) for m in losses]
    (final,) = matching(lines, r"Test Accuracy of the model on the 100 test images: ([\d.]+) %")
    assert float(final[1]) == pytest.approx(100 * result["test_accuracy"], abs=0.01)


def test_s3_compare_bidirectional(capsys):
    result, lines = run("s3_fashion_mnist", capsys, "--compare-bidirectional")
    assert lines[0] == "MNIST: 256 training, 100 test images; Adam, batch 32, 1 epochs"
    rows = matching(lines, r"(\S+) +test accuracy: ([\d.]+) %  \(trained in [\d.]+ s\)")
    assert [m[1] for m in rows] == ["LSTM(128)", "BiLSTM(128)"]
    assert set(result["test_accuracy"]) == {"LSTM(128)", "BiLSTM(128)"}


def test_s4_mnist_rows_gd(capsys):
    result, lines = run("s4_mnist_rows_gd", capsys)
    assert lines[0] == ("10 steps of 128 = 2.0 epochs of 640 images: training 2 epochs "
                        "(10 steps)")
    steps = matching(lines, r"Step (\d+), Minibatch Loss= (\d+\.\d{4}), "
                            r"Training Accuracy= (\d\.\d{3})")
    assert [int(m[1]) for m in steps] == [1, 5, 10]  # step 1, then every --display-step
    assert result["n_steps"] == 10
    assert "Optimization Finished!" in lines
    assert matching(lines, r"Testing Accuracy: \d\.\d{4} \(100 test images\)")


def test_panel_forecast(capsys, tmp_path):
    result, lines = run("panel_forecast", capsys, "--output-dir", tmp_path)
    assert lines[0] == "20 series of 21 to 40 quarters; forecasting 8 quarters"
    assert matching(lines, r"one network for all series: 1 networks x \d+ epochs, windows of \d+ "
                           r"quarters, [\d.]+ s")
    (lstm,) = matching(lines, r" +LSTMForecaster: MAPE ([\d.]+)%  MASE ([\d.]+)")
    assert float(lstm[1]) == pytest.approx(result["LSTMForecaster"]["mape"], abs=0.01)
    assert matching(lines, r"80% intervals cover [\d.]+% of the held-out values")
    assert 0 < result["coverage_0.8"] <= result["coverage_0.95"] <= 100
    assert_png(tmp_path / "panel_forecast.png")
