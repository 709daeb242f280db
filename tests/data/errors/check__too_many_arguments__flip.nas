let f = flip(0.5, 0.2)
