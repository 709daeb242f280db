let w = sgd(momentum = 0.9)
