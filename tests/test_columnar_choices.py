"""The columnar path's choices per row by arithmetic (no branch per cell, which a random mask
mispredicts): each equals the ``np.where`` it replaces, value and dtype, for any mask and any
values — int64 extremes included (each side is multiplied by 0 or 1: nothing overflows)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from perfscore.columnar.failures import code_where, first_code
from perfscore.columnar.intcols import where_int

I64 = st.integers(-(2**63), 2**63 - 1)
EDGES = st.sampled_from([0, 1, -1, 2**62, -(2**62), 2**63 - 1, -(2**63)])


def _arrays(n: int, dtype: object, elements: st.SearchStrategy[int]) -> st.SearchStrategy[object]:
    return hnp.arrays(dtype, n, elements=elements)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(0, 70))
def test_where_int_is_np_where(data: st.DataObject, n: int) -> None:
    mask = data.draw(_arrays(n, np.bool_, st.booleans()))
    values = st.one_of(I64, EDGES)
    yes = data.draw(st.one_of(values, _arrays(n, np.int64, values)))
    no = data.draw(st.one_of(values, _arrays(n, np.int64, values)))
    want = np.where(mask, yes, no)
    got = where_int(mask, yes, no)
    assert got.dtype == want.dtype == np.int64
    assert got.tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(0, 70), code=st.integers(-128, 127))
def test_codes_are_np_where(data: st.DataObject, n: int, code: int) -> None:
    mask = data.draw(_arrays(n, np.bool_, st.booleans()))
    got = code_where(mask, code)
    assert got.dtype == np.int8
    assert got.tolist() == np.where(mask, code, 0).astype(np.int8).tolist()
    codes = st.integers(-128, 127) | st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5])
    first = data.draw(_arrays(n, np.int8, codes))
    then = data.draw(_arrays(n, data.draw(st.sampled_from([np.int8, np.int64])), codes))
    got = first_code(first, then)
    assert got.dtype == np.int8
    assert got.tolist() == np.where(first != 0, first, then).astype(np.int8).tolist()
