"""`Record`: a class declared like a dataclass (annotated fields, defaults, `dataclasses.field`), without
what a dataclass costs at import.

`@dataclass` writes each generated method as source text and compiles it (`__init__`, `__repr__`,
`__eq__`, and for a frozen one `__setattr__`, `__delattr__`, `__hash__`): ~50 us a method, ~0.3 ms a
frozen class on Python 3.11, ~10 ms of a cold `import app` for the thirty-odd declarations it runs (route
specs, settings-derived specs, paging shapes...). A Record's methods are written once, here, and read
the field names its class collected when it was created (~10 us a class); an instance is built a little
slower (a few us), which no request notices.

    class Window(Record, frozen=True):
        start: int
        items: list[Any] = field(default_factory=list)

What a dataclass does that a Record keeps: positional or keyword construction with defaults and
`default_factory`, `repr` and `compare` of `field()`, `ClassVar` annotations not being fields, inherited
fields first, equality by value within one class, and for `frozen=True` a hash by value and assignment
refused with `dataclasses.FrozenInstanceError`. Type checkers read the class as a dataclass
(`dataclass_transform`). Not supported: `dataclasses.fields/replace/asdict`, `__post_init__`, ordering.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, ClassVar, dataclass_transform

_MISSING = dataclasses.MISSING


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):  # `from __future__ import annotations`: the annotation as written
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar


@dataclass_transform(field_specifiers=(dataclasses.field,))
class Record:
    """Base of declared records; `class X(Record, frozen=True)` for an immutable, hashable one."""

    # per class, computed once when it is created
    _record_fields: ClassVar[tuple[str, ...]] = ()
    _record_defaults: ClassVar[dict[str, Any]] = {}  # name -> value
    _record_factories: ClassVar[dict[str, Any]] = {}  # name -> callable making a fresh default
    _record_shown: ClassVar[tuple[str, ...]] = ()  # in repr
    _record_compared: ClassVar[tuple[str, ...]] = ()  # in == and hash
    _record_frozen: ClassVar[bool] = False

    def __init_subclass__(cls, *, frozen: bool | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls._record_fields)
        defaults = dict(cls._record_defaults)
        factories = dict(cls._record_factories)
        hidden = set(names) - set(cls._record_shown)
        ignored = set(names) - set(cls._record_compared)
        for name, annotation in inspect.get_annotations(cls).items():
            if _is_class_var(annotation) or name.startswith("_record_"):
                continue
            value = cls.__dict__.get(name, _MISSING)
            defaults.pop(name, None)
            factories.pop(name, None)
            if isinstance(value, dataclasses.Field):
                (hidden.add if not value.repr else hidden.discard)(name)
                (ignored.add if not value.compare else ignored.discard)(name)
                if value.default_factory is not _MISSING:
                    factories[name] = value.default_factory
                value = value.default
                if value is _MISSING:
                    delattr(cls, name)  # the Field object must not read as a default
                else:
                    setattr(cls, name, value)
            if value is not _MISSING:
                defaults[name] = value
            elif name not in factories:
                later_default = next((n for n in names if n in defaults or n in factories), None)
                if later_default is not None:
                    raise TypeError(f"{cls.__name__}: non-default field {name!r} follows default field "
                                    f"{later_default!r}")
            if name not in names:
                names.append(name)
        cls._record_fields = tuple(names)
        cls._record_defaults = defaults
        cls._record_factories = factories
        cls._record_shown = tuple(n for n in names if n not in hidden)
        cls._record_compared = tuple(n for n in names if n not in ignored)
        if frozen is not None:
            cls._record_frozen = frozen
        if cls._record_frozen:  # a mutable record keeps object's fast assignment
            cls.__setattr__ = Record._refuse_assignment  # type: ignore[method-assign,assignment]
            cls.__delattr__ = Record._refuse_deletion  # type: ignore[method-assign,assignment]
        cls.__hash__ = Record._hash if cls._record_frozen else None  # type: ignore[assignment]
        cls.__match_args__ = cls._record_fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._record_fields
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} positional arguments but "
                            f"{len(args)} were given")
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        for name in names[len(args):]:
            if name in values:
                continue
            if name in self._record_factories:
                values[name] = self._record_factories[name]()
            elif name in self._record_defaults:
                values[name] = self._record_defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: {name!r}")
        self.__dict__.update(values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
        return f"{type(self).__qualname__}({shown})"

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._record_compared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()  # type: ignore[attr-defined]

    def _hash(self) -> int:
        return hash(self._compared())

    def _refuse_assignment(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def _refuse_deletion(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
