"""Record (core/records.py): declared like a dataclass, behaves like one where the code relies on it,
and costs a fraction of one to create at import."""

from __future__ import annotations

import time
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any, ClassVar

import pytest

from chalicelib.core.records import Record


class Point(Record, frozen=True):
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", repr=False, compare=False)
    origin: ClassVar[str] = "0,0"


class Basket(Record):
    owner: str
    items: list[str] = field(default_factory=list)


class Crate(Basket):
    weight: int = 0


def test_constructs_by_position_and_keyword_with_defaults_and_fresh_factory_values():
    assert (Point(1).x, Point(1).y, Point(1).tags) == (1, 0, ())
    assert Point(1, 2, ("a",)).tags == ("a",) and Point(y=3, x=1).y == 3
    first, second = Basket("a"), Basket("b")
    first.items.append("apple")
    assert second.items == [] and Point.origin == "0,0"
    assert Crate("c", ["x"], 5).weight == 5 and Crate("c").items == []


@pytest.mark.parametrize("make", [lambda: Point(), lambda: Point(1, x=2), lambda: Point(1, z=3),
                                  lambda: Point(1, 2, (), "", 5)])
def test_refuses_missing_repeated_unknown_and_extra_arguments_as_a_dataclass_does(make):
    with pytest.raises(TypeError):
        make()


def test_equality_and_hash_by_compared_fields_and_repr_of_shown_fields():
    assert Point(1, 2, note="a") == Point(1, 2, note="b") and Point(1) != Point(2)
    assert Point(1) != (1, 0, (), "") and hash(Point(1, note="a")) == hash(Point(1))
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point(1, tags=("t",), note="secret")) == "Point(x=1, y=0, tags=('t',))"
    assert Basket("a") == Basket("a") and Basket.__hash__ is None  # mutable: unhashable, as a dataclass


def test_frozen_refuses_assignment_and_deletion_and_a_mutable_one_allows_them():
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.x  # type: ignore[misc]
    basket = Basket("a")
    basket.owner = "b"
    assert basket.owner == "b"


def test_a_field_without_default_after_one_with_is_refused_at_declaration():
    with pytest.raises(TypeError, match="non-default field 'b'"):
        class Wrong(Record):
            a: int = 1
            b: int


def _declare_dataclasses(n: int) -> None:
    for _ in range(n):
        @dataclass(frozen=True)
        class Spec:
            path: str
            roles: tuple[str, ...] = ()
            handler: Any = None
            summary: str = ""


def _declare_records(n: int) -> None:
    for _ in range(n):
        class Spec(Record, frozen=True):
            path: str
            roles: tuple[str, ...] = ()
            handler: Any = None
            summary: str = ""


def test_declaring_a_record_costs_a_fraction_of_a_frozen_dataclass():
    def best(declare: Any) -> float:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            declare(20)
            runs.append(time.perf_counter() - started)
        return min(runs)

    assert best(_declare_records) * 4 < best(_declare_dataclasses)
