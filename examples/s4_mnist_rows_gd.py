"""Tutorial S4: MNIST rows as time steps, an LSTM trained by plain gradient descent (TensorFlow 1).

Each 28x28 image is a sequence of 28 rows of 28 pixels. An LSTM of 128 units
(``forget_bias=1.0``), a linear layer 128 -> 10 on the output of the last step, softmax
cross-entropy, plain gradient descent (lr 0.001), batches of 128, 20,000 steps; the
mini-batch loss and accuracy are printed every 100 steps and the test accuracy on 6,000
test images at the end. Abridged::

    x = tf.unstack(X, 28, 1)                                   # 28 steps of 28 pixels
    lstm_cell = rnn.BasicLSTMCell(128, forget_bias=1.0)
    outputs, states = rnn.static_rnn(lstm_cell, x, dtype=tf.float32)
    logits = tf.matmul(outputs[-1], weights["out"]) + biases["out"]
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
    train_op = tf.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss_op)
    for step in range(1, 20000 + 1):
        batch_x, batch_y = mnist.train.next_batch(128)
        sess.run(train_op, feed_dict={X: batch_x, Y: batch_y})
        if step % 100 == 0 or step == 1:
            loss, acc = sess.run([loss_op, accuracy], feed_dict={X: batch_x, Y: batch_y})
            print("Step " + str(step) + ", Minibatch Loss= " + "{:.4f}".format(loss) +
                  ", Training Accuracy= " + "{:.3f}".format(acc))
    print("Optimization Finished!")
    print("Testing Accuracy:", sess.run(accuracy, feed_dict={X: test_data, Y: test_label}))

Through lstm_forecast::

    model = make_pipeline(RowSequence(), LSTMClassifier(
        hidden_size=128, forget_bias=1.0, pooling="last", conv_channels=None,
        standardize=True, optimizer="sgd", lr=0.001, batch_size=128, max_epochs=43,
        lr_schedule=None))

Steps to epochs: 20,000 steps of 128 images are 2,560,000 images, 42.7 passes over the
60,000 training images (469 batches each). The script trains ``max_epochs=43`` epochs, i.e.
20,167 steps, with the images reshuffled every epoch (``shuffle=True``), as TF's
``next_batch`` does. The lines every 100 steps come from a small skorch callback
(:class:`PrintMiniBatch` below) that scores the batch just trained on, after the update,
as the tutorial's second ``sess.run``. The pixels are standardised per column inside the
estimator, where the tutorial feeds values in [0, 1]: an affine change of the input, which
matters for plain gradient descent (it trains faster on standardised inputs).

Published result: MNIST read by rows reaches 98.9% test accuracy with a 256-unit LSTM and
Adam; plain gradient descent at lr 0.001 learns far more slowly.

Data: :func:`lstm_forecast.datasets.load_mnist` downloads the IDX files once. ``--smoke``
writes a few random 28x28 images as IDX files to a temporary folder, reads them back with
:func:`lstm_forecast.datasets.read_idx` and trains 10 steps.

Usage (with the package installed: ``pip install -e ".[plot]"``)::

    python examples/s4_mnist_rows_gd.py            # full: 43 epochs, ~1.5 min on one H100 (*)
    python examples/s4_mnist_rows_gd.py --smoke    # seconds, offline

(*) timed on random images of MNIST's size.
"""

from __future__ import annotations

import argparse
import gzip
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from lstm_forecast import LSTMClassifier, RowSequence
from lstm_forecast.datasets import load_mnist, read_idx


class PrintMiniBatch(Callback):
    """Print the loss and accuracy of the training mini-batch at step 1 and every ``every``
    steps, scored after the optimiser step as in the tutorial."""

    def __init__(self, every=100):
        self.every = every

    def on_train_begin(self, net, **kwargs):
        self.step_ = 0
        self.printed_ = []

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        self.step_ += 1
        if self.step_ % self.every and self.step_ != 1:
            return
        _, yi = batch
        with torch.no_grad():
            logits = net.evaluation_step(batch, training=False)
            yi = yi.to(logits.device)
            loss = net.get_loss(logits, yi).item()
            accuracy = (logits.argmax(dim=1) == yi).float().mean().item()
        self.printed_.append((self.step_, loss, accuracy))
        print(f"Step {self.step_}, Minibatch Loss= {loss:.4f}, Training Accuracy= {accuracy:.3f}",
              flush=True)


def write_idx(path, array):
    """Write a uint8 array as a gzip-compressed IDX file (the MNIST format)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def smoke_data(seed, n_train, n_test):
    """Random 28x28 images (label = brightest row band) round-tripped through IDX files."""
    rng = np.random.default_rng(seed)
    data = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, n in (("train", n_train), ("t10k", n_test)):
            labels = rng.integers(0, 10, n)
            images = rng.integers(0, 64, (n, 28, 28))
            images[np.arange(n)[:, None], 2 + 2 * labels[:, None] + np.arange(2)] = 255
            images_path = Path(folder) / f"{kind}-images-idx3-ubyte.gz"
            labels_path = Path(folder) / f"{kind}-labels-idx1-ubyte.gz"
            write_idx(images_path, images)
            write_idx(labels_path, labels)
            data[kind] = (read_idx(images_path, magic=2051),
                          read_idx(labels_path, magic=2049).astype(np.int64))
    return data["train"], data["t10k"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="offline: a few random images, 10 steps")
    parser.add_argument("--data-home", default=None, help="download cache folder")
    parser.add_argument("--output-dir", default=".", type=Path,
                        help="unused (the tutorial writes no file); kept for symmetry")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps, rounded up to whole epochs: default 20,000 "
                             "(10 with --smoke)")
    parser.add_argument("--display-step", type=int, default=None,
                        help="default 100 (5 with --smoke)")
    parser.add_argument("--n-test", type=int, default=6000, help="test images scored")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help='"auto" (GPU when there is one), "cpu"')
    args = parser.parse_args(argv)
    args.steps = args.steps or (10 if args.smoke else 20_000)
    args.display_step = args.display_step or (5 if args.smoke else 100)
    return args


def main(argv=None):
    args = parse_args(argv)
    batch_size = 128
    if args.smoke:
        (X_train, y_train), (X_test, y_test) = smoke_data(args.seed, 640, 100)
    else:
        X_train, y_train = load_mnist(args.data_home, kind="train")
        X_test, y_test = load_mnist(args.data_home, kind="test")
    X_test, y_test = X_test[: args.n_test], y_test[: args.n_test]
    per_epoch = math.ceil(len(X_train) / batch_size)
    epochs = math.ceil(args.steps / per_epoch)
    print(f"{args.steps} steps of {batch_size} = {args.steps * batch_size / len(X_train):.1f} "
          f"epochs of {len(X_train)} images: training {epochs} epochs "
          f"({epochs * per_epoch} steps)")

    model = make_pipeline(
        RowSequence(),  # (n, 28, 28) images -> 28 steps of 28 pixels
        LSTMClassifier(
            hidden_size=128, forget_bias=1.0, pooling="last", conv_channels=None,
            standardize=True,  # the tutorial's network, no conv front end
            optimizer="sgd", lr=0.001,
            batch_size=batch_size, max_epochs=epochs, lr_schedule=None,
            callbacks=[PrintMiniBatch(every=args.display_step)],
            device=args.device, random_state=args.seed,
        ),
    )
    model.fit(X_train, y_train)
    print("Optimization Finished!")
    accuracy = model.score(X_test, y_test)
    print(f"Testing Accuracy: {accuracy:.4f} ({len(X_test)} test images)")
    printer = dict(model[-1].net_.callbacks_)["PrintMiniBatch"]
    return {"test_accuracy": accuracy, "minibatches": printer.printed_, "n_steps": printer.step_}


if __name__ == "__main__":
    main()
