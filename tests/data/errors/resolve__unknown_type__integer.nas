def f(n: integer = 3) = n
