// SYNTAX TEST "source.nas" "keywords"

import std.spaces.darts
// <------ keyword.control.import.nas
//     ^^^^^^^^^^^^^^^^ entity.name.namespace.nas
//        ^ punctuation.accessor.nas
import std.recipes.darts as dr
//                       ^^ keyword.control.as.nas
//                          ^^ entity.name.namespace.nas
import "../shared/opt.nas" as opt
//     ^^^^^^^^^^^^^^^^^^^ string.quoted.double.nas
//                         ^^ keyword.control.as.nas

let a = 1
// <--- keyword.declaration.let.nas
def f(): int = 2
// <--- keyword.declaration.def.nas
op o = relu
// <-- keyword.declaration.op.nas
pipeline p { stage s: derive after t  phase w { when loss < 0.5 } }
// <-------- keyword.declaration.pipeline.nas
//           ^^^^^ keyword.declaration.stage.nas
//                           ^^^^^ keyword.control.after.nas
//                                    ^^^^^ keyword.declaration.phase.nas
//                                              ^^^^ keyword.control.when.nas
let b = 20% of epochs
//          ^^ keyword.operator.of.nas
let c = [true, false, none]
//       ^^^^ constant.language.boolean.nas
//             ^^^^^ constant.language.boolean.nas
//                    ^^^^ constant.language.none.nas

// A keyword is a keyword only as a whole word: these are names.
let imports = nonentity + often + stage_1 + after2
//  ^^^^^^^ entity.name.variable.nas
//            ^^^^^^^^^ variable.other.nas - constant
//                        ^^^^^ variable.other.nas - keyword
//                                ^^^^^^^ variable.other.nas - keyword
//                                          ^^^^^^ variable.other.nas - keyword
