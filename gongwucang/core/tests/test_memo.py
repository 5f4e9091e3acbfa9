from django.contrib.auth.models import AnonymousUser
from django.test import SimpleTestCase
from django.utils.functional import SimpleLazyObject

from gongwucang.core.memo import forget, memo_on


class MemoOnTests(SimpleTestCase):
    def test_computes_once_per_owner_and_keeps_none(self) -> None:
        calls: list[str] = []

        def compute() -> None:
            calls.append("x")
            return None

        owner, other = type("Owner", (), {})(), type("Owner", (), {})()
        self.assertIsNone(memo_on(owner, "answer", compute))
        self.assertIsNone(memo_on(owner, "answer", compute))
        self.assertEqual(calls, ["x"])
        memo_on(other, "answer", compute)
        self.assertEqual(calls, ["x", "x"])

    def test_keys_are_apart_and_forget_recomputes(self) -> None:
        owner = type("Owner", (), {})()
        self.assertEqual(memo_on(owner, "a", lambda: 1), 1)
        self.assertEqual(memo_on(owner, "b", lambda: 2), 2)
        self.assertEqual(memo_on(owner, "a", lambda: 3), 1)
        forget(owner, "a", "never-asked")
        self.assertEqual(memo_on(owner, "a", lambda: 3), 3)
        self.assertEqual(memo_on(owner, "b", lambda: 4), 2)

    def test_works_through_the_lazy_user_of_a_request(self) -> None:
        # request.user is a SimpleLazyObject: the memo must land on (and be read from) the user.
        user = AnonymousUser()
        lazy = SimpleLazyObject(lambda: user)
        self.assertEqual(memo_on(lazy, "roles", lambda: ["clerk"]), ["clerk"])
        self.assertEqual(memo_on(user, "roles", lambda: ["other"]), ["clerk"])
