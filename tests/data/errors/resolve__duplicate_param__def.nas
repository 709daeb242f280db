def f(a: int, b: int, a: int) = a
