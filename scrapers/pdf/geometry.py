"""Boxes and matrices of PDF page space, and where pdfium says an object is drawn."""

from __future__ import annotations

import ctypes

import pypdfium2.raw as pdfium_c

Box = tuple[float, float, float, float]  # left, bottom, right, top
# (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def matrix(obj: ctypes.c_void_p) -> Matrix:
    """A page object's matrix (identity when pdfium cannot tell)."""
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner` then `outer`."""
    a, b, c, d, e, f = inner
    p, q, r, s, t, u = outer
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def bounds(obj: ctypes.c_void_p, outer: Matrix) -> Box | None:
    """The object's box on the page (a form's contents mapped through the form's matrix)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
        return None
    box = (left.value, bottom.value, right.value, top.value)
    if outer is IDENTITY:
        return box
    a, b, c, d, e, f = outer
    xs = [a * x + c * y + e for x in (box[0], box[2]) for y in (box[1], box[3])]
    ys = [b * x + d * y + f for x in (box[0], box[2]) for y in (box[1], box[3])]
    return (min(xs), min(ys), max(xs), max(ys))
