"""A small typed checker for plain YAML data, with the lax coercions the format's reference applies.

Each type node checks a value and returns it in canonical form (`"512"` where an integer is
expected becomes 512, `1.0` becomes 1, `"yes"` where a boolean is expected becomes True), or
returns FAIL after recording located issues in a `Ctx`. Unions try every member strictly first
and then laxly, as the reference does, so the member that fits best wins. `Model` checks a
mapping field by field; its hooks express what a schema cannot (cross-field rules, older forms
converted before checking). `json_schema()` renders any node as JSON Schema for publication.

See docs/format.md ("How validation works") for the coercion rules and why they are accepted.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from pipeline.spec.report import ERROR, WARNING, Issue

Loc = tuple


class _Fail:
    """The sentinel a check returns when the value did not validate (issues say why)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FAIL"


FAIL: Any = _Fail()
REQUIRED: Any = object()  # a Field default meaning "must be given"


class Ctx:
    """Collects issues while checking; `strict` disables coercions (the first pass of unions)."""

    __slots__ = ("issues", "strict", "errors")

    def __init__(self, strict: bool = False):
        self.issues: list[Issue] = []
        self.strict = strict
        self.errors = 0

    def error(self, loc: Loc, msg: str, kind: str) -> Any:
        """Record an error at loc and return FAIL."""
        self.issues.append(Issue(loc, msg, kind, ERROR))
        self.errors += 1
        return FAIL

    def warn(self, loc: Loc, msg: str, kind: str, severity: int = WARNING) -> None:
        """Record a warning (it never fails a validation)."""
        self.issues.append(Issue(loc, msg, kind, severity))

    def adopt(self, other: "Ctx") -> None:
        """Take over the issues another context collected."""
        self.issues += other.issues
        self.errors += other.errors


class Invalid(ValueError):
    """Raised by hooks and value checks: the message becomes an error at the node's loc."""

    def __init__(self, msg: str, kind: str = "value_error", loc: Sequence[Any] = ()):
        super().__init__(msg)
        self.msg = msg
        self.kind = kind
        self.loc = tuple(loc)


def describe(value: Any) -> str:
    """A short description of a value for 'got ...' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


class Type:
    """Base of every type node."""

    expected = "a valid value"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def json_schema(self, defs: dict) -> dict:
        """This node as JSON Schema; named models are put into `defs`."""
        return {}

    def fail(self, value: Any, loc: Loc, ctx: Ctx, kind: str = "type") -> Any:
        return ctx.error(loc, f"expected {self.expected}, got {describe(value)}", kind)


class AnyValue(Type):
    """Any YAML value (free-form places such as `config`)."""

    expected = "any value"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        return value


# ---- scalars -------------------------------------------------------------------------------

_INT_TEXT = re.compile(r"^[+-]?[0-9]+(_[0-9]+)*(\.0+)?$")
_FLOAT_TEXT = re.compile(r"^[+-]?([0-9_]*\.?[0-9_]*([eE][+-]?[0-9]+)?|inf|infinity|nan)$", re.IGNORECASE)
_TRUE = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "f", "0"})


def _bounds(value: float, lo: Any, lo_open: bool, hi: Any, hi_open: bool) -> str | None:
    if lo is not None and (value <= lo if lo_open else value < lo):
        return f"a value {'>' if lo_open else '>='} {lo:g}"
    if hi is not None and (value >= hi if hi_open else value > hi):
        return f"a value {'<' if hi_open else '<='} {hi:g}"
    return None


class Num(Type):
    """Shared bounds of Int and Float: ge/gt/le/lt."""

    def __init__(self, *, ge: float | None = None, gt: float | None = None, le: float | None = None,
                 lt: float | None = None):
        self.lo, self.lo_open = (gt, True) if gt is not None else (ge, False)
        self.hi, self.hi_open = (lt, True) if lt is not None else (le, False)

    def bounded(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        wanted = _bounds(value, self.lo, self.lo_open, self.hi, self.hi_open)
        if wanted:
            return ctx.error(loc, f"expected {wanted}, got {describe(value)}", "value_range")
        return value

    def _bound_schema(self, out: dict) -> dict:
        if self.lo is not None:
            out["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            out["exclusiveMaximum" if self.hi_open else "maximum"] = self.hi
        return out


class Int(Num):
    """An integer; also 1.0, true (1) and numeric text such as '512' unless checking strictly."""

    expected = "an integer"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if type(value) is int:
            return self.bounded(value, loc, ctx)
        if ctx.strict:
            return self.fail(value, loc, ctx)
        if isinstance(value, bool):
            return self.bounded(int(value), loc, ctx)
        if isinstance(value, float):
            if not math.isfinite(value):
                return ctx.error(loc, f"expected a finite integer, got {describe(value)}", "finite_number")
            if not value.is_integer() or abs(value) > 2 ** 63:
                return ctx.error(loc, f"expected an integer, got {describe(value)}", "type")
            return self.bounded(int(value), loc, ctx)
        if isinstance(value, str) and _INT_TEXT.match(value.strip()):
            return self.bounded(int(value.strip().split(".")[0].replace("_", "")), loc, ctx)
        return self.fail(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return self._bound_schema({"type": "integer"})


class Float(Num):
    """A number; also integers, true/false and numeric text; inf/nan only where `allow_inf`."""

    expected = "a number"

    def __init__(self, *, allow_inf: bool = False, **bounds: Any):
        super().__init__(**bounds)
        self.allow_inf = allow_inf

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if type(value) is float or type(value) is int:
            number = float(value)
        elif ctx.strict:
            return self.fail(value, loc, ctx)
        elif isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
            try:
                number = float(value.strip())
            except ValueError:
                return self.fail(value, loc, ctx)
        else:
            return self.fail(value, loc, ctx)
        if not math.isfinite(number) and not self.allow_inf:
            return ctx.error(loc, f"expected a finite number, got {describe(value)}", "finite_number")
        return self.bounded(number, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return self._bound_schema({"type": "number"})


class Bool(Type):
    """true/false; also 0/1 and words such as 'yes'/'no' unless checking strictly."""

    expected = "true or false"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if isinstance(value, bool):
            return value
        if not ctx.strict:
            if type(value) in (int, float) and value in (0, 1):
                return bool(value)
            if isinstance(value, str):
                word = value.strip().lower()
                if word in _TRUE:
                    return True
                if word in _FALSE:
                    return False
        return self.fail(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"type": "boolean"}


class Null(Type):
    """Only null."""

    expected = "null"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        return None if value is None else self.fail(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"type": "null"}


class Str(Type):
    """Text, with optional length, character-set and pattern constraints (never a number: 1 is not '1')."""

    def __init__(self, *, min_len: int = 0, max_len: int | None = None, pattern: str | None = None,
                 chars: str | None = None, strip: bool = False, lower: bool = False, expected: str | None = None,
                 kind: str | None = None):
        self.min_len, self.max_len, self.kind = min_len, max_len, kind
        self.pattern = re.compile(pattern) if pattern else None
        self.chars = frozenset(chars) if chars else None
        self.strip, self.lower = strip, lower
        self.expected = expected or ("a non-empty string" if min_len == 1 and max_len is None and not pattern
                                     and not chars else "a string")
        self._plain = not (min_len or max_len is not None or pattern or chars or strip or lower)

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if type(value) is not str:
            return self.fail(value, loc, ctx)
        if self._plain:
            return value
        if self.strip:
            value = value.strip()
        if self.lower:
            value = value.lower()
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            return ctx.error(loc, f"expected {self._length_text()}, got {describe(value)} ({len(value)} characters)",
                             "string_length")
        if self.chars is not None and not self.chars.issuperset(value):
            bad = "".join(sorted(set(value) - self.chars))
            return ctx.error(loc, f"expected {self.expected}, got {describe(value)} (not allowed: {bad!r})",
                             self.kind or "string_chars")
        if self.pattern is not None and not self.pattern.search(value):
            return self.fail(value, loc, ctx, self.kind or "string_pattern")
        return value

    def _length_text(self) -> str:
        if self.max_len == self.min_len:
            return f"exactly {self.min_len} characters"
        if self.max_len is None:
            return f"at least {self.min_len} character(s)"
        if not self.min_len:
            return f"at most {self.max_len} characters"
        return f"{self.min_len} to {self.max_len} characters"

    def json_schema(self, defs: dict) -> dict:
        out: dict[str, Any] = {"type": "string"}
        if self.min_len:
            out["minLength"] = self.min_len
        if self.max_len is not None:
            out["maxLength"] = self.max_len
        if self.pattern is not None:
            out["pattern"] = self.pattern.pattern
        if self.expected not in ("a string", "a non-empty string"):
            out["description"] = f"expected {self.expected}"
        return out


class Lit(Type):
    """One of a few exact values (the reference's Literal)."""

    def __init__(self, *values: Any, expected: str | None = None):
        self.values = values
        self.expected = expected or ("one of " + ", ".join(_show(v) for v in values) if len(values) > 1
                                     else _show(values[0]))

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        for option in self.values:
            if value == option and (type(value) is type(option) or (not ctx.strict and not isinstance(option, str)
                                                                    and not isinstance(value, str))):
                return option
        return self.fail(value, loc, ctx, "literal")

    def json_schema(self, defs: dict) -> dict:
        return {"const": self.values[0]} if len(self.values) == 1 else {"enum": list(self.values)}


def _show(value: Any) -> str:
    return "null" if value is None else str(value)


# ---- containers ----------------------------------------------------------------------------

class ListOf(Type):
    """A list whose items all have one type."""

    def __init__(self, item: Type, *, min_len: int = 0, max_len: int | None = None, expected: str | None = None):
        self.item, self.min_len, self.max_len = item, min_len, max_len
        self.expected = expected or ("a non-empty list" if min_len else "a list")

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if not isinstance(value, (list, tuple)):
            return self.fail(value, loc, ctx)
        if len(value) < self.min_len:
            return ctx.error(loc, f"expected at least {self.min_len} item(s), got {len(value)}", "too_short")
        if self.max_len is not None and len(value) > self.max_len:
            return ctx.error(loc, f"expected at most {self.max_len} item(s), got {len(value)}", "too_long")
        out, failed, item = [], False, self.item
        for i, element in enumerate(value):
            checked = item.check(element, loc + (i,), ctx)
            if checked is FAIL:
                failed = True
            out.append(checked)
        return FAIL if failed else out

    def json_schema(self, defs: dict) -> dict:
        out: dict[str, Any] = {"type": "array", "items": self.item.json_schema(defs)}
        if self.min_len:
            out["minItems"] = self.min_len
        if self.max_len is not None:
            out["maxItems"] = self.max_len
        return out


class TupleOf(Type):
    """A list of fixed length with one type per position."""

    def __init__(self, *items: Type, expected: str | None = None):
        self.items = items
        self.expected = expected or f"a list of {len(items)} items"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if not isinstance(value, (list, tuple)):
            return self.fail(value, loc, ctx)
        if len(value) != len(self.items):
            return ctx.error(loc, f"expected {len(self.items)} items, got {len(value)}", "tuple_length")
        out = [t.check(v, loc + (i,), ctx) for i, (t, v) in enumerate(zip(self.items, value))]
        return FAIL if any(v is FAIL for v in out) else out

    def json_schema(self, defs: dict) -> dict:
        return {"type": "array", "prefixItems": [t.json_schema(defs) for t in self.items],
                "minItems": len(self.items), "maxItems": len(self.items)}


class DictOf(Type):
    """A mapping with text keys and values of one type."""

    expected = "a mapping"

    def __init__(self, value: Type):
        self.value = value

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return self.fail(value, loc, ctx)
        out, failed = {}, False
        for key, item in value.items():
            if type(key) is not str:
                ctx.error(loc + (key,), f"expected text keys, got {describe(key)}", "key_type")
                failed = True
                continue
            checked = self.value.check(item, loc + (key,), ctx)
            failed = failed or checked is FAIL
            out[key] = checked
        return FAIL if failed else out

    def json_schema(self, defs: dict) -> dict:
        return {"type": "object", "additionalProperties": self.value.json_schema(defs)}


# ---- combinators ---------------------------------------------------------------------------

class Opt(Type):
    """null or the wrapped type (an explicit null for an optional field means absent)."""

    def __init__(self, inner: Type):
        self.inner = inner
        self.expected = f"{inner.expected} or null"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        return None if value is None else self.inner.check(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"anyOf": [self.inner.json_schema(defs), {"type": "null"}]}


class AnyOf(Type):
    """The first member that fits: strictly first, then with coercions (`ordered`: in order, laxly)."""

    def __init__(self, *members: Type, ordered: bool = False, expected: str | None = None):
        self.members = members
        self.ordered = ordered
        self.expected = expected or " or ".join(m.expected for m in members)

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        attempts = []
        passes = (ctx.strict,) if self.ordered or ctx.strict else (True, False)
        for strict in passes:
            for member in self.members:
                sub = Ctx(strict)
                checked = member.check(value, loc, sub)
                if checked is not FAIL and not sub.errors:
                    ctx.adopt(sub)
                    return checked
                if strict == passes[-1]:
                    attempts.append(sub)
        return self._report(value, loc, ctx, attempts)

    def _report(self, value: Any, loc: Loc, ctx: Ctx, attempts: list[Ctx]) -> Any:
        # A member that got past the value's own type check explains the problem best; otherwise
        # say what would have fitted.
        inner = [a for a in attempts if a.issues and any(i.loc != loc or i.type not in ("type", "literal", "model_type")
                                                         for i in a.issues if i.severity >= ERROR)]
        if inner:
            best = min(inner, key=lambda a: (a.errors, -max(len(i.loc) for i in a.issues)))
            ctx.adopt(best)
            return FAIL
        return self.fail(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"anyOf": [m.json_schema(defs) for m in self.members]}


class Tagged(Type):
    """A mapping whose member type is chosen by one key (`type`, `id`, `name`) or by a function."""

    def __init__(self, key: str, members: Mapping[Any, Type], *, choose: Callable[[dict], Any] | None = None,
                 expected: str | None = None):
        self.key, self.members, self.choose = key, dict(members), choose
        self.expected = expected or "a mapping"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return self.fail(value, loc, ctx)
        if self.choose is not None:
            return self.members[self.choose(value)].check(value, loc, ctx)
        if self.key not in value:
            return ctx.error(loc + (self.key,), f"field required (one of {', '.join(map(_show, self.members))})",
                             "missing")
        tag = value[self.key]
        member = self.members.get(tag) if isinstance(tag, str) else None
        if member is None:
            return ctx.error(loc + (self.key,), f"expected one of {', '.join(map(_show, self.members))}, "
                             f"got {describe(tag)}", "union_tag")
        return member.check(value, loc, ctx)

    def json_schema(self, defs: dict) -> dict:
        return {"anyOf": [m.json_schema(defs) for m in self.members.values()]}


class Then(Type):
    """A type followed by value checks: each gets the checked value, returns it (or a new one) or raises Invalid."""

    def __init__(self, inner: Type, *checks: Callable[[Any], Any], expected: str | None = None):
        self.inner, self.checks = inner, checks
        self.expected = expected or inner.expected

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        checked = self.inner.check(value, loc, ctx)
        if checked is FAIL:
            return FAIL
        for step in self.checks:
            try:
                checked = step(checked)
            except Invalid as e:
                return ctx.error(loc + e.loc, e.msg, e.kind)
        return checked

    def json_schema(self, defs: dict) -> dict:
        return self.inner.json_schema(defs)


class Warn(Type):
    """A type whose extra checks only warn: each check raises Invalid to warn, the value passes."""

    def __init__(self, inner: Type, *checks: Callable[[Any], Any], severity: int = WARNING):
        self.inner, self.checks, self.severity = inner, checks, severity
        self.expected = inner.expected

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        checked = self.inner.check(value, loc, ctx)
        if checked is not FAIL:
            for step in self.checks:
                try:
                    step(checked)
                except Invalid as e:
                    ctx.warn(loc + e.loc, e.msg, e.kind, self.severity)
        return checked

    def json_schema(self, defs: dict) -> dict:
        return self.inner.json_schema(defs)


# ---- models --------------------------------------------------------------------------------

class Field:
    """One key of a Model: its type, its default (REQUIRED when it must be given), optional hooks.

    `before(raw)` may replace the raw value; `after(value, fields)` sees the fields checked so far.
    """

    __slots__ = ("type", "default", "before", "after", "doc")

    def __init__(self, type_: Type, default: Any = REQUIRED, *, before: Callable[[Any], Any] | None = None,
                 after: Callable[[Any, dict], Any] | None = None, doc: str = ""):
        self.type, self.default, self.before, self.after, self.doc = type_, default, before, after, doc


class Obj(dict):
    """A checked mapping; `obj[name]` gives a field's default when the key was not given."""

    __slots__ = ("model",)

    def __missing__(self, key: str) -> Any:
        field = self.model.fields.get(key) if self.model is not None else None
        if field is None or field.default is REQUIRED:
            raise KeyError(key)
        default = field.default
        return default() if callable(default) else default


Hook = Callable[[Obj, Loc, Ctx], None]


class Model(Type):
    """A mapping with named fields.

    `extra`: 'forbid' (unknown keys are errors, with a did-you-mean), 'ignore' or 'allow'.
    `before`: functions (mapping, loc, ctx) run first on a private copy, e.g. to convert older forms.
    `after`: hooks run when every field is valid; they record located issues in the Ctx or raise
    Invalid; the first hook that fails stops the rest, as later ones rely on earlier ones.
    """

    expected = "a mapping"

    def __init__(self, name: str, fields: Mapping[str, Field], *, extra: str = "forbid",
                 before: Iterable[Callable[[dict, Loc, Ctx], Any]] = (), after: Iterable[Hook] = (), doc: str = "",
                 expected: str = "a mapping", hints: Mapping[str, str] | None = None):
        self.name, self.fields, self.extra = name, dict(fields), extra
        self.before, self.after, self.doc = tuple(before), tuple(after), doc
        self.expected, self.hints = expected, dict(hints or {})

    def extend(self, name: str, fields: Mapping[str, Field] = {}, *, drop: Iterable[str] = (),
               **options: Any) -> "Model":
        """A new model with these fields added or replaced (and `drop` removed)."""
        merged = {k: v for k, v in self.fields.items() if k not in set(drop)}
        merged.update(fields)
        settings = {"extra": self.extra, "before": self.before, "after": self.after, "doc": self.doc,
                    "expected": self.expected, "hints": self.hints, **options}
        return Model(name, merged, **settings)

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return self.fail(value, loc, ctx, "model_type")
        if self.before:
            value = dict(value)
            for convert in self.before:
                convert(value, loc, ctx)
        out = Obj()
        out.model = self
        failed = False
        fields = self.fields
        for name, field in fields.items():
            if name not in value:
                if field.default is REQUIRED:
                    ctx.error(loc + (name,), "field required", "missing")
                    failed = True
                elif type(field.type) is Warn:  # the reference checks defaults too: a missing FAIR field alerts
                    field.type.check(out[name], loc + (name,), ctx)
                continue
            raw = value[name]
            if field.before is not None:
                raw = field.before(raw)
            checked = field.type.check(raw, loc + (name,), ctx)
            if checked is not FAIL and field.after is not None:
                try:
                    checked = field.after(checked, out)
                except Invalid as e:
                    checked = ctx.error(loc + (name,) + e.loc, e.msg, e.kind)
            if checked is FAIL:
                failed = True
            elif checked is not None or field.default is not None:
                out[name] = checked
        if len(value) > len(out) or failed:
            failed = self._extra(value, loc, ctx, out) or failed
        if failed:
            return FAIL
        return self._after(out, loc, ctx)

    def _extra(self, value: dict, loc: Loc, ctx: Ctx, out: Obj) -> bool:
        unknown = 0
        for key in value:
            if key in self.fields:
                continue
            if self.extra == "allow":
                out[key] = value[key]
            elif self.extra == "forbid":
                unknown += 1
                if unknown <= MAX_UNKNOWN_REPORTED:
                    hint = self.hints.get(key) if isinstance(key, str) else None
                    msg = f"unknown field: {hint}" if hint else \
                        unknown_key_message(key, self.fields, self.hints.get("*"))
                    ctx.error(loc + (key,), msg, "extra_forbidden")
        if unknown > MAX_UNKNOWN_REPORTED:  # a hostile mapping of thousands of keys gets one line, not thousands
            ctx.error(loc, f"... and {unknown - MAX_UNKNOWN_REPORTED} more unknown fields", "extra_forbidden")
        return unknown > 0

    def _after(self, out: Obj, loc: Loc, ctx: Ctx) -> Any:
        for hook in self.after:
            before = ctx.errors
            try:
                hook(out, loc, ctx)
            except Invalid as e:
                return ctx.error(loc + e.loc, e.msg, e.kind)
            if ctx.errors > before:
                return FAIL
        return out

    def json_schema(self, defs: dict) -> dict:
        if self.name not in defs:
            defs[self.name] = {}  # placeholder against recursion
            props = {}
            for name, field in self.fields.items():
                prop = field.type.json_schema(defs)
                if field.doc:
                    prop = {**prop, "description": field.doc}
                props[name] = prop
            body: dict[str, Any] = {"type": "object", "properties": props}
            required = [n for n, f in self.fields.items() if f.default is REQUIRED]
            if required:
                body["required"] = required
            if self.extra == "forbid":
                body["additionalProperties"] = False
            if self.doc:
                body["description"] = self.doc
            defs[self.name] = body
        return {"$ref": f"#/$defs/{self.name}"}


MAX_UNKNOWN_REPORTED = 20


def unknown_key_message(key: Any, known: Iterable[str], otherwise: str | None = None) -> str:
    """'unknown field', with a did-you-mean when a known field is close (a typo or another case)."""
    text = str(key)
    names = list(known)
    lowered = {n.lower(): n for n in names}
    match = lowered.get(text.lower().replace("-", "_").replace(" ", "_")) if len(text) <= 64 else None
    if match is None and len(text) <= 64:  # a long key is no typo, and comparing it would cost
        close = difflib.get_close_matches(text, names, n=1, cutoff=0.75)
        match = close[0] if close else None
    hint = f"; did you mean `{match}`?" if match else f" ({otherwise or 'free-form data belongs under `config`'})"
    return f"unknown field{hint}"
