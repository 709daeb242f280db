// SYNTAX TEST "source.nas" "comments and doc comments"

// a line comment
// <---------------- comment.line.double-slash.nas
// <-- punctuation.definition.comment.nas

/// A doc comment: the definition below it is documented.
// <-------------------------------------------------------- comment.line.documentation.nas
// <--- punctuation.definition.comment.nas
    /// Indented doc comments too.
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.documentation.nas
//// Four slashes still start a doc line (the parser strips every leading slash).
// <-------- comment.line.documentation.nas
let x = 1 /// after code this is a plain comment, not a doc
//        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.double-slash.nas - comment.line.documentation
let y = 2 // trailing
//        ^^^^^^^^^^^ comment.line.double-slash.nas
//      ^ constant.numeric.integer.nas - comment

/* a block comment
   over lines, with // and /// inside and "no string" */ let z = 3
// <------------------------------------------------------ comment.block.nas
//  ^^^^ comment.block.nas - comment.line
//                                                    ^^ punctuation.definition.comment.end.nas
//                                                       ^^^ keyword.declaration.let.nas - comment
let w = f(1 /* inline */, 2)
//          ^^^^^^^^^^^^ comment.block.nas
//          ^^ punctuation.definition.comment.begin.nas
//                        ^ constant.numeric.integer.nas

let s = "// not a comment /* nor this */"
//       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ string.quoted.double.nas - comment
let q = 8 / 2
//        ^ keyword.operator.arithmetic.nas - comment
