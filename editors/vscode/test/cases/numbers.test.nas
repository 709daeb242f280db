// SYNTAX TEST "source.nas" "numbers"

let n = [36, 1_000, 0.025, 4e-5, 1.5e3, 2E+2, 10%, 2.5%, 1_0%, 1e-2%]
//       ^^ constant.numeric.integer.nas
//           ^^^^^ constant.numeric.integer.nas
//                  ^^^^^ constant.numeric.float.nas
//                         ^^^^ constant.numeric.float.nas
//                               ^^^^^ constant.numeric.float.nas
//                                      ^^^^ constant.numeric.float.nas
//                                            ^^^ constant.numeric.percentage.nas
//                                              ^ keyword.other.unit.percent.nas
//                                                 ^^^^ constant.numeric.percentage.nas
//                                                       ^^^^ constant.numeric.percentage.nas
//                                                             ^^^^^ constant.numeric.percentage.nas
let m = -1
//      ^ keyword.operator.arithmetic.nas
//       ^ constant.numeric.integer.nas
let names = sep_conv_3x3 + x1 + _2
//          ^^^^^^^^^^^^ variable.other.nas - constant.numeric
//                         ^^ variable.other.nas - constant.numeric
//                              ^^ variable.other.nas - constant.numeric
