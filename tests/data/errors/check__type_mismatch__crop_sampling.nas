// `yiq` is a colour space, not a way to sample a crop
let views = augmentation(views = 2, steps = [random_resized_crop(size = 32, sampling = yiq)])
