"""The shared validation module: arrays, memory caps, output paths, the named-error base."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pdcheck
from pdcheck import (NumericalError, check_array, check_callable, check_memory, check_output_path, check_work,
                     format_bytes, memory_limit)


# --------------------------------------------------------------------------- arrays
@pytest.mark.parametrize("bad", [None, "abc", b"12"])
def test_check_array_refuses_none_and_strings_by_name(bad):
    # the issue: `x=None` used to be reported as "must be finite" (None cast to NaN)
    with pytest.raises(TypeError, match="`x` must be array-like of numbers"):
        check_array("x", bad)


@pytest.mark.parametrize("bad", [np.array([1 + 2j, 3]), [1j, 2.0], 1j, [[1.0], [2j]]])
def test_check_array_refuses_complex_instead_of_dropping_the_imaginary_part(bad):
    with pytest.raises(TypeError, match="`x` must be real, got complex"):
        check_array("x", bad)


def test_check_array_ragged_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match="`w`"):
        check_array("w", [[1.0, 2.0], [3.0]])


def test_check_callable():
    assert check_callable("f", len) is len
    assert check_callable("f", None, optional=True) is None
    with pytest.raises(TypeError, match="`f` must be callable or None, got int 3"):
        check_callable("f", 3, optional=True)


# --------------------------------------------------------------------------- memory
def test_check_memory_refuses_with_the_size_it_would_take():
    with pytest.raises(ValueError, match=r"would need 238\.4 GiB of memory, more than the cap of 8\.0 GiB"):
        check_memory("posterior draws", 238.4 * 2**30, limit=8 * 2**30)
    assert check_memory("small", 1000.5, limit=2**20) == 1001
    with pytest.raises(ValueError, match="unbounded"):
        check_memory("inf", float("inf"), limit=2**20)
    with pytest.raises(ValueError, match="unbounded"):
        check_memory("nan", float("nan"), limit=2**20)


def test_memory_limit_env_override_and_default(monkeypatch):
    monkeypatch.delenv("PATHDEP_MAX_MEMORY", raising=False)
    phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < memory_limit() <= phys
    for text, value in [("512M", 512 * 2**20), ("2G", 2 * 2**30), ("1.5GiB", int(1.5 * 2**30)), ("4096", 4096)]:
        monkeypatch.setenv("PATHDEP_MAX_MEMORY", text)
        assert memory_limit() == value
    monkeypatch.setenv("PATHDEP_MAX_MEMORY", "lots")
    with pytest.raises(ValueError, match="PATHDEP_MAX_MEMORY"):
        memory_limit()


def test_check_work_names_the_bound():
    check_work("small", 10, 100)
    with pytest.raises(ValueError, match="more than the documented bound 100; try less"):
        check_work("big", 1e3, 100, hint="try less")


@given(st.floats(0, 2**60))
def test_format_bytes_round_trips_to_three_digits(n):
    text = format_bytes(n)
    value, unit = text.split()
    scale = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}[unit]
    assert abs(float(value) * scale - n) <= 0.05 * scale + 0.5


# --------------------------------------------------------------------------- paths
def test_output_path_cases_of_the_issue(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ValueError, match="which is an existing file"):
        check_output_path("--out", afile, directory=True)
    with pytest.raises(ValueError, match="'/dev/null' is not a directory"):
        check_output_path("--out", "/dev/null/x")
    with pytest.raises(ValueError, match="cannot create files in '/proc'"):
        check_output_path("--out", "/proc/x", directory=True)
    with pytest.raises(ValueError, match="which is a directory"):
        check_output_path("--plot", tmp_path)
    with pytest.raises(ValueError, match="non-empty"):
        check_output_path("--out", "  ")
    with pytest.raises(TypeError, match="`--out` must be a path"):
        check_output_path("--out", 3)
    # valid: nested new directories, an existing writable file, an existing directory
    assert check_output_path("--out", tmp_path / "a" / "b" / "f.png") == tmp_path / "a" / "b" / "f.png"
    assert not (tmp_path / "a").exists()          # checking writes nothing
    assert check_output_path("--out", afile) == afile and afile.read_text() == "x"
    assert check_output_path("--out", tmp_path, directory=True) == tmp_path
    assert sorted(os.listdir(tmp_path)) == ["afile"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_output_path_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ValueError, match="cannot create files"):
            check_output_path("--out", ro / "x.png")
    finally:
        ro.chmod(stat.S_IRWXU)


# --------------------------------------------------------------------------- errors
def test_every_library_domain_error_is_a_numerical_error():
    import bayes.errors
    import dynsys.errors
    import puzzles.errors
    import slt.errors

    found = []
    for mod in (dynsys.errors, bayes.errors, slt.errors, puzzles.errors):
        for name in dir(mod):
            obj = getattr(mod, name)
            if (isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning)
                    and obj.__module__ == mod.__name__):
                found.append(obj)
                assert issubclass(obj, NumericalError), obj
    assert len(found) >= 6
    assert "NumericalError" in pdcheck.__all__


def test_check_choice_is_never_confused_by_arrays_or_types():
    from pdcheck import check_choice

    with pytest.raises(ValueError, match="`method` must be one of"):
        check_choice("method", np.array(["sokal", "geyer"]), ("sokal", "geyer"))   # ambiguous truth value before
    with pytest.raises(ValueError, match="`k` must be one of"):
        check_choice("k", True, (1, 2))                                            # a bool is not the number 1
    assert check_choice("k", np.int64(2), (1, 2)) == 2 and check_choice("k", None, (None, 1)) is None


def test_check_bool():
    from pdcheck import check_bool

    assert check_bool("progress", np.bool_(True)) is True
    for bad in (1, "yes", None, np.array([True])):
        with pytest.raises(TypeError, match="`progress` must be True or False"):
            check_bool("progress", bad)


# --------------------------------------------------------------------------- integer sequences
@given(st.lists(st.integers(1, 10 ** 6), max_size=8), st.sampled_from([list, tuple, np.array]))
def test_check_int_sequence_returns_the_entries_as_ints(items, kind):
    value = kind(items) if kind is not np.array else np.array(items, dtype=np.int64)
    out = pdcheck.check_int_sequence("widths", value, min=1)
    assert out == items and all(type(v) is int for v in out)


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=6))
def test_check_int_sequence_names_the_first_entry_out_of_bounds(items):
    bad = [i for i, v in enumerate(items) if v < 1]
    if not bad:
        assert pdcheck.check_int_sequence("widths", items, min=1) == items
        return
    with pytest.raises(ValueError, match=rf"`widths` must have every entry >= 1, got {items[bad[0]]} at position "
                                         rf"{bad[0]} of"):
        pdcheck.check_int_sequence("widths", items, min=1)


@pytest.mark.parametrize("bad", [None, 3, "123", b"12", {1: 2}, {1, 2}, [1, 2.0], [1, True], [[1], [2]],
                                 np.array([1.0, 2.0]), np.ones((2, 2), dtype=int), [1, None], [1, 1j]])
def test_check_int_sequence_refuses_non_integer_sequences_by_name(bad):
    with pytest.raises(TypeError, match="`widths` must be a sequence of integers"):
        pdcheck.check_int_sequence("widths", bad)


def test_check_int_sequence_length_and_upper_bounds():
    with pytest.raises(ValueError, match="`widths` must have at least 2 entries, got 1"):
        pdcheck.check_int_sequence("widths", [3], min_len=2)
    with pytest.raises(ValueError, match="`widths` must have at most 2 entries, got 3"):
        pdcheck.check_int_sequence("widths", [3, 3, 3], max_len=2)
    with pytest.raises(ValueError, match="every entry <= 4, got 5 at position 1"):
        pdcheck.check_int_sequence("widths", [3, 5], max=4)


@pytest.mark.parametrize("fn", ["slt.rlct_deep_linear", "slt.models.deep_linear", "slt.models.deep_linear_network"])
@pytest.mark.parametrize("bad, err", [(None, TypeError), ([2, 0, 2], ValueError), ([2], ValueError),
                                      ([2, 2.0, 2], TypeError)])
def test_deep_linear_widths_go_through_check_int_sequence(fn, bad, err):
    import importlib

    mod, name = fn.rsplit(".", 1)
    f = getattr(importlib.import_module(mod), name)
    with pytest.raises(err, match="`widths`"):
        f(bad, 1)
