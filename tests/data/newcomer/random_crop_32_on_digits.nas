// expect: nas::check::crop_exceeds_image @ 12
// A CIFAR crop (32x32 with padding 4) on 8x8 digits: the padded image is 16x16, so the crop
// cannot be taken at all. The run would fail at its first fine-tuning batch.
import std.recipes.sswp
import std.data

pipeline cropped = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(
    labels = 10%,
    epochs = 10,
    batch = 32,
    augment = augmentation(steps = [random_crop(size = 32, padding = 4), normalize(data.mean, data.std)]),
  ) after derive
}
