op bad = conv(3, stride = "two")
