// SYNTAX TEST "source.nas" "strings and escapes"

let s = "data/cifar-10"
//      ^ punctuation.definition.string.begin.nas
//       ^^^^^^^^^^^^^ string.quoted.double.nas
//                    ^ punctuation.definition.string.end.nas
let e = "a\"b\\c\nd\te"
//        ^^ constant.character.escape.nas
//           ^^ constant.character.escape.nas
//              ^^ constant.character.escape.nas
//                 ^^ constant.character.escape.nas
//          ^ string.quoted.double.nas - constant.character.escape
let bad = "x\qy"
//          ^^ invalid.illegal.escape.nas
let u = "unterminated
//       ^^^^^^^^^^^^ string.quoted.double.nas
let after = 1
// <--- keyword.declaration.let.nas - string
//          ^ constant.numeric.integer.nas
