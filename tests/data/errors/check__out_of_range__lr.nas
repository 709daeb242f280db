let w = sgd(lr = -0.1)
