"""Small bundled data sets as torch tensors: the scikit-learn digits (8x8 images).

The digits set (1,797 images, 64 features, 10 classes) ships inside scikit-learn, so
it needs no network: it is the "MNIST-like" data of note 000 at a size that trains in
seconds on a CPU.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from pdcheck import as_generator, check_real

__all__ = ["Digits", "load_digits_tensors"]


class Digits(NamedTuple):
    """Standardised digits split into train and test tensors."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def load_digits_tensors(*, test_fraction: float = 0.25, seed: Any = 0,
                        dtype: torch.dtype = torch.float32) -> Digits:
    """The scikit-learn digits, shuffled, split and standardised, as torch tensors.

    Parameters
    ----------
    test_fraction : float, default 0.25
        Fraction of the 1,797 images held out, in [0, 1).
    seed : int, numpy Generator or None, default 0
        Seeds the shuffle before the split.
    dtype : torch.dtype, default torch.float32
        Floating dtype of the features (labels are ``torch.long``).

    Returns
    -------
    Digits
        ``(X_train, y_train, X_test, y_test)``; features are standardised with the
        training mean and standard deviation (constant pixels are left at 0).

    Raises
    ------
    ValueError
        If `test_fraction` is outside [0, 1).
    TypeError
        If `dtype` is not a floating torch dtype.

    References
    ----------
    .. [1] E. Alpaydin, C. Kaynak, "Optical recognition of handwritten digits", UCI
       Machine Learning Repository, 1998 (the scikit-learn ``load_digits`` data).

    Examples
    --------
    >>> d = load_digits_tensors(test_fraction=0.2, seed=0)
    >>> tuple(d.X_train.shape), tuple(d.X_test.shape), d.y_train.dtype
    ((1438, 64), (359, 64), torch.int64)
    >>> abs(float(d.X_train.mean())) < 1e-6
    True
    """
    test_fraction = check_real("test_fraction", test_fraction, low=0.0, high=1.0, high_open=True)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch dtype, got {dtype!r}")
    rng = as_generator(seed)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    perm = rng.permutation(len(y))
    X, y = X[perm].astype(np.float64), y[perm]
    n_test = int(round(test_fraction * len(y)))
    n_train = len(y) - n_test
    Xtr, Xte = X[:n_train], X[n_train:]
    mu = Xtr.mean(axis=0)
    sd = Xtr.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    Xtr = (Xtr - mu) / sd
    Xte = (Xte - mu) / sd
    return Digits(torch.as_tensor(Xtr, dtype=dtype), torch.as_tensor(y[:n_train], dtype=torch.long),
                  torch.as_tensor(Xte, dtype=dtype), torch.as_tensor(y[n_train:], dtype=torch.long))
