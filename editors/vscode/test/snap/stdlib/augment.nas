// std.augment: augmentation pipelines. Each takes the dataset so that the crop size and
// the normalisation statistics follow it.

/// Standard SimCLR views (Chen et al. 2020): two views of random resized crop, flip,
/// colour jitter (0.8, 0.8, 0.8, 0.2) with p 0.8, grayscale p 0.2, Gaussian blur p 0.5,
/// normalisation.
def simclr(data: dataset, blur_kernel: int = 3): augmentation = augmentation(views = 2, steps = [
  random_resized_crop(size = data.size),
  flip(p = 0.5),
  color_jitter(0.8, 0.8, 0.8, 0.2, p = 0.8),
  grayscale(p = 0.2),
  blur(kernel = blur_kernel, sigma = (0.1, 2.0), p = 0.5),
  normalize(data.mean, data.std),
])

/// The SSWP-NAS views (official `get_transforms`): random resized crop (scale 0.08-1,
/// ratio 3/4-4/3), flip 0.5, colour jitter (0.8, 0.8, 0.8, 0.2) with p 0.3, grayscale
/// p 0.2, Gaussian blur 3x3 with sigma in [1, 2] and p 0.2, normalisation. No solarisation.
def simclr_sswp(data: dataset): augmentation = augmentation(views = 2, steps = [
  random_resized_crop(size = data.size, scale = (0.08, 1.0), ratio = (0.75, 4.0 / 3.0)),
  flip(p = 0.5),
  color_jitter(0.8, 0.8, 0.8, 0.2, p = 0.3),
  grayscale(p = 0.2),
  blur(kernel = 3, sigma = (1.0, 2.0), p = 0.2),
  normalize(data.mean, data.std),
])

/// Supervised CIFAR training without cutout (as DARTS search uses): random crop with
/// padding 4, flip, normalisation.
def cifar_basic(data: dataset): augmentation = augmentation(views = 1, steps = [
  random_crop(size = data.size, padding = 4),
  flip(p = 0.5),
  normalize(data.mean, data.std),
])

/// Supervised CIFAR training: random crop with padding 4, flip, normalisation, cutout 16.
def cifar_train(data: dataset, cutout_size: int = 16): augmentation = augmentation(
  views = 1,
  steps = [
    random_crop(size = data.size, padding = 4),
    flip(p = 0.5),
    normalize(data.mean, data.std),
    cutout(size = cutout_size),
  ],
)
