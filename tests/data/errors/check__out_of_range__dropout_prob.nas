let f = flip(p = 120%)
