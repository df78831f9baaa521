"""Data sets as torch tensors: the bundled scikit-learn digits, or the user's own file.

The digits set (1,797 images, 64 features, 10 classes) ships inside scikit-learn, so
it needs no network: it is the "MNIST-like" data of note 000 at a size that trains in
seconds on a CPU.  Note 000's own experiment is MNIST 784-100-10: :func:`load_dataset`
reads any classification set from an ``.npz`` file (``X``, ``y`` and optionally
``X_test``, ``y_test``), so users bring MNIST as they keep it locally.

MNIST recipe (from the four IDX files of the original distribution, kept locally)::

    import gzip, numpy as np

    def idx(path):                       # the IDX format: magic, dims, then uint8 data
        with gzip.open(path) as f:
            data = f.read()
        ndim = data[3]
        shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)

    np.savez_compressed("mnist.npz",
        X=idx("train-images-idx3-ubyte.gz").reshape(60000, 784), y=idx("train-labels-idx1-ubyte.gz"),
        X_test=idx("t10k-images-idx3-ubyte.gz").reshape(10000, 784), y_test=idx("t10k-labels-idx1-ubyte.gz"))

then ``pathdep perturb-run --data mnist.npz`` or ``load_dataset("mnist.npz")``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from pdcheck import as_generator, check_float_dtype, check_real

__all__ = ["DataSplit", "Digits", "load_digits_tensors", "load_dataset"]


class DataSplit(NamedTuple):
    """A standardised classification set split into train and test tensors."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


#: The digits loader's result type (the same four tensors).
Digits = DataSplit


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
        If `test_fraction` is outside [0, 1) or leaves fewer than 2 training images.
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
    check_float_dtype("dtype", dtype)
    rng = as_generator(seed)
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return _split(X.astype(np.float64), y, None, None, test_fraction, rng, dtype)


def _split(X: np.ndarray, y: np.ndarray, X_test: np.ndarray | None, y_test: np.ndarray | None,
           test_fraction: float, rng: np.random.Generator, dtype: torch.dtype) -> DataSplit:
    """Shuffle, split off a test set when none is given, standardise with the training moments."""
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    if X_test is None:
        n_test = int(round(test_fraction * len(y)))
        n_train = len(y) - n_test
        if n_train < 2:   # the standardisation needs a training mean and standard deviation
            raise ValueError(f"`test_fraction` = {test_fraction} leaves {n_train} training examples; at most "
                             f"{(len(y) - 2) / len(y):.4f} keeps the 2 that standardisation needs")
        X, X_test, y, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    Xtr = (X - mu) / sd
    Xte = (X_test - mu) / sd
    return DataSplit(torch.as_tensor(Xtr, dtype=dtype), torch.as_tensor(y, dtype=torch.long),
                     torch.as_tensor(Xte, dtype=dtype), torch.as_tensor(y_test, dtype=torch.long))


def load_dataset(path: Any, *, test_fraction: float = 0.25, seed: Any = 0,
                 dtype: torch.dtype = torch.float32, max_bytes: int = 2 ** 32) -> DataSplit:
    """A classification set from an ``.npz`` file, shuffled, split and standardised like the digits.

    Parameters
    ----------
    path : str or path-like
        An ``.npz`` with ``X`` (N, d) or images (N, h, w, ...) (flattened), integer labels
        ``y`` (N,), and optionally a test split ``X_test``, ``y_test`` (then used as is;
        otherwise `test_fraction` of the shuffled examples is held out).
    test_fraction : float, default 0.25
        Used only without ``X_test``; in [0, 1).
    seed : int, numpy Generator or None, default 0
        Seeds the shuffle.
    dtype : torch.dtype, default torch.float32
    max_bytes : int, default 4 GiB
        Refuse files whose arrays would take more memory than this as `dtype`.

    Returns
    -------
    DataSplit
        Features standardised with the training mean and standard deviation.

    Raises
    ------
    ValueError
        If the file is missing, is not an ``.npz`` with ``X`` and ``y``, the arrays have
        mismatched lengths or feature counts, are not finite, the labels are not
        non-negative integers, or the data would exceed `max_bytes`.
    TypeError
        If `dtype` is not a floating torch dtype.

    Examples
    --------
    >>> import tempfile, os
    >>> rng = np.random.default_rng(0)
    >>> f = os.path.join(tempfile.mkdtemp(), "toy.npz")
    >>> np.savez(f, X=rng.normal(size=(40, 3)), y=rng.integers(0, 2, 40))
    >>> d = load_dataset(f, test_fraction=0.25)
    >>> tuple(d.X_train.shape), tuple(d.X_test.shape)
    ((30, 3), (10, 3))
    """
    import os
    import zipfile

    test_fraction = check_real("test_fraction", test_fraction, low=0.0, high=1.0, high_open=True)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch dtype, got {dtype!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file path, got {type(path).__name__}")
    if not os.path.isfile(path):
        raise ValueError(f"`path` {str(path)!r} is not a file")
    rng = as_generator(seed)
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"`path` {str(path)!r} is not a readable .npz file: {exc}") from None
    with npz:
        if not hasattr(npz, "files") or not {"X", "y"} <= set(npz.files):
            raise ValueError(f"`path` {str(path)!r} must be an .npz with arrays 'X' and 'y' "
                             f"(optionally 'X_test', 'y_test'), got {getattr(npz, 'files', 'one array')}")
        if ("X_test" in npz.files) != ("y_test" in npz.files):
            raise ValueError(f"`path` {str(path)!r} must have both 'X_test' and 'y_test' or neither")
        itemsize = torch.finfo(dtype).bits // 8
        size = sum(int(np.prod(npz[k].shape)) for k in npz.files if k.startswith("X"))
        if size * itemsize > max_bytes:
            raise ValueError(f"`path` {str(path)!r} holds {size:,} features, {size * itemsize / 2 ** 30:.1f} GiB as "
                             f"{dtype}; more than `max_bytes` = {max_bytes / 2 ** 30:.1f} GiB")
        X, y = _xy(npz["X"], npz["y"], "X", "y")
        Xt, yt = (_xy(npz["X_test"], npz["y_test"], "X_test", "y_test") if "X_test" in npz.files
                  else (None, None))
    if Xt is not None and Xt.shape[1] != X.shape[1]:
        raise ValueError(f"'X_test' must have {X.shape[1]} features like 'X', got {Xt.shape[1]}")
    return _split(X, y, Xt, yt, test_fraction, rng, dtype)


def _xy(X: np.ndarray, y: np.ndarray, xn: str, yn: str) -> tuple[np.ndarray, np.ndarray]:
    if X.ndim < 2 or X.shape[0] < 2:
        raise ValueError(f"'{xn}' must have shape (N, d) or (N, h, w, ...) with N >= 2, got {X.shape}")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"'{xn}' must be numeric, got dtype {X.dtype}")
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"'{xn}' must be finite (no NaN or inf)")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"'{yn}' must have shape ({len(X)},) to match '{xn}', got {y.shape}")
    if y.dtype.kind not in "iu" or (len(y) and y.min() < 0):
        raise ValueError(f"'{yn}' must hold non-negative integer class labels, got dtype {y.dtype}"
                         + (f" with minimum {y.min()}" if y.dtype.kind in "iu" else ""))
    return X, y.astype(np.int64)
