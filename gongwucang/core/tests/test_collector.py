import gc
import weakref

from django.test import SimpleTestCase

from gongwucang.core.collector import BULK_YOUNG_THRESHOLD, fewer_collections


class _Node:
    """A container that can take part in a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


class FewerCollectionsTests(SimpleTestCase):
    def test_raises_the_threshold_freezes_and_puts_both_back(self) -> None:
        before = gc.get_threshold()
        frozen_before = gc.get_freeze_count()
        with fewer_collections():
            self.assertEqual(gc.get_threshold(), (BULK_YOUNG_THRESHOLD, *before[1:]))
            self.assertGreater(gc.get_freeze_count(), frozen_before)  # what existed is not walked
        self.assertEqual(gc.get_threshold(), before)
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_put_back_after_an_error(self) -> None:
        before = gc.get_threshold()
        with self.assertRaises(RuntimeError), fewer_collections():
            raise RuntimeError("import failed")
        self.assertEqual(gc.get_threshold(), before)
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_a_freeze_made_before_is_left_alone(self) -> None:
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            with fewer_collections():
                # Nothing more frozen (a frozen object may still die, so the count may fall)
                self.assertLessEqual(gc.get_freeze_count(), frozen)
            self.assertGreater(gc.get_freeze_count(), 0)  # not unfrozen by the block
        finally:
            gc.unfreeze()

    def test_the_collector_stays_on_for_cycles_made_inside(self) -> None:
        with fewer_collections():
            first, second = _Node(), _Node()
            first.other, second.other = second, first  # a cycle: reference counting cannot free it
            gone = weakref.ref(first)
            del first, second
            kept = []  # live allocations: the young generation's count falls when an object dies
            for _ in range(BULK_YOUNG_THRESHOLD * 2):
                kept.append(_Node())
                if gone() is None:
                    break
            self.assertTrue(gc.isenabled())
            self.assertIsNone(gone())
