// SYNTAX TEST "source.nas" "field names before = in calls, stage arguments, blocks and overrides"

let o = sgd(lr = 0.1, betas = (0.0, 0.999), schedule = cosine(per = step))
//      ^^^ entity.name.function.call.nas
//          ^^ meta.parens.nas variable.other.field.nas
//             ^ keyword.operator.assignment.nas
//                    ^^^^^ variable.other.field.nas
//                                          ^^^^^^^^ variable.other.field.nas
//                                                            ^^^ meta.parens.nas meta.parens.nas variable.other.field.nas
//                                                                  ^^^^ variable.other.nas - variable.other.field
let c = dwconv(3, stride = edge, dilation = 2)
//                ^^^^^^ variable.other.field.nas
//                         ^^^^ variable.other.nas - variable.other.field
//                               ^^^^^^^^ variable.other.field.nas

// Named arguments on their own lines, as nas fmt breaks long calls.
let v = augmentation(
  views = 2,
//^^^^^ meta.parens.nas variable.other.field.nas
  steps = [random_resized_crop(size = 32, scale = (0.08, 1.0)), normalize(d.mean, d.std)],
//^^^^^ variable.other.field.nas
//         ^^^^^^^^^^^^^^^^^^^ meta.brackets.nas entity.name.function.call.nas
//                             ^^^^ meta.brackets.nas meta.parens.nas variable.other.field.nas
//                                                                          ^^^^ variable.other.member.nas - variable.other.field
)

pipeline quick = lib.p(epochs = 5) {
  data = data.digits()
//^^^^ variable.other.field.nas
//       ^^^^ variable.other.nas - variable.other.field
//            ^^^^^^ entity.name.function.call.nas
  seed = 7, views = augment.simclr(data)
//^^^^ variable.other.field.nas
//          ^^^^^ variable.other.field.nas
//                  ^^^^^^^ variable.other.nas
//                          ^^^^^^ entity.name.function.call.nas
//                                 ^^^^ variable.other.nas - variable.other.field
  search.warmup.epochs = 2
//^^^^^^ variable.other.object.nas
//      ^ punctuation.accessor.nas
//       ^^^^^^ variable.other.object.nas
//              ^^^^^^ variable.other.field.nas
  search . batch = 32
//^^^^^^ variable.other.object.nas
//         ^^^^^ variable.other.field.nas
}

// A comparison is not a field.
let w = when_like == 2
//      ^^^^^^^^^ variable.other.nas - variable.other.field
//                ^^ keyword.operator.comparison.nas
