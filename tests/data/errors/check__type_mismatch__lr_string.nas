let w = sgd(lr = "fast")
