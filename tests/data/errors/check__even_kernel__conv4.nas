op bad = seq(relu, conv(4), bn)
