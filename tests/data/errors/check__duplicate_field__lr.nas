let w = sgd(lr = 0.1, lr = 0.2)
