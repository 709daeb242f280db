// SYNTAX TEST "source.nas" "stages, stage kinds, phases, after and when"

pipeline p {
  stage s_ssl_search: ssl_search after a
//      ^^^^^^^^^^^^ entity.name.type.stage.nas
//                  ^ punctuation.separator.colon.nas
//                    ^^^^^^^^^^ support.function.stage.nas
  stage s_derive: derive after a
//      ^^^^^^^^ entity.name.type.stage.nas
//              ^ punctuation.separator.colon.nas
//                ^^^^^^ support.function.stage.nas
  stage s_finetune: finetune after a
//      ^^^^^^^^^^ entity.name.type.stage.nas
//                ^ punctuation.separator.colon.nas
//                  ^^^^^^^^ support.function.stage.nas
  stage s_linear_eval: linear_eval after a
//      ^^^^^^^^^^^^^ entity.name.type.stage.nas
//                   ^ punctuation.separator.colon.nas
//                     ^^^^^^^^^^^ support.function.stage.nas
  stage s_train: train after a
//      ^^^^^^^ entity.name.type.stage.nas
//             ^ punctuation.separator.colon.nas
//               ^^^^^ support.function.stage.nas
  stage s_knn: knn after a
//      ^^^^^ entity.name.type.stage.nas
//           ^ punctuation.separator.colon.nas
//             ^^^ support.function.stage.nas
  stage s_ssl_train: ssl_train after a
//      ^^^^^^^^^^^ entity.name.type.stage.nas
//                 ^ punctuation.separator.colon.nas
//                   ^^^^^^^^^ support.function.stage.nas
  stage s_nb201_lookup: nb201_lookup after a
//      ^^^^^^^^^^^^^^ entity.name.type.stage.nas
//                    ^ punctuation.separator.colon.nas
//                      ^^^^^^^^^^^^ support.function.stage.nas
  stage tune: finetune(init = preserved, labels = 10%, epochs = 100) after derive, search
//      ^^^^ entity.name.type.stage.nas
//            ^^^^^^^^ support.function.stage.nas
//                    ^ punctuation.section.parens.begin.nas
//                     ^^^^ variable.other.field.nas
//                            ^^^^^^^^^ variable.other.nas
//                                       ^^^^^^ variable.other.field.nas
//                                                                   ^^^^^ keyword.control.after.nas
//                                                                         ^^^^^^ variable.other.stage.nas - support.function
//                                                                                 ^^^^^^ variable.other.stage.nas
  // An unknown kind is left plain, so a typo shows.
  stage typo: finetun(epochs = 1)
//            ^^^^^^^ variable.other.stage-kind.nas - support.function
  stage derive: derive { edges_per_node = 2, max_skip = 2 } after search
//      ^^^^^^ entity.name.type.stage.nas - support.function
//              ^^^^^^ support.function.stage.nas
//                       ^^^^^^^^^^^^^^ variable.other.field.nas
//                                           ^^^^^^^^ variable.other.field.nas
//                                                                ^^^^^^ variable.other.stage.nas
  stage search: ssl_search {
//                         ^ punctuation.section.braces.begin.nas
    phase warmup { epochs = 20% of epochs, arch = frozen }
//  ^^^^^ keyword.declaration.phase.nas
//        ^^^^^^ entity.name.type.phase.nas
//                 ^^^^^^ variable.other.field.nas
//                                 ^^^^^^ variable.other.nas - variable.other.field
//                                         ^^^^ variable.other.field.nas
//                                                ^^^^^^ variable.other.nas
    phase search { max_epochs = 30, when arch_stable(epochs = 10) }
//        ^^^^^^ entity.name.type.phase.nas
//                                  ^^^^ keyword.control.when.nas
//                                       ^^^^^^^^^^^ entity.name.function.call.nas - support.variable
//                                                  ^ punctuation.section.parens.begin.nas
//                                                   ^^^^^^ variable.other.field.nas
    phase p_loss { max_epochs = 5, when loss < 0.5 }
//                                      ^^^^ support.variable.metric.nas
    phase p_alpha_entropy { max_epochs = 5, when alpha_entropy < 0.5 }
//                                               ^^^^^^^^^^^^^ support.variable.metric.nas
    phase p_ssl_acc { max_epochs = 5, when ssl_acc < 0.5 }
//                                         ^^^^^^^ support.variable.metric.nas
    phase p_feature_std { max_epochs = 5, when feature_std < 0.5 }
//                                             ^^^^^^^^^^^ support.variable.metric.nas
    phase p_val_acc { max_epochs = 5, when val_acc < 0.5 }
//                                         ^^^^^^^ support.variable.metric.nas
    phase p_lr { max_epochs = 5, when lr < 0.5 }
//                                    ^^ support.variable.metric.nas
    phase q { when losses < 0.5 }
//                 ^^^^^^ variable.other.nas - support.variable
  }
}
