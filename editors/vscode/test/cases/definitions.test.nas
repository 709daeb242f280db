// SYNTAX TEST "source.nas" "definitions: let, def, op, pipeline and their parameters"

/// A constant.
let channels: int = 16
//  ^^^^^^^^ entity.name.variable.nas
//          ^ punctuation.separator.type.nas
//            ^^^ meta.definition.nas meta.type.annotation.nas support.type.nas
//                ^ keyword.operator.assignment.nas - meta.definition

/// A parameterised, typed definition with defaults.
def tiny(cells: int = 4, ops: list[op] = darts.sswp_ops, head = mlp(128, width = 3)): network = darts.cifar(cells = cells)
//  ^^^^ entity.name.function.nas
//      ^ meta.parameters.nas punctuation.definition.parameters.begin.nas
//       ^^^^^ meta.parameters.nas variable.parameter.nas
//              ^^^ meta.parameters.nas meta.type.annotation.nas support.type.nas
//                  ^ meta.parameters.nas keyword.operator.assignment.nas
//                    ^ meta.parameters.nas constant.numeric.integer.nas
//                       ^^^ variable.parameter.nas
//                            ^^^^ support.type.nas
//                                 ^^ support.type.nas - keyword
//                                       ^^^^^ meta.parameters.nas variable.other.nas - variable.parameter
//                                             ^^^^^^^^ variable.other.member.nas - variable.parameter
//                                                       ^^^^ variable.parameter.nas
//                                                              ^^^ entity.name.function.call.nas
//                                                                  ^^^ meta.parameters.nas meta.parens.nas constant.numeric.integer.nas
//                                                                       ^^^^^ meta.parens.nas variable.other.field.nas - variable.parameter
//                                                                                ^ meta.parameters.nas meta.parens.nas punctuation.section.parens.end.nas
//                                                                                 ^ punctuation.definition.parameters.end.nas - meta.parens
//                                                                                    ^^^^^^^ meta.definition.nas meta.type.annotation.nas support.type.nas
//                                                                                                    ^^^^^ entity.name.function.call.nas - meta.definition
//                                                                                                          ^^^^^ meta.parens.nas variable.other.field.nas
//                                                                                                                  ^^^^^ meta.parens.nas variable.other.nas - variable.other.field

op sep_conv(k: int) = seq(relu, dwconv(k, stride = edge), conv(1), bn)
// ^^^^^^^^ entity.name.function.op.nas
//          ^ variable.parameter.nas
//                    ^^^ entity.name.function.call.nas
//                        ^^^^ variable.other.nas
//                                        ^^^^^^ variable.other.field.nas
op sep_conv_3x3 = sep_conv(3)
// ^^^^^^^^^^^^ entity.name.function.op.nas

pipeline search_digits(epochs: int = 6) {
//       ^^^^^^^^^^^^^ entity.name.type.pipeline.nas
//                     ^^^^^^ meta.definition.pipeline.nas meta.parameters.nas variable.parameter.nas
//                                      ^ punctuation.section.braces.begin.nas - meta.definition
}
pipeline quick = sswp.recipe(data = data.digits(), epochs = 6) {
//       ^^^^^ entity.name.type.pipeline.nas
//               ^^^^ variable.other.nas - meta.definition
//                    ^^^^^^ entity.name.function.call.nas
//                           ^^^^ variable.other.field.nas
//                                  ^^^^ variable.other.nas
//                                       ^^^^^^ entity.name.function.call.nas
}

// A definition split over lines, as nas fmt writes long ones.
def cifar(
  cells: int = 20,
//^^^^^ meta.definition.nas meta.parameters.nas variable.parameter.nas
//             ^^ meta.parameters.nas constant.numeric.integer.nas
  genotype: genotype? = none, // none: a search space
//^^^^^^^^ variable.parameter.nas
//          ^^^^^^^^ support.type.nas
//                  ^ keyword.operator.optional.nas
//                      ^^^^ constant.language.none.nas
//                            ^^ comment.line.double-slash.nas
): network = darts_net(stem = "cifar", cells = cells)
// <- meta.parameters.nas punctuation.definition.parameters.end.nas
// ^^^^^^^ support.type.nas
//           ^^^^^^^^^ entity.name.function.call.nas - meta.definition
