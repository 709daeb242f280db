// SYNTAX TEST "source.nas" "operators and punctuation"

let a = 2 * c + 1 - 4.0 / 3.0
//    ^ keyword.operator.assignment.nas
//        ^ keyword.operator.arithmetic.nas
//            ^ keyword.operator.arithmetic.nas
//                ^ keyword.operator.arithmetic.nas
//                      ^ keyword.operator.arithmetic.nas
let b = epochs - 20% of epochs
//                   ^^ keyword.operator.of.nas
pipeline p {
  stage s: ssl_search { phase x { max_epochs = 5, when loss <= 0.5 } }
//                                                          ^^ keyword.operator.comparison.nas
  stage t: ssl_search { phase x { when ssl_acc >= 0.5 } phase y { when lr < 1 } phase z { when lr > 1 } }
//                                             ^^ keyword.operator.comparison.nas
//                                                                        ^ keyword.operator.comparison.nas
//                                                                                                ^ keyword.operator.comparison.nas
  stage u: ssl_search { phase x { when loss == 1 } phase y { when loss != 1 } }
//                                          ^^ keyword.operator.comparison.nas
//                                                                     ^^ keyword.operator.comparison.nas
}
// <- punctuation.section.braces.end.nas
let t = (0.0, 0.999)
//      ^ punctuation.section.parens.begin.nas
//          ^ punctuation.separator.comma.nas
//                 ^ punctuation.section.parens.end.nas
let l = [darts.sep_conv_3x3, x]
//      ^ punctuation.section.brackets.begin.nas
//            ^ punctuation.accessor.nas
//             ^^^^^^^^^^^^ variable.other.member.nas
//                            ^ punctuation.section.brackets.end.nas
let bad = 1; let worse = a ? b
//         ^ invalid.illegal.character.nas
//                         ^ invalid.illegal.character.nas
