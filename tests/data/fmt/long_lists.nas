// Long lists and calls: broken one element per line, plain values filled, a last list hugged.
import std.spaces.darts

let many = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35]
let names = ["a_rather_long_file_name_1.bin", "a_rather_long_file_name_2.bin", "a_rather_long_file_name_3.bin"]
let ops = [darts.sep_conv_3x3, darts.sep_conv_5x5, darts.dil_conv_3x3, darts.dil_conv_5x5, darts.skip_connect, named("none", zero)]
let views = augmentation(views = 2, steps = [random_resized_crop(size = 32, scale = (0.2, 1.0), ratio = (0.75, 4.0 / 3.0)), flip(p = 0.5), color_jitter(0.4, 0.4, 0.4, 0.1, p = 0.8), grayscale(p = 0.2)])
let opt = sgd(lr = 0.025, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine(min_lr = 1e-5, per = step), warmup = 5)
def net(cells: int = 20, channels: int = 36, ops: list[op] = darts.sswp_ops, alpha: any = per_cell, genotype: genotype? = none): network = darts.cifar(cells = cells, channels = channels, ops = ops, alpha = alpha, genotype = genotype)
let short = [1,2,3]
let pairs = [(1, 2), (3, 4), ("a", -5), ("a_long_string_to_make_this_list_longer_than_a_line", 6), (7, 8)]
let path = "a string so long that no layout can keep it within the one hundred columns of a line, whatever it does"
