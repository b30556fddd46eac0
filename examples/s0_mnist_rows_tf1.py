"""Tutorial S0: MNIST digits read row by row, from a zip of CSV files (TensorFlow 1).

Each 28x28 image is a sequence of 28 time steps of 28 pixels. The tutorial projects every
step with a linear layer 28 -> 128, runs an LSTM of 128 units (``forget_bias=1.0``) and
classifies the final cell state with a linear layer 128 -> 10. Adam (lr 1e-3) on 300
random mini-batches of 128 images, printing the accuracy every 20 steps. The data are CSV
files in a zip: ``mnist_train_images.csv`` (one flattened image per row) and one-hot label
files. In outline::

    X_in = tf.matmul(tf.reshape(X, [-1, 28]), weights["in"]) + biases["in"]   # 28 -> 128
    X_in = tf.reshape(X_in, [-1, 28, 128])
    cell = tf.nn.rnn_cell.BasicLSTMCell(128, forget_bias=1.0, state_is_tuple=True)
    outputs, final_state = tf.nn.dynamic_rnn(cell, X_in, dtype=tf.float32)
    pred = tf.matmul(final_state.c, weights["out"]) + biases["out"]           # 128 -> 10
    train_op = tf.train.AdamOptimizer(1e-3).minimize(
        tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y)))
    for step in range(300):
        batch_xs, batch_ys = next_batch(128)
        sess.run(train_op, feed_dict={x: batch_xs, y: batch_ys})
        if step % 20 == 0:
            print(sess.run(accuracy, feed_dict={x: batch_xs, y: batch_ys}))

Through lstm_forecast::

    X, y = load_mnist_csv_zip("mnist_csv.zip")
    model = make_pipeline(RowSequence(), LSTMClassifier(
        projection_size=128, hidden_size=128, forget_bias=1.0, pooling="cell",
        conv_channels=None, standardize=True,
        optimizer="adam", lr=1e-3, batch_size=128, max_epochs=1, lr_schedule=None))

Mapping of the 300 "random mini-batches": 300 x 128 = 38,400 images, 0.64 of an epoch of
the 60,000 training images. The script draws a random subset of 38,400 images and trains
one epoch on it with ``shuffle=True``: exactly 300 steps of 128 distinct random images
(TF's ``next_batch`` also draws without replacement within an epoch). The accuracy every 20
steps comes from a small skorch callback (:class:`PrintBatchAccuracy` below) that scores
the mini-batch just trained on, after the update, as the tutorial's second ``sess.run``.
The images are standardised per pixel column inside the estimator (``standardize=True``),
where the tutorial feeds pixel values in [0, 1]: an affine change of the input.

If your copy of the tutorial classifies ``final_state[1]`` (``h`` in TF's ``(c, h)`` state
tuple) rather than the cell state ``c``, use ``pooling="last"``.

Published result: MNIST read by rows reaches 98.9% test accuracy with a 256-unit LSTM and
Adam trained for several epochs; 300 steps (0.64 epoch) of this 128-unit model stop well
before that.

Data: ``--data PATH`` reads a zip in the tutorial's layout. Without it, the script
downloads MNIST (:func:`lstm_forecast.datasets.load_mnist`) and writes it once in that
layout to ``<data home>/mnist_csv/mnist_csv.zip``. ``--smoke`` writes a tiny zip of random
images in the same layout to a temporary folder and trains 4 steps on it.

Usage (with the package installed: ``pip install -e ".[plot]"``)::

    python examples/s0_mnist_rows_tf1.py                    # full (*)
    python examples/s0_mnist_rows_tf1.py --data mnist_csv.zip
    python examples/s0_mnist_rows_tf1.py --smoke            # seconds, offline

(*) ~1.5 minutes on one H100 (timed on random images of MNIST's size), most of it
writing the CSV zip the first time.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from lstm_forecast import LSTMClassifier, RowSequence
from lstm_forecast.datasets import get_data_home, load_mnist, load_mnist_csv_zip


class PrintBatchAccuracy(Callback):
    """Print the accuracy on the training mini-batch every ``every`` steps (0, 20, 40...).

    The batch is scored after the optimiser step, like the tutorial's
    ``sess.run(accuracy, feed_dict=batch)`` after ``sess.run(train_op, ...)``.
    """

    def __init__(self, every=20):
        self.every = every

    def on_train_begin(self, net, **kwargs):
        self.step_ = 0
        self.printed_ = []

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        step, self.step_ = self.step_, self.step_ + 1
        if step % self.every:
            return
        _, yi = batch
        with torch.no_grad():
            logits = net.evaluation_step(batch, training=False)
        accuracy = (logits.argmax(dim=1) == yi.to(logits.device)).float().mean().item()
        self.printed_.append((step, accuracy))
        print(f"step {step:3d}: mini-batch accuracy {accuracy:.4f}", flush=True)


def write_mnist_csv_zip(path, splits):
    """Write images and labels as the tutorial's zip of CSV files (written atomically).

    ``splits`` maps ``"train"`` / ``"test"`` to ``(images, labels)``; each image becomes one
    row of comma-separated pixel values, each label one one-hot row.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for kind, (images, labels) in splits.items():
            for name, rows in (("images", np.asarray(images).reshape(len(images), -1)),
                               ("labels", np.eye(10, dtype=np.uint8)[np.asarray(labels)])):
                buffer = io.BytesIO()
                np.savetxt(buffer, rows, fmt="%d", delimiter=",")
                zf.writestr(f"mnist_{kind}_{name}.csv", buffer.getvalue())
    os.replace(tmp, path)
    return path


def random_digits(n, rng):
    """``n`` random 28x28 uint8 images whose label is the brightest row band (learnable)."""
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 64, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label : 4 + 2 * label] = 255
    return images, labels


def find_data(args, workdir):
    if args.smoke:
        rng = np.random.default_rng(args.seed)
        n_train = args.steps * args.batch_size
        return write_mnist_csv_zip(Path(workdir) / "mnist_csv.zip", {
            "train": random_digits(n_train, rng), "test": random_digits(200, rng)})
    if args.data is not None:
        return Path(args.data)
    path = get_data_home(args.data_home) / "mnist_csv" / "mnist_csv.zip"
    if not path.exists():
        print(f"writing MNIST in the tutorial's CSV-in-zip layout to {path} (once)")
        write_mnist_csv_zip(path, {kind: load_mnist(args.data_home, kind=kind)
                                   for kind in ("train", "test")})
    return path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="offline: a tiny zip of random images, 4 steps")
    parser.add_argument("--data", default=None, help="zip of MNIST CSV files (tutorial layout)")
    parser.add_argument("--data-home", default=None, help="download cache folder")
    parser.add_argument("--output-dir", default=".", type=Path,
                        help="unused (the tutorial writes no file); kept for symmetry")
    parser.add_argument("--steps", type=int, default=None, help="default 300 (4 with --smoke)")
    parser.add_argument("--display-step", type=int, default=None,
                        help="default 20 (2 with --smoke)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    args.steps = args.steps or (4 if args.smoke else 300)
    args.display_step = args.display_step or (2 if args.smoke else 20)
    return args


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        path = find_data(args, workdir)
        X_train, y_train = load_mnist_csv_zip(path, kind="train")
        X_test, y_test = load_mnist_csv_zip(path, kind="test")
    print(f"data: {path.name}: {len(X_train)} training and {len(X_test)} test images "
          f"of {X_train.shape[1]} pixels")

    n_used = args.steps * args.batch_size
    if n_used > len(X_train):
        raise SystemExit(f"{args.steps} steps of {args.batch_size} need {n_used} images; "
                         f"the zip has {len(X_train)}.")
    subset = np.random.default_rng(args.seed).choice(len(X_train), n_used, replace=False)
    print(f"{args.steps} random mini-batches of {args.batch_size} = one epoch on a random "
          f"subset of {n_used} images")

    printer = PrintBatchAccuracy(every=args.display_step)
    model = make_pipeline(
        RowSequence(),  # (n, 784) -> (n, 28, 28): 28 steps of 28 pixels
        LSTMClassifier(
            projection_size=128, hidden_size=128, forget_bias=1.0, pooling="cell",
            conv_channels=None, standardize=True,  # the tutorial's network, no conv front end
            optimizer="adam", lr=1e-3, batch_size=args.batch_size, max_epochs=1,
            lr_schedule=None, shuffle=True, callbacks=[printer],
            device=args.device, random_state=args.seed,
        ),
    )
    model.fit(X_train[subset], y_train[subset])
    accuracy = model.score(X_test, y_test)
    print(f"test accuracy: {accuracy:.4f} ({len(X_test)} images)")
    fitted_printer = dict(model[-1].net_.callbacks_)["PrintBatchAccuracy"]
    return {"batch_accuracies": fitted_printer.printed_, "test_accuracy": accuracy,
            "n_steps": fitted_printer.step_}


if __name__ == "__main__":
    main()
