// Deep nesting: calls in lists in calls in tuples, broken level by level.
let deep = f(g(h([1, [2, [3, [4, [5, [6, [7, [8, [9, [10, [11, [12, [13, [14, [15, [16, [17, [18, [19, [20]]]]]]]]]]]]]]]]]]]]), x = (1, (2, (3, (4, (5, (6, (7, (8, (9,)))))))))), y = seq(relu, seq(relu, seq(relu, seq(relu, seq(relu, seq(relu, conv(3, stride = edge))))))))
let p = ((((1 + 2)))) * (3 - (4 - 5)) - -(-6) / (7 of 8) + ((a.b)).c - (-x).y
let q = -(a + b) of c < d.e(f)(g)
