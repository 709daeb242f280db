let x = 1e999
