"""Rows kept in blocks read and change exactly as one array would, and share what they can."""

from __future__ import annotations

import numpy as np
import pytest

from matching.shortlists.row_blocks import RowBlocks


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(RowBlocks, "BLOCK_ROWS", 4)


@pytest.mark.parametrize("shape", [(11, 3), (11,)])
def test_rows_read_after_a_change_as_from_one_array(shape):
    rng = np.random.default_rng(1)
    whole = rng.standard_normal(shape).astype(np.float32)
    blocks = RowBlocks(whole)
    assert [len(b) for b in blocks.blocks] == [4, 4, 3] and blocks.shape == shape
    new = rng.standard_normal((2, *shape[1:])).astype(np.float32)
    changed = blocks.with_rows(np.array([9, 5]), new)
    expected = whole.copy()
    expected[[9, 5]] = new
    np.testing.assert_array_equal(blocks.whole, whole)  # the original is left as it was
    assert changed.blocks[0] is blocks.blocks[0]  # a block without a changed row is shared
    assert changed.blocks[1] is not blocks.blocks[1] and changed.blocks[2] is not blocks.blocks[2]
    for read in (blocks, changed):  # whole, and in blocks
        truth = whole if read is blocks else expected
        np.testing.assert_array_equal(read.whole, truth)
        assert len(read) == 11 and read.dtype == np.float32
        for idx in ([0, 5, 6, 10], [10, 0, 5, 4, 4], []):  # in block order or not, repeated, none
            np.testing.assert_array_equal(read[np.array(idx, dtype=int)], truth[idx])
        mask = np.arange(11) % 3 == 0
        np.testing.assert_array_equal(read[mask], truth[mask])
        np.testing.assert_array_equal(read.take(np.array([9, 1])).whole, truth[[9, 1]])
        if len(shape) == 2:
            query = rng.standard_normal(3).astype(np.float32)
            np.testing.assert_allclose(read.dot(query), truth @ query, rtol=1e-6)


def test_concat_and_gather_give_the_rows_of_their_parts_in_order():
    rng = np.random.default_rng(2)
    wholes = [rng.standard_normal((n, 2)) for n in (5, 3, 6)]
    parts = [RowBlocks(w) for w in wholes]
    parts[2] = parts[2].with_rows(np.array([5]), np.array([[7.0, 7.0]]))
    wholes[2][5] = 7.0
    rows = [np.array([4, 0, 2]), np.array([], dtype=int), np.arange(6)[::-1]]
    np.testing.assert_array_equal(RowBlocks.concat(parts).whole, np.concatenate(wholes))
    gathered = RowBlocks.gather(list(zip(parts, rows, strict=True)))
    np.testing.assert_array_equal(gathered.whole, np.concatenate([w[r] for w, r in zip(wholes, rows, strict=True)]))


def test_a_block_written_again_is_freed_once_no_older_one_holds_it():
    import gc
    import weakref

    blocks = RowBlocks(np.arange(22.0).reshape(11, 2))
    memory = blocks.blocks[1].base if blocks.blocks[1].base is not None else blocks.blocks[1]
    replaced = weakref.ref(memory)
    del memory
    changed = blocks.with_rows(np.array([5]), np.array([[9.0, 9.0]]))
    del blocks
    gc.collect()
    assert replaced() is None  # the blocks changed shares nothing that keeps it alive
    assert changed.whole[5].tolist() == [9.0, 9.0] and len(changed) == 11
    gathered = RowBlocks.gather([(changed, np.arange(11)[::-1])])
    assert all(b.base is None for b in gathered.blocks) and [len(b) for b in gathered.blocks] == [4, 4, 3]
