let w = sgd(lr = 0.1, momentun = 0.9)
