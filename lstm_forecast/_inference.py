"""CPU inference whose result for a sample does not depend on the other samples in its batch.

scikit-learn expects ``predict(X)[i] == predict(X[i:i+1])[0]``. In float32, CPU kernels sum
in an order that depends on the batch (its size, its layout), so the same window can come
out a few units in the last place apart. Two remedies, both rounded to float32 at the end:

- a float64 copy of the network (any cell, any input): the batch moves a float64 result by
  about 1e-16, which the rounding absorbs. Exact, but 3-4x slower than a float32 forward,
  mostly because float64 LSTMs miss oneDNN's fused kernel;
- for a forward-only LSTM stack (pooling last, mean or max): everything around the
  recurrent layers (standardisation, projection, convolution, pooling, head) in float64,
  and the recurrent layers in float32 through oneDNN's fused LSTM, which computes each
  sequence of a batch of 2 or more on its own; a single window runs as a batch of two
  copies. About 1.3x a bare float32 forward.

Each model takes one of the two for all its input, so a sequence predicts the same whether
it comes alone, in a dense batch or padded among longer ones.
  ``tests/test_inference.py`` checks the invariance over the supported configurations.
"""

from __future__ import annotations

import copy
import weakref

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

# Per trained module: (weights key, its batch-invariant copy), dropped with the module.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Float32Recurrent(nn.Module):
    """Runs the trained float32 recurrent stack inside a float64 network.

    Sequences of several lengths arrive packed; oneDNN has no packed kernel, so they run
    padded instead. For a forward-only LSTM the outputs up to a sequence's length do not
    see the padding after it, and the final hidden state of the top layer (all that the
    ``last`` pooling reads) is the output at the last valid step.
    """

    def __init__(self, rnn: nn.LSTM):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        if not isinstance(x, PackedSequence):
            outputs, (h, c) = self.rnn(x.float())
            return outputs.double(), (h.double(), c.double())
        padded, lengths = pad_packed_sequence(x, batch_first=True)
        outputs, (h, c) = self.rnn(padded.float())
        outputs = outputs.double()
        h = h.double()
        h[-1] = outputs[torch.arange(len(lengths)), lengths - 1]
        packed = pack_padded_sequence(outputs, lengths, batch_first=True, enforce_sorted=False)
        return packed, (h, None)  # the cell state at each sequence's end is not known


def mixed_precision_supported(module: nn.Module) -> bool:
    """Whether the fast mixed path serves this network, for dense and ragged input alike."""
    return (
        type(module.rnn) is nn.LSTM
        and not module.rnn.bidirectional
        and module.pooling != "cell"
        and torch.backends.mkldnn.is_available()
        and torch.backends.mkldnn.enabled
    )


def inference_module(module: nn.Module) -> nn.Module:
    """The cached batch-invariant copy of ``module`` to run on float64 input (eval mode).

    Rebuilt only when a weight of ``module`` changed (a refit, ``load_state_dict``).
    """
    key = _weights_key(module)
    cached = _CACHE.get(module)
    if cached is None or cached[0] != key:
        if mixed_precision_supported(module):
            runner = copy.deepcopy(module)
            trained_rnn = runner.rnn
            runner.rnn = None  # keep the float32 recurrent layers out of the float64 cast
            runner.double().eval()
            runner.rnn = _Float32Recurrent(trained_rnn.eval())
        else:
            runner = copy.deepcopy(module).double().eval()
        cached = _CACHE[module] = (key, runner)
    return cached[1]


def _weights_key(module):
    """Changes when a weight is updated in place or replaced by another tensor."""
    return tuple((id(t), t._version) for t in (*module.parameters(), *module.buffers()))


def run_invariant(runner: nn.Module, x: torch.Tensor, **kwargs) -> torch.Tensor:
    """``runner(x)`` as float32; one sample goes through as two copies of itself."""
    if isinstance(runner.rnn, _Float32Recurrent) and len(x) == 1:
        kwargs = {name: torch.cat([value, value]) for name, value in kwargs.items()}
        return runner(torch.cat([x, x]), **kwargs)[:1].float()
    return runner(x, **kwargs).float()
