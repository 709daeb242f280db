// expect: nas::check::small_validation @ 9
// expect: nas::check::batch_exceeds_labels @ 9
// Fine-tuning on 5% of the digits with the default batch of 128: 75 labelled images, 67 of
// them train, one step per epoch.
import std.recipes.sswp
import std.data

pipeline tuned = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 5%, epochs = 10) after derive
}
