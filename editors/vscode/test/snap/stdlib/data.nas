// std.data: datasets. Paths are resolved against the working directory of `nas run`.

/// CIFAR-10 binary batches in `dir`; mean and std as in the SSWP code.
def cifar10(
  dir: str = "data/cifar-10-batches-bin",
  train: list[str] = [
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
    "data_batch_5.bin",
  ],
  limit: int? = none,
  test_limit: int? = none,
): dataset = dataset(
  source = cifar10_files(dir = dir, train = train, test = ["test_batch.bin"]),
  size = 32,
  channels = 3,
  classes = 10,
  mean = [0.49139968, 0.48215827, 0.44653124],
  std = [0.24703233, 0.24348505, 0.26158768],
  limit = limit,
  test_limit = test_limit,
)

/// CIFAR-100 binary files (`train.bin`, `test.bin`, fine labels); mean and std as in the SSWP code.
def cifar100(
  dir: str = "data/cifar-100-binary",
  limit: int? = none,
  test_limit: int? = none,
): dataset = dataset(
  source = cifar100_files(dir = dir, train = ["train.bin"], test = ["test.bin"]),
  size = 32,
  channels = 3,
  classes = 100,
  mean = [0.5071, 0.4867, 0.4408],
  std = [0.2675, 0.2565, 0.2761],
  limit = limit,
  test_limit = test_limit,
)

/// Images in one sub-folder per class (PNG or JPEG), resized to `size`; ImageNet statistics
/// unless given.
def image_folder(
  dir: str,
  size: int,
  classes: int,
  test: str? = none,
  channels: int = 3,
  mean: list = [0.485, 0.456, 0.406],
  std: list = [0.229, 0.224, 0.225],
): dataset = dataset(
  source = folder_files(dir = dir, test = test),
  size = size,
  channels = channels,
  classes = classes,
  mean = mean,
  std = std,
)

/// The built-in digits (scikit-learn's 8x8 handwritten digits, embedded in the binary):
/// 1 channel, 8x8, 10 classes, values scaled to [0, 1]; mean and std of the training split.
def digits(limit: int? = none, test_limit: int? = none): dataset = dataset(
  source = digits_files,
  size = 8,
  channels = 1,
  classes = 10,
  mean = [0.3053],
  std = [0.3761],
  limit = limit,
  test_limit = test_limit,
)
