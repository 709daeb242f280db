// A file whose comments sit in odd places; every one must survive, in order.
import std.recipes.sswp // trailing comment on an import
import /* before the path */ std.data

/// A doc comment, kept above its definition.
/// Two lines of it.
let ops = [ // after the opening bracket
  relu, // after an element
  // alone between elements
  bn /* inline, before the comma */ ,
  /* a block comment on its own line */
] // after the closing bracket

let k = 2 * /* inside an expression */ 3 + // at the end, before the operand
  1

let empty = data.digits( /* nothing but a comment */ )

pipeline p = sswp.recipe(data = data.digits(), // the data
    cells = 4 /* four */, channels = 8, epochs = 6) {
  seed = 7 // a seed

  // before a stage
  stage tune: finetune(epochs = 3) after derive // after a stage
  /* between
     stages, over two lines */
  stage probe: linear_eval(epochs = 2 /* two */) after /* which? */ derive
  search.search.epochs = 1 // an override
  search.freeze.epochs = /* the rest */ 4
  // the last line of the body
}
// the end of the file
