// A 16x16 cutout on 8x8 digits blanks every image: fine-tuning learns nothing.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(epochs = 2, augment = augmentation(steps = [flip(p = 0.5), normalize(data.mean, data.std), cutout(size = 16)])) after derive
}
