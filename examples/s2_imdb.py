"""Tutorial S2: IMDB review sentiment with an embedding and a small LSTM (Keras).

Reviews are lists of word indices (the 10,000 most frequent words), padded or truncated to
500 tokens. Embedding(10,000 words, 32) -> LSTM(32, dropout 0.2) -> Dense(1, sigmoid),
binary cross-entropy, RMSprop (lr 1e-3), batches of 32, 3 epochs with 20% of the training
reviews held out for validation; the training and validation accuracy and loss are plotted
per epoch and the test loss and accuracy printed. Abridged::

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)
    x_train = sequence.pad_sequences(x_train, maxlen=500)
    x_test = sequence.pad_sequences(x_test, maxlen=500)
    model = Sequential([Embedding(10000, 32), LSTM(32, dropout=0.2), Dense(1, activation="sigmoid")])
    model.compile(optimizer=RMSprop(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["acc"])
    history = model.fit(x_train, y_train, epochs=3, batch_size=32, validation_split=0.2)
    plt.plot(history.history["acc"]); plt.plot(history.history["val_acc"]) ...
    loss, acc = model.evaluate(x_test, y_test)
    print("Test loss:", loss); print("Test accuracy:", acc)

Through lstm_forecast::

    model = make_pipeline(PadSequences(maxlen=500), LSTMClassifier(
        vocab_size=10000, embedding_dim=32, hidden_size=32, dropout=0.2, pooling="last",
        conv_channels=None, optimizer="rmsprop", lr=1e-3, batch_size=32, max_epochs=3,
        validation_fraction=0.2, lr_schedule=None))
    plot_history(model[-1], path="s2_imdb_history.png")

Differences worth knowing, none of which changes the model family:

* Dense(1, sigmoid) with binary cross-entropy is the two-class case of a softmax over two
  logits with cross-entropy, which is what the classifier trains (``predict_proba`` gives
  both columns).
* Keras' ``LSTM(32, dropout=0.2)`` drops LSTM inputs; the library's ``dropout`` of a
  one-layer network drops units of the final hidden state before the output layer.
* Keras' ``validation_split=0.2`` holds out the last 20% of the training reviews; the
  library holds out a stratified random 20% (the reviews are shuffled anyway).
* RMSprop is given Keras' constants (``rho=0.9``, ``epsilon=1e-7``) through
  ``optimizer_kwargs={"alpha": 0.9, "eps": 1e-7}``; PyTorch's defaults are 0.99 and 1e-8.
* Padding tokens (id 0) are skipped, as with Keras' ``mask_zero=True``, so the pre-padding
  to 500 never dilutes short reviews.

Published result: small LSTMs reach ~85% test accuracy on IMDB (up to ~88% with more epochs).

Data: :func:`lstm_forecast.datasets.load_imdb` downloads Keras' ``imdb.npz`` once and gives
the same sequences as ``keras.datasets.imdb.load_data``. ``--smoke`` writes a small
``imdb.npz`` of random reviews in the same layout to a temporary folder and loads it with
the same function.

Usage (with the package installed: ``pip install -e ".[plot]"``)::

    python examples/s2_imdb.py --output-dir out/   # full: ~1.5 minutes on one H100 (*)
    python examples/s2_imdb.py --smoke             # seconds, offline

(*) timed on random reviews of IMDB's size and length distribution.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from lstm_forecast import LSTMClassifier, PadSequences
from lstm_forecast.datasets import load_imdb
from lstm_forecast.plotting import plot_history

NUM_WORDS = 10_000
MAXLEN = 500


class KerasEpochLog(Callback):
    """Print one line per epoch with the loss and accuracy, like Keras' ``fit``."""

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        parts = [f"Epoch {row['epoch']}/{net.max_epochs}"]
        for key, name in (("train_loss", "loss"), ("train_acc", "acc"),
                          ("valid_loss", "val_loss"), ("valid_acc", "val_acc")):
            if key in row:
                parts.append(f"{name}: {row[key]:.4f}")
        print(" - ".join(parts), flush=True)


def write_fake_imdb(folder, seed, n_train=200, n_test=100):
    """Random reviews as Keras' ``imdb.npz`` (word ranks from 1); returns its SHA-256.

    Positive reviews use a few "positive" words more often, so there is something to learn.
    """
    rng = np.random.default_rng(seed)
    arrays = {}
    for kind, n in (("train", n_train), ("test", n_test)):
        labels = rng.integers(0, 2, n)
        reviews = np.empty(n, dtype=object)
        for i, label in enumerate(labels):
            words = rng.integers(1, NUM_WORDS + 2_000, rng.integers(20, 120))
            cue = rng.random(len(words)) < 0.2
            words[cue] = rng.integers(1, 20, cue.sum()) + 20 * label
            reviews[i] = words.tolist()
        arrays[f"x_{kind}"], arrays[f"y_{kind}"] = reviews, labels
    path = Path(folder) / "imdb" / "imdb.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, **arrays)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_data(args):
    if not args.smoke:
        return load_imdb(args.data_home, num_words=NUM_WORDS)
    with tempfile.TemporaryDirectory() as folder:
        digest = write_fake_imdb(folder, args.seed)
        return load_imdb(folder, num_words=NUM_WORDS, sha256=digest, download=False)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="offline: 200 random reviews in the same format")
    parser.add_argument("--data-home", default=None, help="download cache folder")
    parser.add_argument("--output-dir", default=".", type=Path, help="where the plot goes")
    parser.add_argument("--max-epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help='"auto" (GPU when there is one), "cpu"')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_data(args)
    print(f"{len(x_train)} train sequences, {len(x_test)} test sequences; "
          f"padded/truncated to {MAXLEN} tokens")

    model = make_pipeline(
        PadSequences(maxlen=MAXLEN),  # Keras pad_sequences: pre-padding, pre-truncating
        LSTMClassifier(
            vocab_size=NUM_WORDS, embedding_dim=32, hidden_size=32, dropout=0.2,
            pooling="last", conv_channels=None,  # Keras' LSTM returns its last output
            optimizer="rmsprop", optimizer_kwargs={"alpha": 0.9, "eps": 1e-7}, lr=1e-3,
            batch_size=32, max_epochs=args.max_epochs, validation_fraction=0.2,
            lr_schedule=None, callbacks=[KerasEpochLog()],
            device=args.device, random_state=args.seed,
        ),
    )
    model.fit(x_train, y_train)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    path = args.output_dir / "s2_imdb_history.png"
    plot_history(model, path=path)
    print(f"training and validation accuracy and loss per epoch: {path}")

    proba = model.predict_proba(x_test)
    loss = log_loss(y_test, proba, labels=model.classes_)
    accuracy = float(np.mean(model.classes_[proba.argmax(axis=1)] == y_test))
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return {"test_loss": loss, "test_accuracy": accuracy, "plot": path,
            "history": model[-1].history_}


if __name__ == "__main__":
    main()
